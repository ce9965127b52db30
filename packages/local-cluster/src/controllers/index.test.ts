import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startTestCluster, type TestCluster } from './controller-test-support.js';

let c: TestCluster;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'opkit-controllers-test-'));
  c = await startTestCluster({ volumesDir: dir });
});
afterEach(async () => {
  await c.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('startControllers: all controllers together', () => {
  it('runs a StatefulSet with claims behind a headless Service, a Deployment and a budget, and comes to rest', async () => {
    await c.core.create(c.type('', 'v1', 'services'), 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'etcd' },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: { app: 'etcd' },
        ports: [{ name: 'peer', port: 2380 }],
      },
    });
    await c.core.create(c.type('apps', 'v1', 'statefulsets'), 'default', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'etcd' },
      spec: {
        replicas: 3,
        serviceName: 'etcd',
        selector: { matchLabels: { app: 'etcd' } },
        template: {
          metadata: { labels: { app: 'etcd' } },
          spec: { containers: [{ name: 'etcd', image: 'etcd' }] },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    });
    await c.core.create(c.type('apps', 'v1', 'deployments'), 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'operator' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'op' } },
        template: {
          metadata: { labels: { app: 'op' } },
          spec: { containers: [{ name: 'op', image: 'op' }] },
        },
      },
    });
    await c.core.create(c.type('policy', 'v1', 'poddisruptionbudgets'), 'default', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'etcd' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'etcd' } } },
    });
    await c.runPods();
    expect(c.pods().map((p) => p.metadata.name?.replace(/-[a-z0-9]+-[a-z0-9]+$/, '-x'))).toEqual([
      'etcd-0',
      'etcd-1',
      'etcd-2',
      'operator-x',
      'operator-x',
    ]);
    const claims = (await c.core.list(c.type('', 'v1', 'persistentvolumeclaims'), 'default')).items;
    expect(claims.map((p) => (p.status as { phase: string }).phase)).toEqual(['Bound', 'Bound', 'Bound']);
    const ep = await c.core.get(c.type('', 'v1', 'endpoints'), 'default', 'etcd');
    expect(((ep.subsets as { addresses: unknown[] }[])[0]?.addresses ?? []).length).toBe(3);
    const pdb = await c.core.get(c.type('policy', 'v1', 'poddisruptionbudgets'), 'default', 'etcd');
    expect(pdb.status).toMatchObject({ disruptionsAllowed: 1, expectedPods: 3 });
    // at rest: another pass changes nothing
    const before = c.core.store.revision;
    await c.settle();
    expect(c.core.store.revision).toBe(before);
  });
});
