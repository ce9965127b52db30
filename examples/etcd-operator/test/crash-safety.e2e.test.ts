/**
 * Crash safety on real etcd: the operator is "killed" (its reconciler and runbook engine thrown away
 * and built anew, as a restarted process would) right after EVERY distinct write it makes to the API
 * server — every kill point of every runbook — and right after every etcd membership call (member
 * add, promote, remove: etcd changed, nothing recorded yet), through bootstrap 0→3, scale 3→5, 5→3 and
 * a rolling upgrade, all on one cluster. No member is ever added or removed twice. Meanwhile a probe writes and reads a key every 200 ms through any
 * member; a round in which no member accepts the write within 3 s is a quorum failure. Every key
 * written must be readable at the end.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { KubeClient } from '@opkit/core';
import { LocalCluster } from '@opkit/local-cluster';
import { clusterClientFrom, operationOf, type ClusterClient } from '@opkit/statefulset';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { EtcdClusterKind, type EtcdCluster } from '../src/api/index.js';
import { EtcdClusterReconciler } from '../src/controllers/index.js';
import type { EtcdMembershipChange } from '../src/membership/index.js';
import { skipWithoutLocalEtcd, startOperatorCluster } from './etcd-process.js';

let cluster: LocalCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

class Crash extends Error {}

/** A write without what changes on every attempt (counters, times), so each kill point is hit once. */
function killPoint(value: unknown): string {
  return JSON.stringify(value, (k, v: unknown) =>
    /^(attempts|resourceVersion|uid)$|At$|Time$|[tT]imestamp$/.test(k) ? undefined : v,
  );
}

/** Throws {@link Crash} right after each write it has not seen before (the write itself succeeds). */
function crashingClient(inner: ClusterClient, seen: Set<string>, crashes: { count: number }): ClusterClient {
  const after = async <T>(what: string, value: unknown, write: () => Promise<T>): Promise<T> => {
    const key = `${what} ${killPoint(value)}`;
    const result = await write();
    if (!seen.has(key)) {
      seen.add(key);
      crashes.count++;
      throw new Crash(`killed after ${key.slice(0, 80)}`);
    }
    return result;
  };
  return {
    get: (ref) => inner.get(ref),
    list: (kind, ns, labels) => inner.list(kind, ns, labels),
    apply: (obj, opts) => after('apply', obj, () => inner.apply(obj, opts)),
    patch: (ref, patch, opts) => after('patch', [ref, patch, opts], () => inner.patch(ref, patch, opts)),
    create: (obj) => after('create', obj, () => inner.create(obj)),
    delete: (ref, opts) => after('delete', [ref, opts], () => inner.delete(ref, opts)),
  } as ClusterClient;
}

describe('the etcd operator killed at every runbook write and after every etcd membership call', () => {
  it('converges through bootstrap, 3→5, 5→3 and an upgrade with quorum kept and every key kept', async () => {
    if (skipWithoutLocalEtcd()) return;
    const started = await startOperatorCluster();
    cluster = started.cluster;
    const kube = started.kube;
    let real: ClusterClient = clusterClientFrom(kube);
    for (let i = 0; ; i++) {
      try {
        await real.create(
          EtcdClusterKind.create({ metadata: { name: 'main', namespace: 'default' }, spec: { size: 3 } }),
        );
        break;
      } catch (err) {
        if (i > 50) throw err;
        real = clusterClientFrom(KubeClient.fromYaml(cluster.kubeconfig, { fieldManager: 'etcd-operator' }));
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const ref = {
      apiVersion: EtcdClusterKind.apiVersion,
      kind: 'EtcdCluster',
      namespace: 'default',
      name: 'main',
    };
    const nodes = cluster.nodes;
    const seen = new Set<string>();
    const crashes = { count: 0 };
    const client = crashingClient(real, seen, crashes);
    // killed also right after each etcd membership call returns, before the write that records it
    const changes: EtcdMembershipChange[] = [];
    let etcdKills = 0;
    const afterMembershipChange = (change: EtcdMembershipChange): void => {
      changes.push(change);
      const key = `etcd ${change.call} ${change.id}`;
      if (seen.has(key)) return;
      seen.add(key);
      crashes.count++;
      etcdKills++;
      throw new Crash(`killed after ${key}`);
    };
    const restart = () =>
      new EtcdClusterReconciler({
        client,
        afterMembershipChange,
        resolve: (h) => nodes.resolver.lookup(h),
        engine: { pollIntervalMs: 100 },
        etcdTimeoutMs: 1500,
        resyncMs: 100,
      });
    let reconciler = restart();

    const converge = async (
      size: number,
      also: () => Promise<boolean> = async () => true,
    ): Promise<{ crashes: number; operations: string[] }> => {
      const before = crashes.count;
      const operations: string[] = [];
      const deadline = Date.now() + 120_000;
      for (;;) {
        try {
          await reconciler.reconcile({ namespace: 'default', name: 'main' });
        } catch (err) {
          if (err instanceof Crash) reconciler = restart();
          else if (
            !/changed meanwhile|no endpoint answered|UNAVAILABLE|DEADLINE|Conflict|409/i.test(String(err))
          )
            throw err;
        }
        const c = (await real.get(ref)) as EtcdCluster;
        const op = operationOf(c);
        if (op && operations.at(-1) !== op.kind) operations.push(op.kind);
        const s = c.status;
        if (
          !op &&
          s?.readyMembers === size &&
          s.members?.length === size &&
          s.members.every((m) => !m.learner && m.healthy) &&
          (await also())
        ) {
          return { crashes: crashes.count - before, operations };
        }
        if (Date.now() > deadline) throw new Error(`did not converge to ${size}: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    // the probe: one key per round through whichever member accepts it
    const failures: string[] = [];
    const written: string[] = [];
    let probing = true;
    const members = () =>
      Array.from({ length: 5 }, (_, i) =>
        nodes.resolver.lookup(`main-${i}.main.default.svc.cluster.local`),
      ).filter((ip): ip is string => !!ip);
    const probe = (async () => {
      for (let round = 0; probing; round++) {
        const key = `probe-${round}`;
        const end = Date.now() + 3000;
        let ok = false;
        let last = '';
        while (!ok && Date.now() < end && probing) {
          for (const ip of members()) {
            const c = new Etcd3({
              hosts: `http://${ip}:2379`,
              dialTimeout: 500,
              defaultCallOptions: () => ({ deadline: Date.now() + 1000 }),
              faultHandling: { host: () => noop, global: noop },
            });
            try {
              await c.put(key).value(String(round));
              if ((await c.get(key).string()) === String(round)) ok = true;
            } catch (err) {
              last = String(err).slice(0, 120);
            } finally {
              c.close();
            }
            if (ok) break;
          }
          if (!ok) await new Promise((r) => setTimeout(r, 100));
        }
        if (ok) written.push(key);
        else if (probing) failures.push(`${new Date().toISOString()} ${key}: ${last}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    try {
      const boot = await converge(3);
      expect(boot.operations).toEqual(['Bootstrap', 'ScaleUp']);
      await real.patch(ref, { spec: { size: 5 } });
      const up = await converge(5);
      expect(up.operations).toEqual(['ScaleUp']);
      await real.patch(ref, { spec: { size: 3 } });
      const down = await converge(3);
      expect(down.operations).toEqual(['ScaleDown']);
      await real.patch(ref, { spec: { version: '3.4.35' } });
      // the image tag changes, the binary here does not: the rollout is what is checked
      const rolledOut = async (): Promise<boolean> => {
        const sts = await real.get({
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          namespace: 'default',
          name: 'main',
        });
        const update = (sts?.status as { updateRevision?: string } | undefined)?.updateRevision;
        const pods = await real.list({ apiVersion: 'v1', kind: 'Pod' }, 'default', {
          'app.kubernetes.io/instance': 'main',
        });
        return (
          pods.length === 3 &&
          pods.every(
            (p) =>
              p.metadata.labels?.['controller-revision-hash'] === update &&
              JSON.stringify(p.spec).includes('v3.4.35'),
          )
        );
      };
      const upgrade = await converge(3, rolledOut);
      expect(upgrade.operations).toEqual(['RollingUpdate']);
      process.stdout.write(
        `kills: bootstrap ${boot.crashes}, 3→5 ${up.crashes}, 5→3 ${down.crashes}, upgrade ${upgrade.crashes} (${etcdKills} after etcd calls); probe keys ${written.length}\n`,
      );
      for (const n of [boot, up, down, upgrade]) expect(n.crashes).toBeGreaterThan(3);
      // killed after every membership call: 4 adds (main-1..4), 4 promotes, 2 removes (main-4, main-3)
      expect(etcdKills).toBe(10);
      const calls = (call: EtcdMembershipChange['call']) => changes.filter((c) => c.call === call);
      // each member added once: the add that was "lost" by the kill is found in the member list, never repeated
      const added = calls('memberAdd').filter((c) => c.changed);
      expect(added).toHaveLength(4);
      expect(new Set(added.map((c) => c.peerURL)).size).toBe(4);
      expect(calls('memberAdd').filter((c) => !c.changed)).toEqual([]);
      expect(calls('memberPromote').filter((c) => c.changed)).toHaveLength(4);
      // each removal done once and recognised as done after the kill (no second remove of the same id)
      const removed = calls('memberRemove');
      expect(removed).toHaveLength(2);
      expect(removed.every((c) => c.changed)).toBe(true);
      expect(new Set(removed.map((c) => c.id)).size).toBe(2);
      // etcd's own view: no duplicate member, no learner left behind
      const final = (await real.get(ref)) as EtcdCluster;
      const names = final.status?.members?.map((m) => m.name) ?? [];
      expect(names.sort()).toEqual(['main-0', 'main-1', 'main-2']);
      expect(new Set(final.status?.members?.map((m) => m.id)).size).toBe(3);
    } finally {
      probing = false;
      await probe;
    }
    expect(failures).toEqual([]);
    const ip = members()[0]!;
    const reader = new Etcd3({ hosts: `http://${ip}:2379` });
    try {
      const all = await reader.getAll().prefix('probe-').strings();
      for (const key of written) expect(all[key]).toBeDefined();
    } finally {
      reader.close();
    }
  }, 300_000);
});
