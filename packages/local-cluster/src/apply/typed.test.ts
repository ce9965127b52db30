import { describe, it, expect } from '@jest/globals';
import { ApiError, type JsonObject, type KubeObject } from '../api/index.js';
import { TypeSet, UNTYPED_DEDUCED, builtinTypes, builtinTypeName } from '../schema/index.js';
import {
  FieldSet,
  fieldsV1FromObject,
  keyElement,
  pathString,
  serverSideApply,
  setFromFieldsV1,
  trackUpdate,
  TypedSchema,
  valueElement,
} from './index.js';

/** A custom resource schema as crd/ would convert it: a keyed list, a set, an atomic list, untyped config. */
const crdTypes = new TypeSet([
  {
    name: 'Widget',
    map: {
      fields: [
        { name: 'apiVersion', type: { scalar: 'string' } },
        { name: 'kind', type: { scalar: 'string' } },
        { name: 'metadata', type: { namedType: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } },
        { name: 'spec', type: { namedType: 'WidgetSpec' } },
        { name: 'status', type: { map: { fields: [{ name: 'phase', type: { scalar: 'string' } }] } } },
      ],
    },
  },
  {
    name: 'WidgetSpec',
    map: {
      fields: [
        { name: 'size', type: { scalar: 'numeric' } },
        {
          name: 'members',
          type: {
            list: {
              elementType: {
                map: {
                  fields: [
                    { name: 'id', type: { scalar: 'string' } },
                    { name: 'role', type: { scalar: 'string' } },
                  ],
                },
              },
              elementRelationship: 'associative',
              keys: ['id'],
            },
          },
        },
        {
          name: 'tags',
          type: { list: { elementType: { scalar: 'string' }, elementRelationship: 'associative' } },
        },
        {
          name: 'args',
          type: { list: { elementType: { scalar: 'string' }, elementRelationship: 'atomic' } },
        },
        { name: 'config', type: { namedType: UNTYPED_DEDUCED } },
        {
          name: 'selector',
          type: { map: { elementType: { scalar: 'string' }, elementRelationship: 'atomic' } },
        },
      ],
    },
  },
  ...[
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
    'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry',
    'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
  ]
    .map((n) => builtinTypes.get(n))
    .filter((t) => t !== undefined),
]);

const schema = new TypedSchema(crdTypes, { namedType: 'Widget' });

function widget(spec: JsonObject): JsonObject {
  return { apiVersion: 'opkit.dev/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns' }, spec };
}

function applyWidget(
  live: KubeObject | undefined,
  spec: JsonObject,
  manager: string,
  force = false,
): KubeObject {
  return serverSideApply({
    live,
    applied: widget(spec),
    manager,
    force,
    typeSet: crdTypes,
    typeName: 'Widget',
    apiVersion: 'opkit.dev/v1',
    now: () => '2026-01-01T00:00:00Z',
  });
}

describe('FieldSet and FieldsV1', () => {
  it('round-trips FieldsV1 with "." for members that have children', () => {
    const json = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
        'f:finalizers': { 'v:"a"': {} },
        'f:replicas': {},
      },
    };
    const set = setFromFieldsV1(json);
    expect(set.toFieldsV1()).toEqual(json);
    expect(JSON.stringify(set.toFieldsV1())).toBe(JSON.stringify(json));
    expect(set.paths().map(pathString)).toEqual([
      '.metadata.labels',
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.containers[name="c"]',
      '.spec.containers[name="c"].image',
      '.spec.containers[name="c"].name',
      '.spec.finalizers[="a"]',
    ]);
  });

  it('writes keys sorted by name and prints them as SMD does', () => {
    const pe = keyElement([
      ['protocol', 'TCP'],
      ['containerPort', 80],
    ]);
    expect(pe).toBe('k:{"containerPort":80,"protocol":"TCP"}');
    expect(pathString(['f:ports', pe])).toBe('.ports[containerPort=80,protocol="TCP"]');
    expect(pathString(['f:tags', valueElement('x')])).toBe('.tags[="x"]');
  });

  it('set algebra: union, intersection, difference, leaves', () => {
    const a = FieldSet.of(['f:a'], ['f:b', 'f:c'], ['f:b']);
    const b = FieldSet.of(['f:b', 'f:c'], ['f:d']);
    expect(a.union(b).paths().length).toBe(4);
    expect(a.intersection(b).paths().map(pathString)).toEqual(['.b.c']);
    expect(a.difference(b).paths().map(pathString)).toEqual(['.a', '.b']);
    expect(
      a
        .recursiveDifference(FieldSet.of(['f:b']))
        .paths()
        .map(pathString),
    ).toEqual(['.a']);
    expect(a.leaves().paths().map(pathString)).toEqual(['.a', '.b.c']);
    expect(() => setFromFieldsV1({ 'x:y': {} })).toThrow();
  });

  it('fieldsV1FromObject uses the schema', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
    expect(fieldsV1FromObject(cm, builtinTypes, builtinTypeName('', 'v1', 'ConfigMap') as string)).toEqual({
      'f:apiVersion': {},
      'f:data': { 'f:a': {} },
      'f:kind': {},
      'f:metadata': { 'f:name': {} },
    });
  });
});

describe('TypedSchema', () => {
  it('merges keyed lists by key keeping live-only items in place', () => {
    const merged = schema.merge(
      widget({ members: [{ id: 'a', role: 'x' }, { id: 'b' }, { id: 'c' }] }),
      widget({ members: [{ id: 'c', role: 'z' }, { id: 'a' }] }),
    ) as JsonObject;
    expect((merged['spec'] as JsonObject)['members']).toEqual([
      { id: 'b' },
      { id: 'c', role: 'z' },
      { id: 'a', role: 'x' },
    ]);
  });

  it('merges sets as a union, atomic lists and maps whole, untyped maps key by key', () => {
    const merged = schema.merge(
      widget({
        tags: ['a', 'b'],
        args: ['1', '2'],
        selector: { x: '1', y: '2' },
        config: { a: { b: 1, c: 2 }, l: [1, 2] },
      }),
      widget({ tags: ['c', 'a'], args: ['3'], selector: { z: '3' }, config: { a: { b: 5 }, l: [3] } }),
    ) as JsonObject;
    expect(merged['spec']).toEqual({
      tags: ['c', 'a', 'b'],
      args: ['3'],
      selector: { z: '3' },
      config: { a: { b: 5, c: 2 }, l: [3] },
    });
  });

  it('compares leaves and reports maps and items present on one side', () => {
    const c = schema.compare(
      widget({ size: 1, members: [{ id: 'a' }] }),
      widget({ size: 2, members: [{ id: 'a' }, { id: 'b' }] }),
    );
    expect(c.modified.paths().map(pathString)).toEqual(['.spec.size']);
    expect(c.added.paths().map(pathString)).toEqual(['.spec.members[id="b"]', '.spec.members[id="b"].id']);
    expect(c.removed.empty()).toBe(true);
  });

  it('untyped maps own every key, lists under them atomically', () => {
    const set = schema.toFieldSet(widget({ config: { a: { b: 1 }, l: [1] } }));
    expect(set.toFieldsV1()['f:spec']).toEqual({ 'f:config': { 'f:a': { '.': {}, 'f:b': {} }, 'f:l': {} } });
  });
});

describe('serverSideApply on a custom resource', () => {
  it('per-item ownership in a keyed list, and removal of a dropped item', () => {
    const a = applyWidget(undefined, { members: [{ id: 'a', role: 'x' }] }, 'a');
    const b = applyWidget(a, { members: [{ id: 'b' }] }, 'b');
    expect((b['spec'] as JsonObject)['members']).toEqual([{ id: 'a', role: 'x' }, { id: 'b' }]);
    const c = applyWidget(b, { size: 1 }, 'a');
    expect(c['spec']).toEqual({ members: [{ id: 'b' }], size: 1 });
  });

  it('a dropped untyped key goes, one kept by another applier stays', () => {
    const a = applyWidget(undefined, { config: { x: 1, y: 2 } }, 'a');
    const b = applyWidget(a, { config: { y: 2 } }, 'b');
    const c = applyWidget(b, { size: 3 }, 'a');
    expect(c['spec']).toEqual({ config: { y: 2 }, size: 3 });
  });

  it('records "." under spec for a create (no Go zero object for custom resources)', () => {
    const a = applyWidget(undefined, { size: 1 }, 'a');
    expect(a.metadata.managedFields?.[0]?.fieldsV1).toEqual({ 'f:spec': { 'f:size': {} } });
  });

  it('a create by Update records "." for spec (custom resources have no Go zero object)', () => {
    const out = trackUpdate({
      old: undefined,
      updated: widget({ size: 1 }) as unknown as KubeObject,
      manager: 'm',
      typeSet: crdTypes,
      typeName: 'Widget',
      apiVersion: 'opkit.dev/v1',
      now: () => '2026-01-01T00:00:00Z',
    });
    expect(out.metadata.managedFields?.[0]?.fieldsV1).toEqual({ 'f:spec': { '.': {}, 'f:size': {} } });
  });

  it('a missing key without default is a typed-patch error', () => {
    let err: unknown;
    try {
      applyWidget(undefined, { members: [{ role: 'x' }] }, 'a');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe(
      'failed to create typed patch object (ns/w; opkit.dev/v1, Kind=Widget): .spec.members: element 0: associative list with keys has an element that omits key field "id" (and doesn\'t have default value)',
    );
  });
});
