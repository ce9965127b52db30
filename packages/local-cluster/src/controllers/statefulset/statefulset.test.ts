import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../api/index.js';
import { startTestCluster, type TestCluster } from '../controller-test-support.js';

let c: TestCluster;

beforeEach(async () => {
  c = await startTestCluster({ controllers: ['statefulset'] });
});
afterEach(async () => {
  await c.stop();
});

function sts(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas: 3,
      serviceName: `${name}-hl`,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'img:1' }] },
      },
      ...spec,
    },
  };
}

const stsType = (): ReturnType<TestCluster['type']> => c.type('apps', 'v1', 'statefulsets');
const names = (): string[] => c.pods().map((p) => p.metadata.name ?? '');
const getSet = async (name: string): Promise<KubeObject> => c.core.get(stsType(), 'default', name);
const status = async (name: string): Promise<Record<string, unknown>> =>
  (await getSet(name)).status as Record<string, unknown>;

async function patchSet(name: string, patch: unknown): Promise<void> {
  await c.core.patch(stsType(), 'default', name, JSON.stringify(patch), 'application/merge-patch+json', {
    fieldManager: 'test',
  });
}

async function setImage(name: string, image: string): Promise<void> {
  await patchSet(name, { spec: { template: { spec: { containers: [{ name: 'main', image }] } } } });
}

const imageOf = (pod: KubeObject): string =>
  ((pod.spec as { containers: { image: string }[] }).containers[0] as { image: string }).image;

describe('StatefulSet controller: OrderedReady', () => {
  it('creates one pod at a time, in ordinal order, each after the previous is Running and Ready', async () => {
    await c.core.create(stsType(), 'default', sts('web'));
    await c.settle();
    expect(names()).toEqual(['web-0']);
    await c.settle();
    expect(names()).toEqual(['web-0']); // still waiting for web-0
    await c.setPod('web-0', {});
    await c.settle();
    expect(names()).toEqual(['web-0', 'web-1']);
    await c.setPod('web-1', { ready: false });
    await c.settle();
    expect(names()).toEqual(['web-0', 'web-1']); // Running but not Ready blocks
    await c.setPod('web-1', {});
    await c.settle();
    expect(names()).toEqual(['web-0', 'web-1', 'web-2']);
  });

  it('gives pods their identity: hostname, subdomain, labels, controller reference', async () => {
    const set = await c.core.create(stsType(), 'default', sts('db', { replicas: 1 }));
    await c.settle();
    const [pod] = c.pods();
    const spec = pod?.spec as { hostname: string; subdomain: string };
    expect(spec.hostname).toBe('db-0');
    expect(spec.subdomain).toBe('db-hl');
    const s = await status('db');
    expect(pod?.metadata.labels).toEqual({
      app: 'db',
      'statefulset.kubernetes.io/pod-name': 'db-0',
      'apps.kubernetes.io/pod-index': '0',
      'controller-revision-hash': s.updateRevision,
    });
    expect(pod?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        name: 'db',
        uid: set.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(String(s.updateRevision)).toMatch(/^db-[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  it('starts at spec.ordinals.start', async () => {
    await c.core.create(stsType(), 'default', sts('web', { replicas: 2, ordinals: { start: 5 } }));
    await c.runPods();
    expect(names()).toEqual(['web-5', 'web-6']);
  });

  it('deletes Failed pods and recreates them', async () => {
    await c.core.create(stsType(), 'default', sts('web', { replicas: 2 }));
    await c.runPods();
    const uid = c.pods()[0]?.metadata.uid;
    await c.setPod('web-0', { phase: 'Failed', ready: false });
    await c.settle();
    const pod = c.pods()[0];
    expect(pod?.metadata.name).toBe('web-0');
    expect(pod?.metadata.uid).not.toBe(uid);
  });

  it('scales down from the highest ordinal, one at a time, waiting for termination', async () => {
    await c.core.create(stsType(), 'default', sts('web', { replicas: 4 }));
    await c.runPods();
    expect(names()).toEqual(['web-0', 'web-1', 'web-2', 'web-3']);
    // a finalizer stands in for the kubelet's graceful termination
    const podType = c.type('', 'v1', 'pods');
    for (const n of ['web-3', 'web-2']) {
      await c.core.patch(
        podType,
        'default',
        n,
        JSON.stringify({ metadata: { finalizers: ['test/hold'] } }),
        'application/merge-patch+json',
      );
    }
    await patchSet('web', { spec: { replicas: 1 } });
    await c.settle();
    expect(
      c
        .pods()
        .filter((p) => p.metadata.deletionTimestamp)
        .map((p) => p.metadata.name),
    ).toEqual(['web-3']);
    expect(names()).toEqual(['web-0', 'web-1', 'web-2', 'web-3']);
    await c.core.patch(
      podType,
      'default',
      'web-3',
      JSON.stringify({ metadata: { finalizers: null } }),
      'application/merge-patch+json',
    );
    await c.settle();
    expect(names()).toEqual(['web-0', 'web-1', 'web-2']);
    expect(c.pods().find((p) => p.metadata.name === 'web-2')?.metadata.deletionTimestamp).toBeDefined();
    await c.core.patch(
      podType,
      'default',
      'web-2',
      JSON.stringify({ metadata: { finalizers: null } }),
      'application/merge-patch+json',
    );
    await c.settle();
    expect(names()).toEqual(['web-0']);
    expect((await status('web')).replicas).toBe(1);
  });

  it('waits minReadySeconds before the next pod', async () => {
    await c.core.create(stsType(), 'default', sts('web', { replicas: 2, minReadySeconds: 10 }));
    await c.settle();
    await c.setPod('web-0', {});
    await c.settle();
    expect(names()).toEqual(['web-0']);
    expect((await status('web')).availableReplicas).toBe(0);
    c.clock.advance(10_000);
    await c.settle();
    expect(names()).toEqual(['web-0', 'web-1']);
    expect((await status('web')).availableReplicas).toBe(1);
  });
});

describe('StatefulSet controller: Parallel', () => {
  it('creates pods in slow-start batches without waiting for readiness', async () => {
    const seen: number[] = [];
    const unsubscribe = c.core.store.subscribe((e) => {
      if (e.key.resource === '/pods' && e.type === 'ADDED') seen.push(Number(e.key.name.split('-')[1]));
    });
    await c.core.create(stsType(), 'default', sts('web', { replicas: 7, podManagementPolicy: 'Parallel' }));
    await c.settle();
    unsubscribe();
    expect(names()).toHaveLength(7);
    // batch 1: [0]; batch 2: [1,2]; batch 3: [3..6]
    expect(seen[0]).toBe(0);
    expect(new Set(seen.slice(1, 3))).toEqual(new Set([1, 2]));
    expect(new Set(seen.slice(3))).toEqual(new Set([3, 4, 5, 6]));
  });

  it('scales down all condemned pods at once', async () => {
    await c.core.create(stsType(), 'default', sts('web', { replicas: 4, podManagementPolicy: 'Parallel' }));
    await c.settle();
    await patchSet('web', { spec: { replicas: 1 } });
    await c.settle();
    expect(names()).toEqual(['web-0']);
  });
});

describe('StatefulSet controller: updates', () => {
  it('rolls from the highest ordinal down, one pod at a time, waiting for health', async () => {
    await c.core.create(stsType(), 'default', sts('web'));
    await c.runPods();
    const first = (await status('web')).currentRevision;
    await setImage('web', 'img:2');
    await c.settle();
    // web-2 was deleted and recreated at the new revision; nothing else moves until it is Ready
    expect(c.pods().map(imageOf)).toEqual(['img:1', 'img:1', 'img:2']);
    let s = await status('web');
    expect(s.updatedReplicas).toBe(1);
    expect(s.currentRevision).toBe(first);
    await c.runPods();
    expect(c.pods().map(imageOf)).toEqual(['img:2', 'img:2', 'img:2']);
    s = await status('web');
    expect(s.currentRevision).toBe(s.updateRevision);
    expect(s.currentReplicas).toBe(3);
    expect(s.updatedReplicas).toBe(3);
  });

  it('stops at the partition; pods below it are recreated at the current revision', async () => {
    await c.core.create(
      stsType(),
      'default',
      sts('web', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }),
    );
    await c.runPods();
    await setImage('web', 'img:2');
    await c.runPods();
    expect(c.pods().map(imageOf)).toEqual(['img:1', 'img:1', 'img:2']);
    await c.core.delete(c.type('', 'v1', 'pods'), 'default', 'web-0');
    await c.runPods();
    expect(c.pods().map(imageOf)).toEqual(['img:1', 'img:1', 'img:2']);
    const s = await status('web');
    expect(s.currentReplicas).toBe(2);
    expect(s.updatedReplicas).toBe(1);
    expect(s.currentRevision).not.toBe(s.updateRevision);
  });

  it('updates up to maxUnavailable pods at once', async () => {
    const update = { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } };
    await c.core.create(
      stsType(),
      'default',
      sts('web', { replicas: 4, podManagementPolicy: 'Parallel', updateStrategy: update }),
    );
    await c.runPods();
    await setImage('web', 'img:2');
    await c.settle();
    // web-3 and web-2 go together and come back at once (Parallel); the rest waits for them
    expect(c.pods().map(imageOf)).toEqual(['img:1', 'img:1', 'img:2', 'img:2']);
    await c.settle();
    expect(c.pods().map(imageOf)).toEqual(['img:1', 'img:1', 'img:2', 'img:2']);
    await c.runPods();
    expect(c.pods().map(imageOf)).toEqual(['img:2', 'img:2', 'img:2', 'img:2']);
  });

  it('OnDelete never deletes pods for an update; deleted pods come back at the update revision', async () => {
    await c.core.create(stsType(), 'default', sts('web', { updateStrategy: { type: 'OnDelete' } }));
    await c.runPods();
    await setImage('web', 'img:2');
    await c.runPods();
    expect(c.pods().map(imageOf)).toEqual(['img:1', 'img:1', 'img:1']);
    await c.core.delete(c.type('', 'v1', 'pods'), 'default', 'web-1');
    await c.runPods();
    expect(c.pods().map(imageOf)).toEqual(['img:1', 'img:2', 'img:1']);
    const s = await status('web');
    expect(s.updatedReplicas).toBe(1);
    expect(s.currentReplicas).toBe(2);
  });

  it('keeps ControllerRevisions with increasing numbers, reuses an identical one on rollback, and truncates history', async () => {
    await c.core.create(stsType(), 'default', sts('web', { replicas: 1, revisionHistoryLimit: 1 }));
    await c.runPods();
    const crType = c.type('apps', 'v1', 'controllerrevisions');
    const r1 = (await status('web')).updateRevision;
    await setImage('web', 'img:2');
    await c.runPods();
    const r2 = (await status('web')).updateRevision;
    expect(r2).not.toBe(r1);
    await setImage('web', 'img:1');
    await c.runPods();
    const s = await status('web');
    expect(s.updateRevision).toBe(r1);
    expect(s.currentRevision).toBe(r1);
    const revisions = (await c.core.list(crType, 'default')).items;
    const byName = new Map(revisions.map((r) => [r.metadata.name, r.revision]));
    expect(byName.get(String(r1))).toBe(3);
    expect(byName.get(String(r2))).toBe(2);
    await setImage('web', 'img:3');
    await c.runPods();
    await setImage('web', 'img:4');
    await c.runPods();
    // live (current/update) + 1 of history
    expect((await c.core.list(crType, 'default')).items).toHaveLength(2);
    const cr = revisions.find((r) => r.metadata.name === r1);
    expect(cr?.metadata.labels?.['controller.kubernetes.io/hash']).toBe(String(r1).slice('web-'.length));
    expect((cr?.data as { spec: { template: { $patch: string } } }).spec.template.$patch).toBe('replace');
  });

  it('forced rollback pitfall: a broken pod under OrderedReady blocks a reverted template until deleted', async () => {
    await c.core.create(stsType(), 'default', sts('web'));
    await c.runPods();
    const good = (await status('web')).currentRevision;
    await setImage('web', 'img:broken');
    await c.settle();
    await c.setPod('web-2', { ready: false }); // never becomes Ready
    await c.settle();
    await setImage('web', 'img:1');
    await c.settle();
    expect((await status('web')).updateRevision).toBe(good);
    // still the broken pod: the controller waits for it to become Ready before doing anything
    expect(imageOf(c.pods()[2] as KubeObject)).toBe('img:broken');
    await c.settle();
    expect(imageOf(c.pods()[2] as KubeObject)).toBe('img:broken');
    await c.core.delete(c.type('', 'v1', 'pods'), 'default', 'web-2');
    await c.runPods();
    expect(c.pods().map(imageOf)).toEqual(['img:1', 'img:1', 'img:1']);
  });
});

describe('StatefulSet controller: volume claims', () => {
  const claimTemplate = {
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  };

  const claims = async (): Promise<KubeObject[]> =>
    (await c.core.list(c.type('', 'v1', 'persistentvolumeclaims'), 'default')).items;

  it('creates <template>-<set>-<ordinal> claims before the pod, mounted in the pod, and reuses them', async () => {
    await c.core.create(
      stsType(),
      'default',
      sts('web', { replicas: 2, volumeClaimTemplates: [claimTemplate] }),
    );
    await c.runPods();
    const list = await claims();
    expect(list.map((p) => p.metadata.name).sort()).toEqual(['data-web-0', 'data-web-1']);
    expect(list[0]?.metadata.labels).toEqual({ app: 'web' });
    expect(list[0]?.metadata.ownerReferences).toBeUndefined();
    const volumes = (c.pods()[1]?.spec as { volumes: unknown[] }).volumes;
    expect(volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } }]);
    const uid = list.find((p) => p.metadata.name === 'data-web-1')?.metadata.uid;
    await patchSet('web', { spec: { replicas: 1 } });
    await c.runPods();
    expect((await claims()).length).toBe(2); // Retain
    await patchSet('web', { spec: { replicas: 2 } });
    await c.runPods();
    expect((await claims()).find((p) => p.metadata.name === 'data-web-1')?.metadata.uid).toBe(uid);
  });

  it('whenScaled=Delete: a condemned pod owns its claim, which goes with it', async () => {
    await c.core.create(
      stsType(),
      'default',
      sts('web', {
        replicas: 2,
        volumeClaimTemplates: [claimTemplate],
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
      }),
    );
    await c.runPods();
    expect((await claims()).every((p) => !p.metadata.ownerReferences)).toBe(true);
    const uid = (await claims()).find((p) => p.metadata.name === 'data-web-1')?.metadata.uid;
    await patchSet('web', { spec: { replicas: 1 } });
    await c.runPods();
    expect((await claims()).map((p) => p.metadata.name)).toEqual(['data-web-0']);
    // scaling up again makes a fresh claim
    await patchSet('web', { spec: { replicas: 2 } });
    await c.runPods();
    const again = (await claims()).find((p) => p.metadata.name === 'data-web-1');
    expect(again?.metadata.uid).toBeDefined();
    expect(again?.metadata.uid).not.toBe(uid);
    expect(again?.metadata.ownerReferences).toBeUndefined();
  });

  it('whenDeleted=Delete: the set owns the claims; deleting it deletes them', async () => {
    const set = await c.core.create(
      stsType(),
      'default',
      sts('web', {
        replicas: 2,
        volumeClaimTemplates: [claimTemplate],
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      }),
    );
    await c.runPods();
    for (const claim of await claims()) {
      expect(claim.metadata.ownerReferences).toEqual([
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid },
      ]);
    }
    await c.core.delete(stsType(), 'default', 'web');
    await c.settle();
    expect(await claims()).toEqual([]);
    expect(c.pods()).toEqual([]);
  });
});

describe('StatefulSet controller: status', () => {
  it('reports replicas, ready/available/current/updated, revisions, observedGeneration, collisionCount', async () => {
    await c.core.create(stsType(), 'default', sts('web', { replicas: 2 }));
    await c.runPods();
    const set = await getSet('web');
    const s = set.status as Record<string, unknown>;
    expect(s).toEqual({
      observedGeneration: set.metadata.generation,
      replicas: 2,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 2,
      currentRevision: s.updateRevision,
      updateRevision: s.updateRevision,
      collisionCount: 0,
      availableReplicas: 2,
    });
    await c.setPod('web-1', { ready: false });
    await c.settle();
    expect((await status('web')).readyReplicas).toBe(1);
    expect((await status('web')).availableReplicas).toBe(1);
  });
});
