/**
 * Acceptance: the StatefulSet controller's rules one by one, driven through @kubernetes/client-node
 * against `LocalCluster.start()` with its kubelets (simulated runtime, sped up 100×), as an operator
 * sees them: ordering, scale-down order, Parallel, partition, OnDelete, PVC naming and reuse,
 * retention policy, rollback to an identical template, the forced-rollback pitfall, status fields,
 * and the controller's Events.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { LocalCluster, RuntimeRegistry, SimulatedRuntime } from '../src/index.js';
import { findKubectl, kubectlRunner } from './kubectl-binaries.js';

const kubectlBinary = findKubectl(['1.32']).found[0];

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const BROKEN = 'example/app:broken';

let cluster: LocalCluster;
let apps: k8s.AppsV1Api;
let core: k8s.CoreV1Api;
let kc: k8s.KubeConfig;
let nsCounter = 0;

async function until<T>(
  what: () => Promise<T | undefined | false>,
  what_for: string,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what_for}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function namespace(): Promise<string> {
  const name = `sts-${++nsCounter}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function statefulSet(
  name: string,
  spec: Partial<k8s.V1StatefulSetSpec> = {},
  image = 'example/app:1',
): k8s.V1StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      serviceName: name,
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image }] },
      },
      ...spec,
    },
  };
}

const claimTemplate: k8s.V1PersistentVolumeClaim = {
  metadata: { name: 'data' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
};

const isReady = (p: k8s.V1Pod): boolean =>
  (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') &&
  !p.metadata?.deletionTimestamp;

async function podsOf(ns: string): Promise<k8s.V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace: ns });
  return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** Waits until the set's rollout is done (what `kubectl rollout status` checks for RollingUpdate). */
async function rolledOut(ns: string, name: string, replicas: number): Promise<k8s.V1StatefulSet> {
  return until(async () => {
    const s = await apps.readNamespacedStatefulSet({ name, namespace: ns });
    const st = s.status;
    const done =
      st &&
      st.observedGeneration === s.metadata?.generation &&
      st.replicas === replicas &&
      (st.readyReplicas ?? 0) === replicas &&
      (st.updatedReplicas ?? 0) === replicas &&
      st.currentRevision === st.updateRevision;
    return done ? s : undefined;
  }, `${ns}/${name} to roll out ${replicas} replicas`);
}

async function setImage(ns: string, name: string, image: string): Promise<void> {
  await apps.patchNamespacedStatefulSet(
    { name, namespace: ns, body: { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } } },
    MERGE,
  );
}

async function scale(ns: string, name: string, replicas: number): Promise<void> {
  await apps.patchNamespacedStatefulSetScale({ name, namespace: ns, body: { spec: { replicas } } }, MERGE);
}

/** Pod watch events (type, name, ready) from now on; call the result to stop and read them. */
async function recordPods(ns: string): Promise<() => { type: string; name: string; ready: boolean }[]> {
  const seen: { type: string; name: string; ready: boolean }[] = [];
  const req = await new k8s.Watch(kc).watch(
    `/api/v1/namespaces/${ns}/pods`,
    {},
    (type: string, pod: k8s.V1Pod) =>
      seen.push({ type, name: pod.metadata?.name ?? '', ready: isReady(pod) }),
    () => undefined,
  );
  return () => {
    req.abort();
    return seen;
  };
}

beforeAll(async () => {
  const runtimes = new RuntimeRegistry(new SimulatedRuntime()).register(
    BROKEN,
    new SimulatedRuntime({
      behaviour: () => ({ start: async () => undefined, ready: () => false, stop: () => undefined }),
    }),
  );
  cluster = await LocalCluster.start({ nodes: { runtimes, timings: { timeScale: 0.01 } } });
  kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  core = kc.makeApiClient(k8s.CoreV1Api);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('StatefulSet rules through @kubernetes/client-node', () => {
  it('OrderedReady: creates web-N only after web-(N-1) is Running and Ready; scales down from the top, one at a time', async () => {
    const ns = await namespace();
    const stopUp = await recordPods(ns);
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('web') });
    await rolledOut(ns, 'web', 3);
    const up = stopUp();
    const added = up.filter((e) => e.type === 'ADDED').map((e) => e.name);
    expect(added).toEqual(['web-0', 'web-1', 'web-2']);
    for (const [i, name] of ['web-1', 'web-2'].entries()) {
      const createdAt = up.findIndex((e) => e.type === 'ADDED' && e.name === name);
      const previousReadyAt = up.findIndex((e) => e.name === `web-${i}` && e.ready);
      expect(previousReadyAt).toBeGreaterThanOrEqual(0);
      expect(previousReadyAt).toBeLessThan(createdAt);
    }

    const stopDown = await recordPods(ns);
    await scale(ns, 'web', 0);
    await until(async () => (await podsOf(ns)).length === 0, 'every pod to go');
    const down = stopDown();
    const deleted = down.filter((e) => e.type === 'DELETED').map((e) => e.name);
    expect(deleted).toEqual(['web-2', 'web-1', 'web-0']);
    // web-1 starts terminating only after web-2 is gone
    const web2Gone = down.findIndex((e) => e.type === 'DELETED' && e.name === 'web-2');
    const web1Terminating = down.findIndex((e) => e.type === 'MODIFIED' && e.name === 'web-1');
    expect(web1Terminating).toBeGreaterThan(web2Gone);
  });

  it('Parallel: creates every pod at once, without waiting for readiness', async () => {
    const ns = await namespace();
    for (const i of [0, 1, 2]) cluster.faults.slowStart(ns, `par-${i}`, 60_000);
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: statefulSet('par', { podManagementPolicy: 'Parallel' }),
    });
    const pods = await until(async () => {
      const list = await podsOf(ns);
      return list.length === 3 ? list : undefined;
    }, 'three pods');
    expect(pods.map((p) => p.metadata?.name)).toEqual(['par-0', 'par-1', 'par-2']);
    expect(pods.some(isReady)).toBe(false);
    for (const i of [0, 1, 2]) cluster.faults.slowStart(ns, `par-${i}`, 0);
  });

  it('partition: only ordinals at or above it get the new revision; lowering it rolls the rest', async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: statefulSet('web', {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
      }),
    });
    const before = await rolledOut(ns, 'web', 3);
    await setImage(ns, 'web', 'example/app:2');
    const s = await until(async () => {
      const set = await apps.readNamespacedStatefulSet({ name: 'web', namespace: ns });
      return set.status?.updatedReplicas === 1 && set.status.readyReplicas === 3 ? set : undefined;
    }, 'web-2 to update');
    const revisions = (await podsOf(ns)).map((p) => p.metadata?.labels?.['controller-revision-hash']);
    expect(revisions).toEqual([
      before.status?.currentRevision,
      before.status?.currentRevision,
      s.status?.updateRevision,
    ]);
    expect(s.status?.currentRevision).toBe(before.status?.currentRevision);
    expect(s.status?.currentReplicas).toBe(2);
    await apps.patchNamespacedStatefulSet(
      { name: 'web', namespace: ns, body: { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } } },
      MERGE,
    );
    const done = await rolledOut(ns, 'web', 3);
    expect((await podsOf(ns)).map((p) => p.spec?.containers[0]?.image)).toEqual(
      Array(3).fill('example/app:2'),
    );
    expect(done.status?.currentRevision).toBe(s.status?.updateRevision);
  });

  it('OnDelete: a template change replaces no pod; a deleted pod comes back at the update revision', async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: statefulSet('web', { updateStrategy: { type: 'OnDelete' } }),
    });
    await rolledOut(ns, 'web', 3);
    await setImage(ns, 'web', 'example/app:2');
    await until(async () => {
      const set = await apps.readNamespacedStatefulSet({ name: 'web', namespace: ns });
      return set.status?.observedGeneration === 2;
    }, 'the controller to see generation 2');
    await cluster.settled();
    expect((await podsOf(ns)).map((p) => p.spec?.containers[0]?.image)).toEqual(
      Array(3).fill('example/app:1'),
    );
    const oldUid = (await core.readNamespacedPod({ name: 'web-1', namespace: ns })).metadata?.uid;
    await core.deleteNamespacedPod({ name: 'web-1', namespace: ns });
    const back = await until(async () => {
      const pod = (await podsOf(ns)).find((p) => p.metadata?.name === 'web-1');
      return pod && pod.metadata?.uid !== oldUid && isReady(pod) ? pod : undefined;
    }, 'web-1 to come back');
    expect(back.spec?.containers[0]?.image).toBe('example/app:2');
    expect((await podsOf(ns)).map((p) => p.spec?.containers[0]?.image)).toEqual([
      'example/app:1',
      'example/app:2',
      'example/app:1',
    ]);
  });

  it('names claims <template>-<set>-<ordinal>, mounts them, and reuses them for a recreated pod', async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: statefulSet('db', { replicas: 2, volumeClaimTemplates: [claimTemplate] }),
    });
    await rolledOut(ns, 'db', 2);
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items;
    expect(claims.map((c) => c.metadata?.name).sort()).toEqual(['data-db-0', 'data-db-1']);
    expect(claims.every((c) => c.status?.phase === 'Bound')).toBe(true);
    const pod = await core.readNamespacedPod({ name: 'db-0', namespace: ns });
    expect(pod.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe(
      'data-db-0',
    );
    const claimUid = claims.find((c) => c.metadata?.name === 'data-db-0')?.metadata?.uid;
    await core.deleteNamespacedPod({ name: 'db-0', namespace: ns });
    await until(async () => {
      const p = (await podsOf(ns)).find((x) => x.metadata?.name === 'db-0');
      return p && p.metadata?.uid !== pod.metadata?.uid && isReady(p);
    }, 'db-0 to come back');
    const again = await core.readNamespacedPersistentVolumeClaim({ name: 'data-db-0', namespace: ns });
    expect(again.metadata?.uid).toBe(claimUid);
    // default policy Retain: scaling down keeps the claims
    await scale(ns, 'db', 0);
    await until(async () => (await podsOf(ns)).length === 0, 'pods to go');
    await cluster.settled();
    expect((await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items).toHaveLength(2);
  });

  it('retention policy: whenScaled=Delete removes condemned claims; whenDeleted=Delete removes the rest with the set', async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: statefulSet('db', {
        volumeClaimTemplates: [claimTemplate],
        persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' },
      }),
    });
    await rolledOut(ns, 'db', 3);
    const claimNames = async (): Promise<string[]> =>
      (await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items
        .filter((c) => !c.metadata?.deletionTimestamp)
        .map((c) => c.metadata?.name ?? '')
        .sort();
    const owners = (await core.readNamespacedPersistentVolumeClaim({ name: 'data-db-0', namespace: ns }))
      .metadata?.ownerReferences;
    expect(owners?.map((o) => o.kind)).toContain('StatefulSet');
    await scale(ns, 'db', 1);
    await until(async () => (await claimNames()).length === 1, 'claims of db-1 and db-2 to go');
    expect(await claimNames()).toEqual(['data-db-0']);
    await apps.deleteNamespacedStatefulSet({ name: 'db', namespace: ns });
    await until(async () => (await claimNames()).length === 0, 'data-db-0 to go with the set');
  });

  it('rollback to an identical older template reuses its ControllerRevision with a higher revision number', async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('web', { replicas: 1 }) });
    const first = (await rolledOut(ns, 'web', 1)).status?.updateRevision;
    await setImage(ns, 'web', 'example/app:2');
    const second = (await rolledOut(ns, 'web', 1)).status?.updateRevision;
    expect(second).not.toBe(first);
    await setImage(ns, 'web', 'example/app:1');
    const third = await rolledOut(ns, 'web', 1);
    expect(third.status?.updateRevision).toBe(first);
    const revisions = (await apps.listNamespacedControllerRevision({ namespace: ns })).items;
    expect(revisions).toHaveLength(2);
    expect(revisions.find((r) => r.metadata?.name === first)?.revision).toBe(3);
    expect(revisions.find((r) => r.metadata?.name === second)?.revision).toBe(2);
  });

  it('forced-rollback pitfall: a never-Ready pod blocks the reverted template until it is deleted', async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('web') });
    const good = (await rolledOut(ns, 'web', 3)).status?.currentRevision;
    await setImage(ns, 'web', BROKEN);
    await until(async () => {
      const p = (await podsOf(ns)).find((x) => x.metadata?.name === 'web-2');
      return p?.spec?.containers[0]?.image === BROKEN && p.status?.phase === 'Running';
    }, 'web-2 to run the broken image');
    await setImage(ns, 'web', 'example/app:1');
    const reverted = await until(async () => {
      const s = await apps.readNamespacedStatefulSet({ name: 'web', namespace: ns });
      return s.status?.observedGeneration === 3 ? s : undefined;
    }, 'the revert to be observed');
    expect(reverted.status?.updateRevision).toBe(good);
    // give the controller time: it still waits for web-2 to become Ready, which never happens
    await new Promise((r) => setTimeout(r, 300));
    await cluster.settled();
    const stuck = (await podsOf(ns)).find((x) => x.metadata?.name === 'web-2');
    expect(stuck?.spec?.containers[0]?.image).toBe(BROKEN);
    expect(isReady(stuck as k8s.V1Pod)).toBe(false);
    expect((await apps.readNamespacedStatefulSet({ name: 'web', namespace: ns })).status?.readyReplicas).toBe(
      2,
    );
    await core.deleteNamespacedPod({ name: 'web-2', namespace: ns });
    await rolledOut(ns, 'web', 3);
    expect((await podsOf(ns)).map((p) => p.spec?.containers[0]?.image)).toEqual(
      Array(3).fill('example/app:1'),
    );
  });

  it('reports the status fields and records the controller Events kubectl describe shows', async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: statefulSet('web', { replicas: 2, volumeClaimTemplates: [claimTemplate] }),
    });
    const s = await rolledOut(ns, 'web', 2);
    expect(s.status).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      observedGeneration: 1,
      collisionCount: 0,
    });
    expect(s.status?.currentRevision).toMatch(/^web-[0-9a-z]+$/);
    expect(s.status?.currentRevision).toBe(s.status?.updateRevision);
    await scale(ns, 'web', 1);
    await until(async () => (await podsOf(ns)).length === 1, 'web-1 to go');
    // kubectl describe asks for exactly this field selector
    const events = await until(async () => {
      const list = await core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: `involvedObject.name=web,involvedObject.namespace=${ns},involvedObject.kind=StatefulSet,involvedObject.uid=${s.metadata?.uid}`,
      });
      return list.items.some((e) => e.reason === 'SuccessfulDelete') ? list.items : undefined;
    }, 'the delete event');
    const lines = events.map((e) => `${e.type} ${e.reason} ${e.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success',
        'Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful',
        'Normal SuccessfulCreate create Claim data-web-1 Pod web-1 in StatefulSet web success',
        'Normal SuccessfulCreate create Pod web-1 in StatefulSet web successful',
        'Normal SuccessfulDelete delete Pod web-1 in StatefulSet web successful',
      ]),
    );
    expect(events.every((e) => e.source?.component === 'statefulset-controller' && e.count === 1)).toBe(true);
  });

  (kubectlBinary ? it : it.skip)('kubectl describe statefulset shows the Events', async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('web', { replicas: 1 }) });
    await rolledOut(ns, 'web', 1);
    const kubectl = kubectlRunner(kubectlBinary as NonNullable<typeof kubectlBinary>, cluster.kubeconfig);
    const out = await until(async () => {
      const r = await kubectl(['describe', 'statefulset', 'web', '-n', ns]);
      return r.code === 0 && r.stdout.includes('SuccessfulCreate') ? r.stdout : undefined;
    }, 'kubectl describe to show the events');
    expect(out).toMatch(
      /Normal\s+SuccessfulCreate\s+\S+\s+statefulset-controller\s+create Pod web-0 in StatefulSet web successful/,
    );
  });
});
