import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startTestCluster, type TestCluster } from '../controller-test-support.js';
import { evictPod } from './index.js';

let c: TestCluster;
beforeEach(async () => {
  c = await startTestCluster({ controllers: ['statefulset', 'disruption'] });
  await c.core.create(c.type('apps', 'v1', 'statefulsets'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      replicas: 3,
      podManagementPolicy: 'Parallel',
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'm', image: 'db' }] } },
    },
  });
  await c.runPods();
});
afterEach(async () => {
  await c.stop();
});

const pdbType = (): ReturnType<TestCluster['type']> => c.type('policy', 'v1', 'poddisruptionbudgets');

async function budget(spec: Record<string, unknown>): Promise<void> {
  await c.core.create(pdbType(), 'default', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'db' },
    spec: { selector: { matchLabels: { app: 'db' } }, ...spec },
  });
  await c.settle();
}

describe('PodDisruptionBudget status and eviction', () => {
  it('computes expectedPods, currentHealthy, desiredHealthy and disruptionsAllowed', async () => {
    await budget({ maxUnavailable: 1 });
    const pdb = await c.core.get(pdbType(), 'default', 'db');
    expect(pdb.status).toMatchObject({
      observedGeneration: 1,
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
    });
    await c.setPod('db-0', { ready: false });
    await c.settle();
    expect((await c.core.get(pdbType(), 'default', 'db')).status).toMatchObject({
      currentHealthy: 2,
      disruptionsAllowed: 0,
    });
  });

  it('evicts while the budget allows, then answers 429', async () => {
    await budget({ minAvailable: 2 });
    const uid = c.pods().find((p) => p.metadata.name === 'db-2')?.metadata.uid;
    const result = await evictPod(c.core, 'default', 'db-2', {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'db-2' },
    });
    expect(result).toMatchObject({ status: 'Success', code: 201 });
    // gone (the StatefulSet may already have made a new db-2)
    expect(c.pods().find((p) => p.metadata.name === 'db-2')?.metadata.uid).not.toBe(uid);
    const err = await evictPod(c.core, 'default', 'db-1', {}).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 429,
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
    });
    expect(c.pods().map((p) => p.metadata.name)).toContain('db-1');
  });

  it('evicts pods no budget covers, and 404s for missing pods', async () => {
    await expect(evictPod(c.core, 'default', 'db-0', {})).resolves.toMatchObject({ code: 201 });
    await expect(evictPod(c.core, 'default', 'nope', {})).rejects.toMatchObject({ code: 404 });
  });
});
