import { describe, it, expect } from '@jest/globals';
import { validateCustomResourceDefinition } from '../../../local-cluster/src/crd/index.js';
import {
  CustomResourceDefinitionError,
  Type,
  defineCustomResource,
  intOrString,
  listMap,
  listSet,
  pluralize,
  preserveUnknownFields,
  toStructuralSchema,
  withValidations,
  type CustomResource,
  type CustomResourceSpec,
} from './index.js';

const EtcdClusterKind = defineCustomResource({
  group: 'etcd.example.com',
  version: 'v1alpha1',
  kind: 'EtcdCluster',
  scope: 'Namespaced',
  description: 'A highly available etcd cluster.',
  shortNames: ['etcd'],
  categories: ['all'],
  spec: withValidations(
    Type.Object(
      {
        size: Type.Integer({ minimum: 1, maximum: 9, default: 3, description: 'Number of members.' }),
        version: Type.String({ pattern: '^3\\.[0-9]+\\.[0-9]+$' }),
        storage: Type.Optional(Type.Object({ size: intOrString(), className: Type.Optional(Type.String()) })),
        tls: Type.Union([Type.Literal('none'), Type.Literal('peer'), Type.Literal('all')]),
        members: Type.Optional(listMap(Type.Object({ name: Type.String(), port: Type.Integer() }), ['name'])),
        tags: Type.Optional(listSet(Type.String())),
        labels: Type.Optional(Type.Record(Type.String(), Type.String())),
        extra: Type.Optional(preserveUnknownFields()),
        paused: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
      },
      { $id: 'EtcdClusterSpec', additionalProperties: false },
    ),
    [{ rule: 'self.size % 2 == 1', message: 'size must be odd' }],
  ),
  status: Type.Object({
    readyMembers: Type.Optional(Type.Integer()),
    selector: Type.Optional(Type.String()),
    conditions: Type.Optional(
      listMap(
        Type.Object({
          type: Type.String(),
          status: Type.String(),
          lastTransitionTime: Type.String({ format: 'date-time' }),
        }),
        ['type'],
      ),
    ),
  }),
  printerColumns: [
    { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyMembers' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  scale: {
    specReplicasPath: '.spec.size',
    statusReplicasPath: '.status.readyMembers',
    labelSelectorPath: '.status.selector',
  },
  validations: [{ rule: 'self.metadata.name.size() <= 40', message: 'name too long' }],
});

type EtcdCluster = CustomResource<typeof EtcdClusterKind>;

describe('defineCustomResource', () => {
  it('produces a CRD the API server accepts', () => {
    const crd = EtcdClusterKind.toCRD();
    expect(validateCustomResourceDefinition(crd as never)).toEqual([]);
    expect(crd.metadata.name).toBe('etcdclusters.etcd.example.com');
    expect(crd.spec.names).toEqual({
      kind: 'EtcdCluster',
      listKind: 'EtcdClusterList',
      plural: 'etcdclusters',
      singular: 'etcdcluster',
      shortNames: ['etcd'],
      categories: ['all'],
    });
    const v = crd.spec.versions[0]!;
    expect(v.subresources).toEqual({
      status: {},
      scale: {
        specReplicasPath: '.spec.size',
        statusReplicasPath: '.status.readyMembers',
        labelSelectorPath: '.status.selector',
      },
    });
    expect(v.additionalPrinterColumns).toHaveLength(3);
    const root = v.schema.openAPIV3Schema;
    expect(root['x-kubernetes-validations']).toEqual([
      { rule: 'self.metadata.name.size() <= 40', message: 'name too long' },
    ]);
    const spec = root.properties!.spec!;
    expect(spec).not.toHaveProperty('$id');
    expect(spec).not.toHaveProperty('additionalProperties');
    expect(spec['x-kubernetes-validations']).toEqual([
      { rule: 'self.size % 2 == 1', message: 'size must be odd' },
    ]);
    expect(spec.properties!.tls).toEqual({ type: 'string', enum: ['none', 'peer', 'all'] });
    expect(spec.properties!.storage!.properties!.size).toEqual({ 'x-kubernetes-int-or-string': true });
    expect(spec.properties!.members).toMatchObject({
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(spec.properties!.labels).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    expect(spec.properties!.extra).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(spec.properties!.paused).toEqual({ type: 'boolean', nullable: true });
    expect(spec.required).toEqual(['size', 'version', 'tls']);
  });

  it('gives the TS type, GVK and a typed constructor', () => {
    const obj: EtcdCluster = EtcdClusterKind.create({
      metadata: { name: 'a', namespace: 'default' },
      spec: { size: 3, version: '3.5.0', tls: 'all' },
    });
    const spec: CustomResourceSpec<typeof EtcdClusterKind> = obj.spec;
    expect(spec.size).toBe(3);
    expect(obj.apiVersion).toBe('etcd.example.com/v1alpha1');
    expect(obj.kind).toBe('EtcdCluster');
    expect(EtcdClusterKind.gvk).toEqual({
      group: 'etcd.example.com',
      version: 'v1alpha1',
      kind: 'EtcdCluster',
    });
    obj.status = { readyMembers: 1 };
  });

  it('supports several versions sharing a schema', () => {
    const def = defineCustomResource({
      group: 'shop.example.com',
      versions: [
        { name: 'v1', storage: true },
        { name: 'v1beta1', deprecated: true, deprecationWarning: 'use v1' },
      ],
      kind: 'Policy',
      scope: 'Cluster',
      spec: Type.Object({ rules: Type.Array(Type.String()) }),
    });
    const crd = def.toCRD();
    expect(crd.metadata.name).toBe('policies.shop.example.com');
    expect(crd.spec.versions.map((v) => [v.name, v.storage, v.deprecated])).toEqual([
      ['v1', true, undefined],
      ['v1beta1', false, true],
    ]);
    expect(crd.spec.versions[0]!.subresources).toBeUndefined();
    expect(validateCustomResourceDefinition(crd as never)).toEqual([]);
  });

  it('rejects bad names and versions with one clear message', () => {
    const bad = () =>
      defineCustomResource({
        group: 'shop',
        version: 'v1.0',
        kind: 'my-kind',
        scope: 'Namespaced',
        spec: Type.Object({}),
      });
    expect(bad).toThrow(CustomResourceDefinitionError);
    expect(bad).toThrow(/kind "my-kind" must be PascalCase.*group "shop".*version "v1.0"/);
  });

  it('rejects schemas that are not structural, naming the path', () => {
    const def = (spec: ReturnType<typeof Type.Object>) => () =>
      defineCustomResource({ group: 'a.b', version: 'v1', kind: 'K', scope: 'Cluster', spec });
    expect(def(Type.Object({ x: Type.Union([Type.String(), Type.Boolean()]) }))).toThrow(
      /not structural at \.spec\.x: a union of different types/,
    );
    expect(def(Type.Object({ x: Type.Tuple([Type.String()]) }))).toThrow(
      /\.spec\.x: tuples are not structural/,
    );
    expect(def(Type.Object({ x: Type.Array(Type.String(), { uniqueItems: true }) }))).toThrow(/uniqueItems/);
    expect(
      def(
        Type.Object({
          x: Type.Intersect([Type.Object({ a: Type.String() }), Type.Object({ b: Type.String() })]),
        }),
      ),
    ).toThrow(/Type.Composite/);
    expect(def(Type.Object({ d: Type.Date() } as never))).toThrow(/\.spec\.d/);
  });

  it('rewrites JSON Schema 2019 bounds and integer literals', () => {
    expect(toStructuralSchema(Type.Number({ exclusiveMinimum: 0 }))).toEqual({
      type: 'number',
      minimum: 0,
      exclusiveMinimum: true,
    });
    expect(toStructuralSchema(Type.Literal(3))).toEqual({ type: 'integer', enum: [3] });
    expect(toStructuralSchema(Type.Enum({ A: 'a', B: 'b' }))).toEqual({ type: 'string', enum: ['a', 'b'] });
  });

  it('pluralises like Kubernetes tooling', () => {
    expect(['Memcached', 'Policy', 'Ingress', 'Box', 'Gateway'].map(pluralize)).toEqual([
      'memcacheds',
      'policies',
      'ingresses',
      'boxes',
      'gateways',
    ]);
  });
});
