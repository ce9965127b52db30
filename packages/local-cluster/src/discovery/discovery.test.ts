import { describe, it, expect } from '@jest/globals';
import YAML from 'yaml';
import type { KubeObject } from '../api/index.js';
import { CustomResourceSchema } from '../crd/index.js';
import { ResourceRegistry, type ResourceType } from '../registry/index.js';
import { DiscoveryHandler, gnosticTypes, negotiateDiscovery, storageVersionHash } from './index.js';

const widget: ResourceType = {
  group: 'opkit.dev',
  version: 'v1',
  resource: 'widgets',
  singular: 'widget',
  kind: 'Widget',
  listKind: 'WidgetList',
  namespaced: true,
  shortNames: ['wd'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: {
    status: true,
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
  },
  custom: true,
  storage: true,
  served: true,
};

function json(handler: DiscoveryHandler, path: string, accept?: string): Record<string, unknown> {
  const r = handler.handle('GET', path, accept);
  if (!r) throw new Error(`no answer for ${path}`);
  expect(r.status).toBe(200);
  return JSON.parse(r.body.toString()) as Record<string, unknown>;
}

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('discovery documents', () => {
  const registry = ResourceRegistry.withBuiltins();
  const handler = new DiscoveryHandler({ registry, serverAddress: '10.0.0.1:6443' });

  it('serves /version, /api and /apis', () => {
    expect(json(handler, '/version')).toMatchObject({ major: '1', minor: '33', gitVersion: 'v1.33.0-opkit' });
    expect(json(handler, '/api')).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }],
    });
    const apis = json(handler, '/apis') as Doc;
    expect(apis.kind).toBe('APIGroupList');
    expect(apis.groups[0]).toEqual({
      name: 'apps',
      versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
    expect((json(handler, '/apis/apps') as Doc).kind).toBe('APIGroup');
    expect(handler.handle('GET', '/apis/nope.dev')).toBeUndefined();
    expect(handler.handle('POST', '/api')).toBeUndefined();
    expect(handler.handle('GET', '/api/v1/namespaces/default/pods')).toBeUndefined();
  });

  it('lists resources and subresources of a group version', () => {
    const core = json(handler, '/api/v1') as Doc;
    expect(core.kind).toBe('APIResourceList');
    expect(core.apiVersion).toBeUndefined();
    expect(core.groupVersion).toBe('v1');
    const pods = core.resources.find((r: Doc) => r.name === 'pods');
    expect(pods).toEqual({
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
      storageVersionHash: storageVersionHash('', 'v1', 'Pod'),
    });
    expect(core.resources.find((r: Doc) => r.name === 'pods/eviction')).toMatchObject({
      group: 'policy',
      version: 'v1',
      kind: 'Eviction',
      verbs: ['create'],
    });
    expect(core.resources.find((r: Doc) => r.name === 'pods/status')).toMatchObject({
      kind: 'Pod',
      verbs: ['get', 'patch', 'update'],
    });
    const apps = json(handler, '/apis/apps/v1') as Doc;
    expect(apps.apiVersion).toBe('v1');
    expect(apps.resources.find((r: Doc) => r.name === 'statefulsets/scale')).toMatchObject({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
    // The same hash kube-apiserver 1.33 reports for pods.
    expect(storageVersionHash('', 'v1', 'Pod')).toBe('xPOwRZ+Yhw8=');
  });

  it('negotiates aggregated discovery as client-go asks for it', () => {
    const v2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
    const v2beta1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
    expect(negotiateDiscovery(`${v2},${v2beta1},application/json`)).toBe('v2');
    expect(negotiateDiscovery(`${v2beta1},application/json`)).toBe('v2beta1');
    expect(
      negotiateDiscovery(
        `application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,${v2}`,
      ),
    ).toBe('v2');
    expect(negotiateDiscovery('application/json, */*')).toBeUndefined();
    expect(negotiateDiscovery(undefined)).toBeUndefined();

    const r = handler.handle('GET', '/apis', `${v2},application/json`);
    expect(r?.headers['Content-Type']).toBe(v2);
    const doc = JSON.parse(r?.body.toString() ?? '') as Doc;
    expect(doc).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    const apps = doc.items.find((i: Doc) => i.metadata.name === 'apps');
    const sts = apps.versions[0].resources.find((x: Doc) => x.resource === 'statefulsets');
    expect(sts).toMatchObject({
      responseKind: { group: '', version: '', kind: 'StatefulSet' },
      scope: 'Namespaced',
      singularResource: 'statefulset',
      shortNames: ['sts'],
      categories: ['all'],
    });
    expect(sts.subresources).toContainEqual({
      subresource: 'scale',
      responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    });
    expect(apps.versions[0].freshness).toBe('Current');
    const core = JSON.parse(handler.handle('GET', '/api', v2beta1)?.body.toString() ?? '') as Doc;
    expect(core.apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    expect(core.items).toHaveLength(1);
    expect(core.items[0].versions[0].version).toBe('v1');
  });

  it('rebuilds the documents when the registry changes', () => {
    const r = ResourceRegistry.withBuiltins();
    const h = new DiscoveryHandler({ registry: r });
    const before = JSON.stringify(json(h, '/openapi/v3'));
    expect(h.handle('GET', '/apis/opkit.dev/v1')).toBeUndefined();
    r.add(widget);
    expect((json(h, '/apis/opkit.dev/v1') as Doc).resources.map((x: Doc) => x.name)).toEqual([
      'widgets',
      'widgets/scale',
      'widgets/status',
    ]);
    const index = json(h, '/openapi/v3') as Doc;
    expect(JSON.stringify(index)).not.toBe(before);
    expect(index.paths['apis/opkit.dev/v1'].serverRelativeURL).toMatch(
      /^\/openapi\/v3\/apis\/opkit.dev\/v1\?hash=[0-9A-F]{128}$/,
    );
    r.removeGroupResource('opkit.dev', 'widgets');
    expect(h.handle('GET', '/apis/opkit.dev/v1')).toBeUndefined();
    h.close();
  });
});

describe('OpenAPI v3', () => {
  const registry = ResourceRegistry.withBuiltins();
  registry.add(widget);
  const handler = new DiscoveryHandler({
    registry,
    customSchema: () => ({
      type: 'object',
      properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } },
    }),
  });

  it('links each group version with its hash and honours the hash', () => {
    const index = json(handler, '/openapi/v3') as Doc;
    const url: string = index.paths['apis/apps/v1'].serverRelativeURL;
    const fresh = handler.handle('GET', url);
    expect(fresh?.status).toBe(200);
    expect(fresh?.headers['Cache-Control']).toBe('public, immutable');
    const stale = handler.handle('GET', '/openapi/v3/apis/apps/v1?hash=ABC');
    expect(stale?.status).toBe(301);
    expect(stale?.headers.Location).toBe(url);
    expect(handler.handle('GET', '/openapi/v3/apis/nope/v1')).toBeUndefined();
  });

  it('publishes schemas with kubernetes extensions and PATCH operations with fieldValidation', () => {
    const doc = json(handler, '/openapi/v3/api/v1') as Doc;
    const schemas = doc.components.schemas;
    expect(schemas['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([
      { group: '', kind: 'Pod', version: 'v1' },
    ]);
    const containers = schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
    expect(containers).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' },
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    expect(schemas['io.k8s.api.core.v1.PodList'].properties.items.items.$ref).toBe(
      '#/components/schemas/io.k8s.api.core.v1.Pod',
    );
    // Every $ref resolves inside the document.
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[^"]+/g) ?? [];
    for (const ref of refs) expect(schemas[ref.slice('#/components/schemas/'.length)]).toBeDefined();

    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Pod', version: 'v1' });
    expect(patch.parameters.map((p: Doc) => p.name)).toEqual([
      'dryRun',
      'fieldManager',
      'fieldValidation',
      'force',
    ]);
    expect(Object.keys(patch.requestBody.content)).toContain('application/apply-patch+yaml');
    expect(
      doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/status'].patch.parameters.map((p: Doc) => p.name),
    ).toContain('fieldValidation');
  });

  it('publishes custom resources from their schema', () => {
    const doc = json(handler, '/openapi/v3/apis/opkit.dev/v1') as Doc;
    const widgetSchema = doc.components.schemas['dev.opkit.v1.Widget'];
    expect(widgetSchema['x-kubernetes-group-version-kind']).toEqual([
      { group: 'opkit.dev', kind: 'Widget', version: 'v1' },
    ]);
    expect(widgetSchema.properties.metadata.$ref).toBe(
      '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    );
    expect(widgetSchema.properties.spec.properties.replicas.type).toBe('integer');
    expect(doc.components.schemas['dev.opkit.v1.WidgetList']).toBeDefined();
    expect(
      doc.paths['/apis/opkit.dev/v1/namespaces/{namespace}/widgets/{name}/scale'].patch[
        'x-kubernetes-group-version-kind'
      ],
    ).toEqual({
      group: 'autoscaling',
      kind: 'Scale',
      version: 'v1',
    });
    expect(doc.components.schemas['io.k8s.api.autoscaling.v1.Scale']).toBeDefined();
  });
});

describe('custom resources published from crd/', () => {
  it("uses the type's openAPIV3Schema in v3 and a v2-safe copy in v2", () => {
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.opkit.dev' },
      spec: {
        group: 'opkit.dev',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      port: {
                        'x-kubernetes-int-or-string': true,
                        anyOf: [{ type: 'integer' }, { type: 'string' }],
                      },
                      note: { type: 'string', nullable: true },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    };
    const registry = ResourceRegistry.withBuiltins();
    registry.add({ ...widget, openAPIV3Schema: CustomResourceSchema.forVersion(crd, 'v1').openAPIV3() });
    const handler = new DiscoveryHandler({ registry });
    const v3 = json(handler, '/openapi/v3/apis/opkit.dev/v1') as Doc;
    const w3 = v3.components.schemas['dev.opkit.v1.Widget'];
    expect(w3.properties.spec.properties.port.anyOf).toHaveLength(2);
    expect(w3.properties.kind.description).toContain('Kind is a string value');
    expect(v3.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).toBeDefined();
    const v2 = json(handler, '/openapi/v2') as Doc;
    const w2 = v2.definitions['dev.opkit.v1.Widget'];
    expect(w2.properties.spec.properties.port).toEqual({ 'x-kubernetes-int-or-string': true });
    expect(w2.properties.spec.properties.note).toEqual({ type: 'string' });
    expect(w2.properties.metadata).toEqual({
      $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    });
  });
});

describe('OpenAPI v2', () => {
  const registry = ResourceRegistry.withBuiltins();
  const handler = new DiscoveryHandler({ registry });

  it('serves swagger JSON whose references all resolve', () => {
    const doc = json(handler, '/openapi/v2') as Doc;
    expect(doc.swagger).toBe('2.0');
    const refs = JSON.stringify(doc).match(/#\/definitions\/[^"]+/g) ?? [];
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of refs) expect(doc.definitions[ref.slice('#/definitions/'.length)]).toBeDefined();
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch.parameters.find((p: Doc) => p.in === 'body').schema.$ref).toBe(
      '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
    );
    expect(patch.parameters.some((p: Doc) => p.name === 'fieldValidation' && p.in === 'query')).toBe(true);
  });

  it('encodes the gnostic protobuf that decodes back to the same document', () => {
    const r = handler.handle(
      'GET',
      '/openapi/v2',
      'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
    );
    expect(r?.headers['Content-Type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    const Document = gnosticTypes().lookupType('openapi.v2.Document');
    const decoded = Document.toObject(Document.decode(r?.body as Buffer), { defaults: false }) as Doc;
    expect(decoded.swagger).toBe('2.0');
    const deployment = decoded.definitions.additionalProperties.find(
      (d: Doc) => d.name === 'io.k8s.api.apps.v1.Deployment',
    );
    const gvk = deployment.value.vendorExtension.find(
      (e: Doc) => e.name === 'x-kubernetes-group-version-kind',
    );
    expect(YAML.parse(gvk.value.yaml)).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    const path = decoded.paths.path.find(
      (p: Doc) => p.name === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
    );
    const names = path.value.patch.parameters.map(
      (p: Doc) =>
        p.parameter.bodyParameter?.name ?? p.parameter.nonBodyParameter.queryParameterSubSchema?.name,
    );
    expect(names).toEqual(['body', 'dryRun', 'fieldManager', 'fieldValidation', 'force']);
    const spec = decoded.definitions.additionalProperties.find(
      (d: Doc) => d.name === 'io.k8s.api.apps.v1.DeploymentSpec',
    );
    const replicas = spec.value.properties.additionalProperties.find((p: Doc) => p.name === 'replicas');
    expect(replicas.value.type.value).toEqual(['integer']);
    // A conditional GET with the ETag answers 304.
    expect(handler.handle('GET', '/openapi/v2', undefined, { ifNoneMatch: r?.headers.ETag })?.status).toBe(
      200,
    );
    const jsonEtag = handler.handle('GET', '/openapi/v2')?.headers.ETag;
    expect(handler.handle('GET', '/openapi/v2', undefined, { ifNoneMatch: jsonEtag })?.status).toBe(304);
  });
});
