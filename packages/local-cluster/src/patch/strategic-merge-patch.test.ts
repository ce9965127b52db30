import { describe, it, expect } from '@jest/globals';
import { ApiError } from '../api/index.js';
import { builtinTypes, TypeSet } from '../schema/index.js';
import { applyStrategicMergePatch } from './index.js';

// A schema shaped like strategicpatch's test type MergeItem.
const item = 'MergeItem';
const testTypes = new TypeSet([
  {
    name: item,
    map: {
      fields: [
        { name: 'name', type: { scalar: 'untyped' } },
        { name: 'value', type: { scalar: 'untyped' } },
        { name: 'other', type: { scalar: 'untyped' } },
        {
          name: 'mergingList',
          type: {
            list: { elementType: { namedType: item }, elementRelationship: 'associative', keys: ['name'] },
          },
        },
        {
          name: 'nonMergingList',
          type: { list: { elementType: { namedType: item }, elementRelationship: 'atomic' } },
        },
        {
          name: 'mergingIntList',
          type: { list: { elementType: { scalar: 'numeric' }, elementRelationship: 'associative' } },
        },
        { name: 'simpleMap', type: { map: { elementType: { scalar: 'string' } } } },
        { name: 'retainKeysMap', type: { namedType: item } },
      ],
    },
  },
]);

const smp = (original: object, patch: object): unknown =>
  applyStrategicMergePatch(original, JSON.stringify(patch), testTypes, item);

describe('strategic merge patch: lists and directives', () => {
  it('keeps scalars of a merging list unique', () => {
    expect(smp({ mergingIntList: [1, 2] }, { mergingIntList: [2, 3] })).toEqual({
      mergingIntList: [1, 2, 3],
    });
  });

  it('replaces non-merging lists', () => {
    expect(smp({ nonMergingList: [{ name: 1 }, { name: 2 }] }, { nonMergingList: [{ name: 3 }] })).toEqual({
      nonMergingList: [{ name: 3 }],
    });
  });

  it('deletes a map with $patch: delete and replaces one with $patch: replace', () => {
    expect(smp({ simpleMap: { key1: '1', key2: '1' } }, { simpleMap: { $patch: 'delete' } })).toEqual({
      simpleMap: {},
    });
    expect(smp({ name: 1, value: 1 }, { other: 'a', $patch: 'replace' })).toEqual({ other: 'a' });
  });

  it('empties a merging list with $patch: replace', () => {
    expect(
      smp({ mergingList: [{ name: 1 }, { name: 2 }] }, { mergingList: [{ $patch: 'replace' }] }),
    ).toEqual({ mergingList: [] });
  });

  it('deletes every matching element with $patch: delete', () => {
    const original = {
      mergingList: [{ name: 1 }, { name: 1 }, { name: 2, value: 'a' }, { name: 3 }, { name: 3 }],
    };
    const patch = {
      mergingList: [
        { name: 1, $patch: 'delete' },
        { name: 3, $patch: 'delete' },
      ],
    };
    expect(smp(original, patch)).toEqual({ mergingList: [{ name: 2, value: 'a' }] });
  });

  it('keeps the order of the patch, server-only elements first where unknown', () => {
    const original = { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] };
    expect(
      smp(original, {
        mergingList: [
          { name: 3, value: 'c' },
          { name: 1, value: 'a' },
          { name: 2, other: 'x' },
        ],
      }),
    ).toEqual({
      mergingList: [
        { name: 3, value: 'c' },
        { name: 1, value: 'a' },
        { name: 2, value: 'b', other: 'x' },
      ],
    });
    expect(
      smp(original, {
        mergingList: [
          { name: 3, value: 'c' },
          { name: 1, value: 'a' },
        ],
      }),
    ).toEqual({
      mergingList: [
        { name: 2, value: 'b' },
        { name: 3, value: 'c' },
        { name: 1, value: 'a' },
      ],
    });
    expect(smp({ mergingIntList: [1, 2, 3] }, { mergingIntList: [3, 1] })).toEqual({
      mergingIntList: [2, 3, 1],
    });
  });

  it('orders by $setElementOrder', () => {
    const original = { mergingList: [{ name: 1 }, { name: 3 }] };
    const patch = {
      '$setElementOrder/mergingList': [{ name: 3 }, { name: 2 }, { name: 1 }],
      mergingList: [
        { name: 3, value: 3 },
        { name: 1, value: 1 },
      ],
    };
    expect(smp(original, patch)).toEqual({
      mergingList: [
        { name: 3, value: 3 },
        { name: 1, value: 1 },
      ],
    });
    expect(smp({ mergingIntList: [1, 3] }, { '$setElementOrder/mergingIntList': [3, 2, 1] })).toEqual({
      mergingIntList: [3, 1],
    });
  });

  it('rejects a patch list out of $setElementOrder order', () => {
    const original = { mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] };
    const patch = {
      '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }],
      mergingList: [
        { name: 3, value: 3 },
        { name: 1, value: 1 },
      ],
    };
    expect(() => smp(original, patch)).toThrow(/doesn't match/);
  });

  it('deletes from primitive lists with $deleteFromPrimitiveList', () => {
    expect(smp({ mergingIntList: [1, 2, 3] }, { '$deleteFromPrimitiveList/mergingIntList': [2, 4] })).toEqual(
      { mergingIntList: [1, 3] },
    );
    expect(smp({}, { '$deleteFromPrimitiveList/mergingIntList': [2] })).toEqual({});
  });

  it('clears keys not in $retainKeys', () => {
    expect(
      smp(
        { retainKeysMap: { name: 'foo', value: 'a', other: 'b' } },
        { retainKeysMap: { $retainKeys: ['name', 'value'], value: 'c' } },
      ),
    ).toEqual({
      retainKeysMap: { name: 'foo', value: 'c' },
    });
  });

  it('rejects a patch key missing from $retainKeys with 400', () => {
    try {
      smp({ retainKeysMap: { name: 'foo' } }, { retainKeysMap: { $retainKeys: ['name'], value: 'c' } });
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
      expect((err as ApiError).message).toBe('invalid patch format of retainKeys');
    }
  });

  it('deletes with null and drops nulls in new values', () => {
    expect(smp({ name: 'a', value: 'b' }, { value: null, other: null })).toEqual({ name: 'a' });
    expect(smp({}, { simpleMap: { a: 'x', b: null } })).toEqual({ simpleMap: { a: 'x' } });
  });

  it('rejects unknown directives and list merge directives', () => {
    expect(() => smp({ simpleMap: {} }, { simpleMap: { $patch: 'explode' } })).toThrow(
      /unknown patch type: explode/,
    );
    expect(() => smp({ mergingList: [{ name: 1 }] }, { mergingList: [{ $patch: 'merge' }] })).toThrow(
      /merging lists cannot yet be specified/,
    );
  });

  it('rejects elements without the merge key with a 500 as upstream', () => {
    try {
      smp({ mergingList: [{ name: 1 }] }, { mergingList: [{ value: 2 }] });
      throw new Error('no error');
    } catch (err) {
      expect((err as ApiError).code).toBe(500);
      expect((err as ApiError).message).toBe('map: map[value:2] does not contain declared merge key: name');
    }
  });

  it('rejects bad bodies with 400', () => {
    expect(() => applyStrategicMergePatch({}, '{', testTypes, item)).toThrow(ApiError);
    expect(() => applyStrategicMergePatch({}, '[]', testTypes, item)).toThrow(/cannot unmarshal array/);
  });

  it('never changes its input', () => {
    const original = { mergingList: [{ name: 1, value: 'a' }] };
    const copy = structuredClone(original);
    smp(original, { mergingList: [{ name: 1, value: 'b' }] });
    expect(original).toEqual(copy);
  });
});

describe('strategic merge patch: built-in kinds', () => {
  const deploymentType = 'io.k8s.api.apps.v1.Deployment';
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', finalizers: ['a'] },
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        spec: {
          containers: [
            {
              name: 'app',
              image: 'app:1',
              env: [{ name: 'A', value: '1' }],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
            },
            { name: 'sidecar', image: 'side:1' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
          tolerations: [{ key: 'a' }],
        },
      },
    },
  };
  const patch = (p: object): Record<string, unknown> =>
    applyStrategicMergePatch(deployment, p, builtinTypes, deploymentType) as Record<string, unknown>;
  const podSpec = (o: Record<string, unknown>): Record<string, unknown> =>
    ((o.spec as Record<string, unknown>).template as Record<string, Record<string, unknown>>).spec as Record<
      string,
      unknown
    >;

  it('merges containers by name and env by name (new elements first, as upstream)', () => {
    const result = patch({
      spec: {
        template: {
          spec: { containers: [{ name: 'app', image: 'app:2', env: [{ name: 'B', value: '2' }] }] },
        },
      },
    });
    const containers = podSpec(result).containers as Record<string, unknown>[];
    expect(containers.map((c) => c.name)).toEqual(['app', 'sidecar']);
    expect(containers[0]).toEqual({
      name: 'app',
      image: 'app:2',
      env: [
        { name: 'B', value: '2' },
        { name: 'A', value: '1' },
      ],
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
  });

  it('merges container ports by containerPort alone', () => {
    const result = patch({
      spec: {
        template: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 80, name: 'http' }] }] } },
      },
    });
    expect((podSpec(result).containers as Record<string, unknown>[])[0]?.ports).toEqual([
      { containerPort: 80, protocol: 'TCP', name: 'http' },
    ]);
  });

  it('deletes a container with $patch: delete', () => {
    const result = patch({
      spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } },
    });
    expect((podSpec(result).containers as Record<string, unknown>[]).map((c) => c.name)).toEqual(['app']);
  });

  it('replaces atomic lists (tolerations)', () => {
    const result = patch({ spec: { template: { spec: { tolerations: [{ key: 'b' }] } } } });
    expect(podSpec(result).tolerations).toEqual([{ key: 'b' }]);
  });

  it('applies what kubectl apply sends: $setElementOrder and $retainKeys', () => {
    const result = patch({
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
            containers: [{ name: 'sidecar', image: 'side:2' }],
            volumes: [
              { name: 'data', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/x' }, emptyDir: null },
            ],
          },
        },
      },
    });
    const spec = result.spec as Record<string, unknown>;
    expect(spec.strategy).toEqual({ type: 'Recreate' });
    expect(
      (podSpec(result).containers as Record<string, unknown>[]).map(
        (c) => `${String(c.name)}=${String(c.image)}`,
      ),
    ).toEqual(['sidecar=side:2', 'app=app:1']);
    expect(podSpec(result).volumes).toEqual([{ name: 'data', hostPath: { path: '/x' } }]);
  });

  it('merges finalizers as a set and deletes with $deleteFromPrimitiveList', () => {
    const added = patch({ metadata: { finalizers: ['b', 'a'] } });
    expect((added.metadata as Record<string, unknown>).finalizers).toEqual(['b', 'a']);
    const removed = patch({ metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
    expect((removed.metadata as Record<string, unknown>).finalizers).toEqual([]);
  });

  it('treats an unknown type as untyped: maps merge, lists replace', () => {
    const result = applyStrategicMergePatch(
      { a: { b: 1 }, l: [1, 2] },
      { a: { c: 2 }, l: [3] },
      builtinTypes,
      'no.such.Type',
    );
    expect(result).toEqual({ a: { b: 1, c: 2 }, l: [3] });
  });
});
