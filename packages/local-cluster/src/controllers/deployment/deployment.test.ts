import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../api/index.js';
import { startTestCluster, type TestCluster } from '../controller-test-support.js';

let c: TestCluster;
beforeEach(async () => {
  c = await startTestCluster({ controllers: ['deployment', 'replicaset'] });
});
afterEach(async () => {
  await c.stop();
});

const deployType = (): ReturnType<TestCluster['type']> => c.type('apps', 'v1', 'deployments');
const rsType = (): ReturnType<TestCluster['type']> => c.type('apps', 'v1', 'replicasets');
const image = (p: KubeObject): string =>
  ((p.spec as { containers: { image: string }[] }).containers[0] as { image: string }).image;

function deployment(replicas: number, strategy?: unknown): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'op' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'op' } },
      ...(strategy ? { strategy } : {}),
      template: { metadata: { labels: { app: 'op' } }, spec: { containers: [{ name: 'm', image: 'op:1' }] } },
    },
  };
}

describe('Deployment and ReplicaSet controllers', () => {
  it('creates a ReplicaSet <name>-<pod-template-hash> and its pods, and reports status', async () => {
    await c.core.create(deployType(), 'default', deployment(2));
    await c.runPods();
    const [rs] = (await c.core.list(rsType(), 'default')).items;
    const hash = rs?.metadata.labels?.['pod-template-hash'];
    expect(rs?.metadata.name).toBe(`op-${hash}`);
    expect((rs?.spec as { selector: unknown }).selector).toEqual({
      matchLabels: { app: 'op', 'pod-template-hash': hash },
    });
    expect(rs?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    const pods = c.pods();
    expect(pods).toHaveLength(2);
    expect(
      pods.every(
        (p) =>
          p.metadata.name?.startsWith(`op-${hash}-`) && p.metadata.labels?.['pod-template-hash'] === hash,
      ),
    ).toBe(true);
    expect(rs?.status).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      fullyLabeledReplicas: 2,
    });
    const d = await c.core.get(deployType(), 'default', 'op');
    expect(d.status).toMatchObject({
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      observedGeneration: 1,
    });
    const conditions = (d.status as { conditions: { type: string; status: string; reason: string }[] })
      .conditions;
    expect(conditions.map((x) => [x.type, x.status, x.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
  });

  it('rolls out a new template within maxSurge/maxUnavailable and scales the old ReplicaSet to zero', async () => {
    await c.core.create(
      deployType(),
      'default',
      deployment(2, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }),
    );
    await c.runPods();
    await c.core.patch(
      deployType(),
      'default',
      'op',
      JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'm', image: 'op:2' }] } } } }),
      'application/strategic-merge-patch+json',
    );
    await c.settle();
    // surge of one: 3 pods, none of the old ones gone before a new one is available
    expect(c.pods().filter((p) => !p.metadata.deletionTimestamp)).toHaveLength(3);
    expect(c.pods().filter((p) => image(p) === 'op:1')).toHaveLength(2);
    await c.runPods();
    const live = c.pods().filter((p) => !p.metadata.deletionTimestamp);
    expect(live.map(image)).toEqual(['op:2', 'op:2']);
    const sets = (await c.core.list(rsType(), 'default')).items;
    expect(sets.map((r) => (r.spec as { replicas: number }).replicas).sort()).toEqual([0, 2]);
    const d = await c.core.get(deployType(), 'default', 'op');
    expect(d.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
  });

  it('Recreate scales the old ReplicaSet down before the new one comes up', async () => {
    await c.core.create(deployType(), 'default', deployment(2, { type: 'Recreate' }));
    await c.runPods();
    await c.core.patch(
      deployType(),
      'default',
      'op',
      JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'm', image: 'op:2' }] } } } }),
      'application/strategic-merge-patch+json',
    );
    await c.runPods();
    expect(c.pods().map(image)).toEqual(['op:2', 'op:2']);
  });

  it('recreates a deleted pod and removes extra ones on scale-down', async () => {
    await c.core.create(deployType(), 'default', deployment(3));
    await c.runPods();
    await c.core.delete(c.type('', 'v1', 'pods'), 'default', c.pods()[0]?.metadata.name ?? '');
    await c.runPods();
    expect(c.pods()).toHaveLength(3);
    await c.core.patch(
      deployType(),
      'default',
      'op',
      JSON.stringify({ spec: { replicas: 1 } }),
      'application/merge-patch+json',
    );
    await c.runPods();
    expect(c.pods()).toHaveLength(1);
  });
});
