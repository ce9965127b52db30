import { describe, expect, it } from '@jest/globals';
import type { JsonObject, KubeObject } from '../api/index.js';
import {
  crdPrinterColumns,
  crdStatusAfterWrite,
  crdToResourceTypes,
  CustomResourceSchema,
  defaultCustomResourceDefinition,
  validateCustomResourceDefinition,
  type JSONSchemaProps,
} from './index.js';

function etcdSchema(): JSONSchemaProps {
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['version'],
        properties: {
          size: { type: 'integer', minimum: 1, maximum: 9, default: 3 },
          version: { type: 'string', pattern: '^3\\.[0-9]+\\.[0-9]+$' },
          storage: {
            type: 'object',
            properties: {
              class: {
                type: 'string',
                'x-kubernetes-validations': [
                  { rule: 'self == oldSelf', message: 'storage class is immutable' },
                ],
              },
              size: { 'x-kubernetes-int-or-string': true, default: '1Gi' },
            },
          },
        },
        'x-kubernetes-validations': [{ rule: 'self.size % 2 == 1', message: 'size must be odd' }],
      },
      status: {
        type: 'object',
        properties: {
          readyMembers: { type: 'integer' },
          conditions: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['type'],
            items: {
              type: 'object',
              required: ['type', 'status'],
              properties: {
                type: { type: 'string' },
                status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
  };
}

function etcdCRD(schema: JSONSchemaProps = etcdSchema()): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'etcdclusters.opkit.dev' },
    spec: {
      group: 'opkit.dev',
      scope: 'Namespaced',
      names: {
        plural: 'etcdclusters',
        singular: 'etcdcluster',
        kind: 'EtcdCluster',
        listKind: 'EtcdClusterList',
        shortNames: ['etcd'],
        categories: ['all'],
      },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema as unknown as JsonObject },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.readyMembers' },
          },
          additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
        },
        {
          name: 'v1alpha0',
          served: false,
          storage: false,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

function etcd(spec: JsonObject, extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'opkit.dev/v1alpha1',
    kind: 'EtcdCluster',
    metadata: { name: 'e1', namespace: 'default' },
    spec,
    ...extra,
  };
}

function messages(causes: { field?: string; message?: string }[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

const schemaFor = (
  s: JSONSchemaProps,
  gvk?: { group?: string; version?: string; kind?: string },
): CustomResourceSchema => CustomResourceSchema.fromSchema(s, gvk);

describe('validateCustomResourceDefinition', () => {
  it('accepts a realistic CRD', () => {
    expect(messages(validateCustomResourceDefinition(etcdCRD()))).toEqual([]);
  });

  it('checks the name against plural.group and required names', () => {
    const crd = etcdCRD();
    crd.metadata.name = 'etcd.opkit.dev';
    (crd.spec as JsonObject).names = { plural: 'etcdclusters', kind: 'EtcdCluster', listKind: 'EtcdCluster' };
    const got = messages(validateCustomResourceDefinition(crd));
    expect(got).toContain(
      'metadata.name: Invalid value: "etcd.opkit.dev": must be spec.names.plural+"."+spec.group',
    );
    expect(got).toContain('spec.names.singular: Required value');
    expect(got).toContain(
      'spec.names.listKind: Invalid value: "EtcdCluster": kind and listKind may not be the same',
    );
  });

  it('checks group, scope and versions', () => {
    const crd = etcdCRD();
    const spec = crd.spec as JsonObject;
    spec.group = 'opkit';
    spec.scope = 'Global';
    (spec.versions as JsonObject[])[1].storage = true;
    crd.metadata.name = 'etcdclusters.opkit';
    const got = messages(validateCustomResourceDefinition(crd));
    expect(got).toContain('spec.group: Invalid value: "opkit": should be a domain with at least one dot');
    expect(got).toContain(
      'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
    );
    expect(
      got.some(
        (m) =>
          m.startsWith('spec.versions: Invalid value:') &&
          m.endsWith('must have exactly one version marked as storage version'),
      ),
    ).toBe(true);
  });

  it('rejects duplicate version names and bad version names', () => {
    const crd = etcdCRD();
    const versions = (crd.spec as JsonObject).versions as JsonObject[];
    versions[1].name = 'v1alpha1';
    versions.push({
      name: 'V2',
      served: true,
      storage: false,
      schema: { openAPIV3Schema: { type: 'object' } },
    });
    const got = messages(validateCustomResourceDefinition(crd));
    expect(
      got.some(
        (m) =>
          m.startsWith('spec.versions: Invalid value:') && m.endsWith('must contain unique version names'),
      ),
    ).toBe(true);
    expect(
      got.some((m) => m.startsWith('spec.versions[2].name: Invalid value: "V2": a DNS-1035 label')),
    ).toBe(true);
  });

  it('requires a schema per version in apiextensions.k8s.io/v1', () => {
    const crd = etcdCRD();
    delete ((crd.spec as JsonObject).versions as JsonObject[])[0].schema;
    expect(messages(validateCustomResourceDefinition(crd))).toContain(
      'spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required',
    );
  });

  it('enforces structural schema rules', () => {
    const s = etcdSchema();
    delete s.properties!.spec.type;
    s.properties!.status.properties!.bad = {
      type: 'object',
      properties: { a: { type: 'string' } },
      additionalProperties: { type: 'string' },
    };
    s.properties!.spec.properties!.list = { type: 'array' };
    s.properties!.metadata = { type: 'object', properties: { labels: { type: 'object' } } };
    s.properties!.spec.properties!.choice = { type: 'string', anyOf: [{ type: 'string', description: 'x' }] };
    const got = messages(validateCustomResourceDefinition(etcdCRD(s)));
    const p = 'spec.versions[0].schema.openAPIV3Schema';
    expect(got).toContain(
      `${p}.properties[spec].type: Required value: must not be empty for specified object fields`,
    );
    expect(got).toContain(
      `${p}.properties[status].properties[bad].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    );
    expect(got).toContain(`${p}.properties[spec].properties[list].items: Required value: must be specified`);
    expect(got).toContain(
      `${p}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    );
    expect(got).toContain(
      `${p}.properties[spec].properties[choice].anyOf[0].type: Forbidden: must be empty to be structural`,
    );
    expect(got).toContain(
      `${p}.properties[spec].properties[choice].anyOf[0].description: Forbidden: must be empty to be structural`,
    );
  });

  it('checks list types, root type and preserve-unknown-fields', () => {
    const s = etcdSchema();
    s.type = 'array';
    s.items = { type: 'string' };
    s.properties!.status.properties!.conditions['x-kubernetes-list-map-keys'] = ['name'];
    s.properties!.spec['x-kubernetes-preserve-unknown-fields'] = false;
    const got = messages(validateCustomResourceDefinition(etcdCRD(s)));
    const p = 'spec.versions[0].schema.openAPIV3Schema';
    expect(got).toContain(`${p}.type: Invalid value: "array": must be object at the root`);
    expect(got).toContain(
      `${p}.properties[status].properties[conditions].x-kubernetes-list-map-keys: Invalid value: ["name"]: entries must all be names of item properties`,
    );
    expect(got).toContain(
      `${p}.properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`,
    );
  });

  it('reports CEL compile errors and oldSelf in uncorrelatable lists', () => {
    const s = etcdSchema();
    s.properties!.spec['x-kubernetes-validations'] = [
      { rule: 'self.size >' },
      { rule: 'self.size > 0', reason: 'Bad' },
    ];
    s.properties!.spec.properties!.members = {
      type: 'array',
      items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] },
    };
    const got = messages(validateCustomResourceDefinition(etcdCRD(s)));
    const p = 'spec.versions[0].schema.openAPIV3Schema.properties[spec]';
    const compile = got.find((m) =>
      m.startsWith(`${p}.x-kubernetes-validations[0].rule: Invalid value: {"Rule":"self.size \\u003e"`),
    );
    expect(compile).toContain('compilation failed: ERROR: <input>:1:');
    expect(got).toContain(
      `${p}.x-kubernetes-validations[1].reason: Unsupported value: "Bad": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
    );
    expect(got).toContain(
      `${p}.properties[members].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${p}.properties[members]`,
    );
  });

  it('checks defaults, scale paths and printer columns', () => {
    const s = etcdSchema();
    s.properties!.spec.properties!.size.default = 'three';
    s.properties!.metadata = { type: 'object', properties: { name: { type: 'string', default: 'x' } } };
    const crd = etcdCRD(s);
    const v0 = ((crd.spec as JsonObject).versions as JsonObject[])[0];
    v0.subresources = { scale: { specReplicasPath: '.status.size', statusReplicasPath: '' } };
    v0.additionalPrinterColumns = [{ name: 'X', type: 'text', jsonPath: 'spec' }];
    const got = messages(validateCustomResourceDefinition(crd));
    expect(got).toContain(
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[size].default: Invalid value: "string": default in body must be of type integer: "string"',
    );
    expect(got).toContain(
      'spec.versions[0].schema.openAPIV3Schema.properties[metadata].properties[name].default: Forbidden: must not be set in top-level metadata',
    );
    expect(got).toContain(
      'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.size": should be a json path under .spec',
    );
    expect(got).toContain('spec.versions[0].subresources.scale.statusReplicasPath: Required value');
    expect(got).toContain(
      'spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
    );
    expect(got).toContain(
      'spec.versions[0].additionalPrinterColumns[0].jsonPath: Invalid value: "spec": must be a simple json path starting with .',
    );
  });

  it('keeps group and plural immutable, kind and scope once established', () => {
    const old = etcdCRD();
    old.status = crdStatusAfterWrite(old);
    const crd = etcdCRD();
    (crd.spec as JsonObject).scope = 'Cluster';
    ((crd.spec as JsonObject).names as JsonObject).kind = 'Etcd';
    const got = messages(validateCustomResourceDefinition(crd, old));
    expect(got).toContain('spec.scope: Invalid value: "Cluster": field is immutable');
    expect(got).toContain('spec.names.kind: Invalid value: "Etcd": field is immutable');
  });
});

describe('crdToResourceTypes / status / defaults', () => {
  it('makes one ResourceType per served version', () => {
    const types = crdToResourceTypes(etcdCRD());
    expect(types).toHaveLength(1);
    expect(types[0]).toMatchObject({
      group: 'opkit.dev',
      version: 'v1alpha1',
      resource: 'etcdclusters',
      singular: 'etcdcluster',
      kind: 'EtcdCluster',
      listKind: 'EtcdClusterList',
      namespaced: true,
      shortNames: ['etcd'],
      categories: ['all'],
      custom: true,
      storage: true,
      served: true,
      subresources: {
        status: true,
        scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.readyMembers' },
      },
    });
    expect(types[0].verbs).toEqual([
      'delete',
      'deletecollection',
      'get',
      'list',
      'patch',
      'create',
      'update',
      'watch',
    ]);
    expect(crdPrinterColumns(etcdCRD(), 'v1alpha1')).toEqual([
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
    ]);
  });

  it('writes accepted names, conditions and stored versions', () => {
    const crd = etcdCRD();
    const now = new Date('2026-01-02T03:04:05.678Z');
    const status = crdStatusAfterWrite(crd, now);
    expect(status.acceptedNames).toEqual((crd.spec as JsonObject).names);
    expect(status.storedVersions).toEqual(['v1alpha1']);
    expect(status.conditions).toEqual([
      {
        type: 'NamesAccepted',
        status: 'True',
        lastTransitionTime: '2026-01-02T03:04:05Z',
        reason: 'NoConflicts',
        message: 'no conflicts found',
      },
      {
        type: 'Established',
        status: 'True',
        lastTransitionTime: '2026-01-02T03:04:05Z',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      },
    ]);
    // a later write keeps transition times and old stored versions
    crd.status = status;
    const versions = (crd.spec as JsonObject).versions as JsonObject[];
    versions[0].storage = false;
    versions[1].storage = true;
    const next = crdStatusAfterWrite(crd, new Date('2026-02-01T00:00:00Z'));
    expect(next.storedVersions).toEqual(['v1alpha1', 'v1alpha0']);
    expect((next.conditions as JsonObject[])[1].lastTransitionTime).toBe('2026-01-02T03:04:05Z');
  });

  it('defaults singular, listKind and conversion', () => {
    const crd = etcdCRD();
    (crd.spec as JsonObject).names = { plural: 'etcdclusters', kind: 'EtcdCluster' };
    defaultCustomResourceDefinition(crd);
    expect((crd.spec as JsonObject).names).toEqual({
      plural: 'etcdclusters',
      kind: 'EtcdCluster',
      singular: 'etcdcluster',
      listKind: 'EtcdClusterList',
    });
    expect((crd.spec as JsonObject).conversion).toEqual({ strategy: 'None' });
  });
});

describe('CustomResourceSchema pruning and defaulting', () => {
  const schema = CustomResourceSchema.forVersion(etcdCRD(), 'v1alpha1');

  it('prunes unknown fields and reports their paths, keeping ObjectMeta', () => {
    const o = etcd(
      { version: '3.5.0', bogus: 1, storage: { class: 'fast', extra: true } },
      { status: { conditions: [{ type: 'Ready', status: 'True', x: 1 }] }, top: 1 },
    );
    (o.metadata as JsonObject).labels = { a: 'b' };
    (o.metadata as JsonObject).unknownMeta = 'x';
    const removed = schema.prune(o);
    expect(removed.sort()).toEqual([
      'metadata.unknownMeta',
      'spec.bogus',
      'spec.storage.extra',
      'status.conditions[0].x',
      'top',
    ]);
    const want = etcd(
      { version: '3.5.0', storage: { class: 'fast' } },
      { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    );
    (want.metadata as JsonObject).labels = { a: 'b' };
    expect(o).toEqual(want);
  });

  it('respects preserve-unknown-fields and embedded resources', () => {
    const s = schemaFor({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { known: { type: 'object', properties: { a: { type: 'string' } } } },
        },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } },
        },
        raw: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
    });
    const o: JsonObject = {
      spec: { anything: { deep: 1 }, known: { a: 'x', b: 'pruned' } },
      template: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', junk: 1 },
        spec: { replicas: 1, other: 2 },
      },
      raw: { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } },
    };
    expect(s.prune(o).sort()).toEqual(['spec.known.b', 'template.metadata.junk', 'template.spec.other']);
    expect(o.spec).toEqual({ anything: { deep: 1 }, known: { a: 'x' } });
    expect(o.raw).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } });
  });

  it('applies defaults only where the parent exists, and after pruning', () => {
    const o = etcd({ version: '3.5.0' });
    schema.applyDefaults(o);
    expect(o.spec).toEqual({ version: '3.5.0', size: 3 });
    const o2 = etcd({ version: '3.5.0', storage: {} });
    schema.applyDefaults(o2);
    expect(o2.spec).toEqual({ version: '3.5.0', size: 3, storage: { size: '1Gi' } });
    const o3 = etcd({ version: '3.5.0', size: null });
    schema.applyDefaults(o3);
    expect((o3.spec as JsonObject).size).toBe(3);
  });

  it('defaults nested objects created by a parent default, and drops non-nullable nulls', () => {
    const s = schemaFor({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          default: {},
          properties: {
            a: { type: 'string', default: 'x' },
            b: { type: 'string' },
            c: { type: 'string', nullable: true },
            m: {
              type: 'object',
              additionalProperties: { type: 'object', properties: { p: { type: 'integer', default: 1 } } },
            },
            l: {
              type: 'array',
              items: { type: 'object', properties: { q: { type: 'boolean', default: true } } },
            },
          },
        },
      },
    });
    const o: JsonObject = {};
    s.applyDefaults(o);
    expect(o).toEqual({ spec: { a: 'x' } });
    const o2: JsonObject = { spec: { b: null, c: null, m: { k: {} }, l: [{}, { q: false }] } };
    s.applyDefaults(o2);
    expect(o2).toEqual({ spec: { a: 'x', c: null, m: { k: { p: 1 } }, l: [{ q: true }, { q: false }] } });
  });
});

describe('CustomResourceSchema validation', () => {
  const schema = CustomResourceSchema.forVersion(etcdCRD(), 'v1alpha1');

  it('accepts a valid object', () => {
    expect(
      schema.validate(etcd({ version: '3.5.0', size: 3, storage: { class: 'fast', size: 10 } })),
    ).toEqual([]);
  });

  it('reports type, range, pattern, required and enum errors as upstream', () => {
    const got = messages(
      schema.validate(
        etcd(
          { size: 12, storage: { class: 1 } },
          { status: { conditions: [{ type: 'Ready', status: 'Maybe' }] } },
        ),
      ),
    );
    expect(got).toContain(
      'spec.size: Invalid value: 12: spec.size in body should be less than or equal to 9',
    );
    expect(got).toContain('spec.version: Required value');
    expect(got).toContain(
      'spec.storage.class: Invalid value: "integer": spec.storage.class in body must be of type string: "integer"',
    );
    expect(got).toContain(
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
    );
    const got2 = messages(schema.validate(etcd({ version: '4.0', size: 'three' })));
    expect(got2).toContain(
      'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
    );
    expect(got2).toContain(
      'spec.version: Invalid value: "4.0": spec.version in body should match \'^3\\.[0-9]+\\.[0-9]+$\'',
    );
  });

  it('checks every value keyword', () => {
    const s = schemaFor({
      type: 'object',
      properties: {
        s: { type: 'string', minLength: 2, maxLength: 4 },
        n: {
          type: 'number',
          minimum: 0,
          exclusiveMinimum: true,
          maximum: 10,
          exclusiveMaximum: true,
          multipleOf: 0.5,
        },
        a: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'integer' } },
        o: { type: 'object', minProperties: 1, additionalProperties: { type: 'string' } },
        p: { type: 'object', maxProperties: 1, additionalProperties: { type: 'string' } },
        d: { type: 'string', format: 'date-time' },
        nn: { type: 'string', nullable: true },
        nx: { type: 'string' },
        i32: { type: 'integer', format: 'int32' },
      },
    });
    expect(
      messages(
        s.validate({
          s: 'a',
          n: 0,
          a: [],
          o: {},
          p: { a: 'x', b: 'y' },
          d: 'yesterday',
          nn: null,
          nx: null,
          i32: 1,
        }),
      ),
    ).toEqual([
      's: Invalid value: "a": s in body should be at least 2 chars long',
      'n: Invalid value: 0: n in body should be greater than 0',
      'a: Invalid value: 0: a in body should have at least 1 items',
      'o: Invalid value: 0: o in body should have at least 1 properties',
      'p: Too many: 2: must have at most 1 item',
      'd: Invalid value: "yesterday": d in body must be of type date-time: "yesterday"',
      'nx: Invalid value: "null": nx in body must be of type string: "null"',
      '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
    expect(messages(s.validate({ s: 'abcde', n: 10.25, a: [1, 2, 3], d: '2024-01-01T00:00:00Z' }))).toEqual([
      's: Too long: may not be more than 4 bytes',
      'n: Invalid value: 10.25: n in body should be a multiple of 0.5',
      'n: Invalid value: 10.25: n in body should be less than 10',
      'a: Too many: 3: must have at most 2 items',
    ]);
  });

  it('supports anyOf, oneOf, allOf and not', () => {
    const s = schemaFor({
      type: 'object',
      properties: {
        x: { type: 'integer', anyOf: [{ minimum: 5 }, { maximum: 1 }] },
        y: { type: 'string', oneOf: [{ pattern: '^a' }, { pattern: 'b$' }] },
        z: { type: 'integer', allOf: [{ minimum: 1 }, { maximum: 3 }] },
        w: { type: 'string', not: { enum: ['forbidden'] } },
      },
    });
    expect(s.validate({ x: 6, y: 'ax', z: 2, w: 'ok' })).toEqual([]);
    const got = messages(s.validate({ x: 3, y: 'ab', z: 4, w: 'forbidden' }));
    expect(got).toContain('<nil>: Invalid value: "": "x" must validate at least one schema (anyOf)');
    expect(got).toContain(
      '<nil>: Invalid value: "": "y" must validate one and only one schema (oneOf). Found 2 valid alternatives',
    );
    expect(got).toContain('z: Invalid value: 4: z in body should be less than or equal to 3');
    expect(got).toContain('<nil>: Invalid value: "": "w" must not validate the schema (not)');
  });

  it('validates int-or-string and preserve-unknown-fields values', () => {
    const s = schemaFor({
      type: 'object',
      properties: {
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    });
    expect(s.validate({ port: 80, free: { a: [1, { b: 2 }] } })).toEqual([]);
    expect(s.validate({ port: 'http' })).toEqual([]);
    expect(messages(s.validate({ port: true }))).toContain(
      'port: Invalid value: "boolean": port in body must be of type integer,string: "boolean"',
    );
  });

  it('enforces list-type map and set uniqueness', () => {
    const s = schemaFor({
      type: 'object',
      properties: {
        conditions: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
          items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } },
        },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      },
    });
    expect(
      messages(
        s.validate({
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'Ready', status: 'False' },
          ],
          tags: ['a', 'b', 'a'],
        }),
      ),
    ).toEqual(['conditions[1]: Duplicate value: {"type":"Ready"}', 'tags[2]: Duplicate value: "a"']);
  });

  it('requires apiVersion and kind in embedded resources', () => {
    const s = schemaFor({
      type: 'object',
      properties: {
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
    });
    expect(messages(s.validate({ template: { spec: {} } }))).toEqual([
      'template.apiVersion: Required value: must not be empty',
      'template.kind: Required value: must not be empty',
    ]);
  });
});

describe('CEL rules', () => {
  const schema = CustomResourceSchema.forVersion(etcdCRD(), 'v1alpha1');

  it('runs rules with messages on the node path', () => {
    expect(messages(schema.validate(etcd({ version: '3.5.0', size: 4 })))).toEqual([
      'spec: Invalid value: "object": size must be odd',
    ]);
  });

  it('skips rules when a value has the wrong type', () => {
    expect(messages(schema.validate(etcd({ version: '3.5.0', size: 'four' })))).toEqual([
      'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
      '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('runs transition rules only on update', () => {
    const old = etcd({ version: '3.5.0', size: 3, storage: { class: 'fast' } });
    const changed = etcd({ version: '3.5.0', size: 3, storage: { class: 'slow' } });
    expect(schema.validate(changed)).toEqual([]);
    expect(messages(schema.validate(changed, old))).toEqual([
      'spec.storage.class: Invalid value: "string": storage class is immutable',
    ]);
    expect(schema.validate(old, old)).toEqual([]);
  });

  it('runs optionalOldSelf rules on create with an empty oldSelf', () => {
    const s = schemaFor({
      type: 'object',
      properties: {
        mode: {
          type: 'string',
          'x-kubernetes-validations': [
            {
              rule: 'oldSelf.hasValue() ? oldSelf.value() == self : self == "initial"',
              optionalOldSelf: true,
              message: 'bad mode',
            },
          ],
        },
      },
    });
    expect(s.validate({ mode: 'initial' })).toEqual([]);
    expect(messages(s.validate({ mode: 'other' }))).toEqual(['mode: Invalid value: "string": bad mode']);
    expect(s.validate({ mode: 'other' }, { mode: 'other' })).toEqual([]);
    expect(messages(s.validate({ mode: 'x' }, { mode: 'other' }))).toEqual([
      'mode: Invalid value: "string": bad mode',
    ]);
  });

  it('supports reason, fieldPath, messageExpression, the default message and root rules', () => {
    const s = schemaFor({
      type: 'object',
      'x-kubernetes-validations': [{ rule: "self.metadata.name.startsWith('ok')" }],
      properties: {
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          properties: {
            min: { type: 'integer' },
            max: { type: 'integer' },
            tags: { type: 'array', items: { type: 'string' } },
          },
          'x-kubernetes-validations': [
            {
              rule: 'self.min <= self.max',
              messageExpression: "'min ' + string(self.min) + ' exceeds max ' + string(self.max)",
              fieldPath: '.min',
            },
            {
              rule: 'self.tags.all(t, t.matches("^[a-z]+$"))',
              reason: 'FieldValueForbidden',
              message: 'tags must be lower case',
            },
            { rule: 'has(self.min)', reason: 'FieldValueRequired', message: 'min is required' },
            { rule: 'size(self.tags) < 3' },
            { rule: 'self.tags.isSorted() && self.tags.indexOf("a") >= -1' },
          ],
        },
      },
    });
    const got = messages(
      s.validate({
        metadata: { name: 'bad', labels: { a: 'b' } },
        spec: { min: 5, max: 1, tags: ['B', 'c', 'a'] },
      }),
    );
    expect(got).toEqual([
      '<nil>: Invalid value: "object": failed rule: self.metadata.name.startsWith(\'ok\')',
      'spec.min: Invalid value: "object": min 5 exceeds max 1',
      'spec: Forbidden: tags must be lower case',
      'spec: Invalid value: "object": failed rule: size(self.tags) < 3',
      'spec: Invalid value: "object": failed rule: self.tags.isSorted() && self.tags.indexOf("a") >= -1',
    ]);
    expect(messages(s.validate({ metadata: { name: 'ok' }, spec: { max: 1, tags: [] } }))).toEqual([
      'spec: Invalid value: "object": no such key: min evaluating rule: self.min <= self.max',
      'spec: Required value: min is required',
    ]);
  });

  it('correlates map-list items by key and map entries for transition rules', () => {
    const s = schemaFor({
      type: 'object',
      properties: {
        items: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              value: {
                type: 'integer',
                'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'may only grow' }],
              },
            },
          },
        },
        labels: {
          type: 'object',
          additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] },
        },
      },
    });
    const old = {
      items: [
        { name: 'a', value: 5 },
        { name: 'b', value: 1 },
      ],
      labels: { x: '1' },
    };
    const next = {
      items: [
        { name: 'b', value: 2 },
        { name: 'a', value: 4 },
        { name: 'c', value: 0 },
      ],
      labels: { x: '2', y: '3' },
    };
    expect(messages(s.validate(next, old))).toEqual([
      'items[1].value: Invalid value: "integer": may only grow',
      'labels[x]: Invalid value: "string": failed rule: self == oldSelf',
    ]);
  });

  it('supports Kubernetes library functions: quantity, url, regex, lists', () => {
    const s = schemaFor({
      type: 'object',
      properties: {
        mem: {
          type: 'string',
          'x-kubernetes-validations': [
            { rule: 'isQuantity(self) && quantity(self).isLessThan(quantity("2Gi"))' },
          ],
        },
        endpoint: {
          type: 'string',
          'x-kubernetes-validations': [{ rule: 'isURL(self) && url(self).getScheme() == "https"' }],
        },
        id: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.find("[0-9]+") == "42"' }] },
        nums: {
          type: 'array',
          items: { type: 'integer' },
          'x-kubernetes-validations': [{ rule: 'self.sum() == 6 && self.max() == 3 && self.min() == 1' }],
        },
      },
    });
    expect(
      s.validate({ mem: '512Mi', endpoint: 'https://x.example/a', id: 'abc42', nums: [1, 2, 3] }),
    ).toEqual([]);
    expect(messages(s.validate({ mem: '3Gi', endpoint: 'http://x', id: 'abc', nums: [3] }))).toHaveLength(4);
  });
});

describe('toTypeSet and openAPIV3', () => {
  const schema = CustomResourceSchema.forVersion(etcdCRD(), 'v1alpha1');

  it('converts the schema to an SMD type set', () => {
    const { typeSet, typeName } = schema.toTypeSet();
    expect(typeName).toBe('dev.opkit.v1alpha1.EtcdCluster');
    const root = typeSet.resolve({ namedType: typeName });
    const fields = Object.fromEntries((root.map?.fields ?? []).map((f) => [f.name, f]));
    expect(fields.apiVersion.type).toEqual({ scalar: 'string' });
    expect(fields.metadata.type).toEqual({ namedType: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
    expect(typeSet.resolve(fields.metadata.type).map).toBeDefined();
    const spec = fields.spec.type.map!;
    const size = spec.fields!.find((f) => f.name === 'size')!;
    expect(size).toEqual({ name: 'size', type: { scalar: 'numeric' }, default: 3 });
    const storage = spec.fields!.find((f) => f.name === 'storage')!.type.map!;
    expect(storage.fields!.find((f) => f.name === 'size')!.type).toEqual({ scalar: 'untyped' });
    const conditions = fields.status.type.map!.fields!.find((f) => f.name === 'conditions')!;
    expect(conditions.type.list).toMatchObject({ elementRelationship: 'associative', keys: ['type'] });
  });

  it('maps set, atomic, map-type and preserve-unknown-fields', () => {
    const s = schemaFor(
      {
        type: 'object',
        properties: {
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          args: { type: 'array', items: { type: 'string' } },
          sel: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { a: { type: 'string' } } },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
      { group: 'example.com', version: 'v1', kind: 'Thing' },
    );
    const { typeSet, typeName } = s.toTypeSet();
    const root = typeSet.resolve({ namedType: typeName }).map!;
    const f = (n: string) => root.fields!.find((x) => x.name === n)!.type;
    expect(f('tags')).toEqual({
      list: { elementType: { scalar: 'string' }, elementRelationship: 'associative' },
    });
    expect(f('args')).toEqual({ list: { elementType: { scalar: 'string' }, elementRelationship: 'atomic' } });
    expect(f('sel').map!.elementRelationship).toBe('atomic');
    expect(f('free')).toEqual({ map: { elementType: { namedType: '__untyped_deduced_' } } });
    expect(f('labels')).toEqual({ map: { elementType: { scalar: 'string' } } });
  });

  it('publishes the schema with apiVersion, kind, ObjectMeta and the GVK', () => {
    const out = schema.openAPIV3();
    expect(out['x-kubernetes-group-version-kind']).toEqual([
      { group: 'opkit.dev', kind: 'EtcdCluster', version: 'v1alpha1' },
    ]);
    const props = out.properties as JsonObject;
    expect((props.metadata as JsonObject).allOf).toEqual([
      { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
    ]);
    expect((props.spec as JsonObject).required).toEqual(['version']);
  });
});
