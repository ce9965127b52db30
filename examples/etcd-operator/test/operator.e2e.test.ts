/**
 * End to end on the local cluster with real etcd: an EtcdCluster of size 3 is bootstrapped (seed
 * alone, then two learner joins), keys written through one member are read through another, a version
 * change rolls one member at a time with the leader last, and a scale-down to 1 removes the highest
 * ordinal (claim included) and stops at 2 members with ScaleDownBlocked (never from a 2-member cluster). The operator is a plain reconcile loop (the manager wiring is not
 * written yet).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { KubeClient } from '@opkit/core';
import { LocalCluster } from '@opkit/local-cluster';
import { clusterClientFrom, operationOf, type ClusterClient } from '@opkit/statefulset';
import { Etcd3 } from 'etcd3';
import { EtcdClusterKind, type EtcdCluster } from '../src/api/index.js';
import { EtcdClusterReconciler } from '../src/controllers/index.js';
import { skipWithoutLocalEtcd, startOperatorCluster } from './etcd-process.js';

let cluster: LocalCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

describe('the etcd operator on the local cluster', () => {
  it('bootstraps 3 members one at a time, serves keys, rolls a version change leader last, scales 3 → 1 only down to 2', async () => {
    if (skipWithoutLocalEtcd()) return;
    const started = await startOperatorCluster();
    cluster = started.cluster;
    const kube = started.kube;
    let client: ClusterClient = clusterClientFrom(kube);
    const ref = {
      apiVersion: EtcdClusterKind.apiVersion,
      kind: 'EtcdCluster',
      namespace: 'default',
      name: 'main',
    };
    for (let i = 0; ; i++) {
      try {
        await client.create(
          EtcdClusterKind.create({ metadata: { name: 'main', namespace: 'default' }, spec: { size: 3 } }),
        );
        break;
      } catch (err) {
        // discovery of the new CRD may lag its creation by a moment
        if (i > 50) throw err;
        client = clusterClientFrom(
          KubeClient.fromYaml(cluster.kubeconfig, { fieldManager: 'etcd-operator' }),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const nodes = cluster.nodes;
    const warnings: string[] = [];
    const reconciler = new EtcdClusterReconciler({
      client,
      resolve: (h) => nodes.resolver.lookup(h),
      engine: {
        pollIntervalMs: 100,
        events: {
          event: async (_o, type, reason) => {
            if (type === 'Warning') warnings.push(reason);
          },
        },
      },
      etcdTimeoutMs: 1500,
      resyncMs: 100,
    });

    const operations: string[] = [];
    const converge = async (
      size: number,
      also: () => Promise<boolean> = async () => true,
    ): Promise<EtcdCluster> => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        let requeue = 100;
        try {
          requeue = (await reconciler.reconcile({ namespace: 'default', name: 'main' })).requeueAfter ?? 100;
        } catch (err) {
          // a stale status write (409) or a member not answering yet: the next reconcile starts from a fresh read
          if (!/changed meanwhile|no endpoint answered|UNAVAILABLE|DEADLINE/i.test(String(err))) throw err;
        }
        const current = (await client.get(ref)) as EtcdCluster;
        const op = operationOf(current);
        if (op && operations.at(-1) !== `${op.kind}:${String(op.ordinal ?? '')}`)
          operations.push(`${op.kind}:${String(op.ordinal ?? '')}`);
        const s = current.status;
        const done = await also();
        if (
          done &&
          !op &&
          s?.readyMembers === size &&
          s.members?.length === size &&
          s.members.every((m) => !m.learner && m.healthy)
        )
          return current;
        if (Date.now() > deadline)
          throw new Error(`did not converge: ${JSON.stringify({ operations, status: s })}`);
        await new Promise((r) => setTimeout(r, Math.min(requeue, 100)));
      }
    };
    const current = await converge(3);

    // bootstrap alone, then one member per operation
    expect(operations).toEqual(['Bootstrap:0', 'ScaleUp:1', 'ScaleUp:2']);
    const status = current.status!;
    expect(status).toMatchObject({ phase: 'Running', size: 3, readyMembers: 3, currentVersion: '3.4.23' });
    expect(status.members?.map((m) => m.name).sort()).toEqual(['main-0', 'main-1', 'main-2']);
    expect(status.members?.filter((m) => m.leader)).toHaveLength(1);
    expect(status.members?.every((m) => /^\d+$/.test(m.id ?? ''))).toBe(true);
    expect(status.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True' });
    expect(status.conditions?.find((c) => c.type === 'QuorumAtRisk')).toMatchObject({ status: 'False' });
    const cm = (await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'main-bootstrap',
    })) as unknown as { data: Record<string, string> };
    expect(cm.data['initial-cluster-state']).toBe('existing');

    // keys written through one member are read through another, reached by their DNS names
    const ipOf = (pod: string) => nodes.resolver.lookup(`${pod}.main.default.svc.cluster.local`);
    const writer = new Etcd3({ hosts: `http://${ipOf('main-0')}:2379` });
    const reader = new Etcd3({ hosts: `http://${ipOf('main-2')}:2379` });
    try {
      for (let i = 0; i < 5; i++) await writer.put(`key-${i}`).value(`value-${i}`);
      const all = await reader.getAll().prefix('key-').strings();
      expect(all).toEqual(Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`key-${i}`, `value-${i}`])));
    } finally {
      writer.close();
      reader.close();
    }

    // a version change rolls the members one at a time (OnDelete), followers first, the leader last
    operations.length = 0;
    const leaderBefore = current.status?.leader;
    const updatedOrder: string[] = [];
    const watchUpdates = async (): Promise<boolean> => {
      const sts = await client.get({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        namespace: 'default',
        name: 'main',
      });
      const update = (sts?.status as { updateRevision?: string } | undefined)?.updateRevision;
      const pods = await client.list({ apiVersion: 'v1', kind: 'Pod' }, 'default', {
        'app.kubernetes.io/instance': 'main',
      });
      for (const p of pods) {
        const name = p.metadata.name ?? '';
        const image = (p.spec as { containers: { image: string }[] }).containers[0]?.image ?? '';
        if (
          image.endsWith('v3.4.35') &&
          p.metadata.labels?.['controller-revision-hash'] === update &&
          !updatedOrder.includes(name)
        )
          updatedOrder.push(name);
      }
      return updatedOrder.length === 3;
    };
    await client.patch(ref, { spec: { version: '3.4.35' } });
    const rolled = await converge(3, watchUpdates);
    // one operation, its iterating step handling one member at a time
    expect(new Set(operations.map((o) => o.split(':')[0]))).toEqual(new Set(['RollingUpdate']));
    const members = operations
      .map((o) => o.split(':')[1])
      .filter(Boolean)
      .map((o) => `main-${o}`);
    expect(members).toHaveLength(3);
    expect(members.at(-1)).toBe(leaderBefore);
    expect(updatedOrder).toEqual(members);
    expect(rolled.status?.readyMembers).toBe(3);

    // asked for 1: the highest ordinal leaves (member remove, then the pod, then the claim), and the
    // cluster stops at 2 — never removing a voter from a 2-member cluster — saying why on the object
    operations.length = 0;
    await client.patch(ref, { spec: { size: 1 } });
    const blockedAtTwo = async (): Promise<boolean> => {
      const c = (await client.get(ref)) as EtcdCluster;
      return (
        c.status?.conditions?.find((x) => x.type === 'ScaleDownBlocked')?.reason === 'UnsafeMemberRemoval'
      );
    };
    const small = await converge(2, blockedAtTwo);
    expect(operations).toEqual(['ScaleDown:2']);
    expect(small.status?.members?.map((m) => m.name).sort()).toEqual(['main-0', 'main-1']);
    expect(small.status?.conditions?.find((c) => c.type === 'ScaleDownBlocked')).toMatchObject({
      status: 'True',
      reason: 'UnsafeMemberRemoval',
      message: expect.stringMatching(/2-member.*restore/s),
    });
    const claims = await client.list({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, 'default');
    expect(claims.map((c) => c.metadata.name).sort()).toEqual(['data-main-0', 'data-main-1']);
    const sts = await client.get({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      namespace: 'default',
      name: 'main',
    });
    expect((sts?.spec as { replicas?: number }).replicas).toBe(2);
    // it stays there: more reconciles start nothing
    for (let i = 0; i < 5; i++) await reconciler.reconcile({ namespace: 'default', name: 'main' });
    const still = (await client.get(ref)) as EtcdCluster;
    expect(operationOf(still)).toBeUndefined();
    expect(still.status?.members).toHaveLength(2);
    // one Warning Event when it became blocked, not one per reconcile
    expect(warnings.filter((r) => r === 'UnsafeMemberRemoval')).toHaveLength(1);
    const survivor = new Etcd3({ hosts: `http://${ipOf('main-0')}:2379` });
    try {
      expect(await survivor.get('key-4').string()).toBe('value-4');
    } finally {
      survivor.close();
    }

    // keeping 2 clears the condition
    await client.patch(ref, { spec: { size: 2 } });
    const kept = await converge(2, async () => !(await blockedAtTwo()));
    expect(kept.status?.conditions?.find((c) => c.type === 'ScaleDownBlocked')).toMatchObject({
      status: 'False',
    });
  }, 200_000);
});
