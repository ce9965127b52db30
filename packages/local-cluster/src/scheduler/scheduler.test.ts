import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../api/index.js';
import { ApiCore } from '../apiserver/index.js';
import { ResourceRegistry } from '../registry/index.js';
import { ObjectStore } from '../storage/index.js';
import { nodeFits } from './index.js';

const node = (
  name: string,
  labels: Record<string, string>,
  spec: Record<string, unknown> = {},
): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec });
const pod = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec,
});

describe('scheduler', () => {
  it('filters nodes by selector, required affinity and taints', () => {
    const n = node(
      'n1',
      { zone: 'a', size: '4' },
      { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
    );
    const tol = [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }];
    expect(nodeFits(pod({ nodeSelector: { zone: 'a' } }), n)).toBe(false);
    expect(nodeFits(pod({ nodeSelector: { zone: 'a' }, tolerations: tol }), n)).toBe(true);
    const affinity = (op: string, values: string[]) => ({
      tolerations: tol,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'size', operator: op, values }] }],
          },
        },
      },
    });
    expect(nodeFits(pod(affinity('Gt', ['2'])), n)).toBe(true);
    expect(nodeFits(pod(affinity('In', ['8'])), n)).toBe(false);
  });

  it('binds through pods/binding semantics and refuses a second binding', async () => {
    const store = await ObjectStore.open();
    const core = new ApiCore({ store, registry: ResourceRegistry.withBuiltins() });
    await core.bootstrap();
    await core.create(core.typeOf('', 'v1', 'pods'), 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    const pods = core.typeOf('', 'v1', 'pods');
    const uid = (await core.get(pods, 'default', 'p')).metadata.uid ?? '';
    await expect(
      core.bind('default', 'p', {
        metadata: { name: 'p', uid: 'other' },
        target: { kind: 'Node', name: 'n1' },
      }),
    ).rejects.toThrow(`Precondition failed: UID in precondition: other, UID in object meta: ${uid}`);
    await expect(
      core.bind('default', 'p', {
        metadata: { name: 'p', uid, annotations: { a: 'b' } },
        target: { kind: 'Node', name: 'n1' },
      }),
    ).resolves.toMatchObject({ status: 'Success', code: 201 });
    const bound = await core.get(pods, 'default', 'p');
    expect((bound.spec as { nodeName: string }).nodeName).toBe('n1');
    expect(bound.metadata.annotations).toEqual({ a: 'b' });
    expect((bound.status as { conditions: { type: string; status: string }[] }).conditions).toContainEqual(
      expect.objectContaining({ type: 'PodScheduled', status: 'True' }),
    );
    await expect(
      core.bind('default', 'p', { metadata: { name: 'p' }, target: { name: 'n2' } }),
    ).rejects.toThrow('pod p is already assigned to node "n1"');
    await expect(
      core.bind('default', 'p', { metadata: { name: 'p' }, target: { kind: 'Pod', name: 'n2' } }),
    ).rejects.toMatchObject({ code: 422 });
  });
});
