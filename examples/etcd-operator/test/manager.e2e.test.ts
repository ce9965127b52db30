/**
 * The operator as it runs for real — the @opkit/core manager with leader election, watches and
 * events — on the local cluster with real etcd processes: a 3-member cluster is bootstrapped, keys
 * are written, backups are taken (retention kept), a new cluster is restored from a named backup
 * (same keys, new cluster ID), a member whose volume is wiped is replaced, and a member whose process
 * is killed restarts with its data.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Manager, createLogger } from '@opkit/core';
import { LocalCluster } from '@opkit/local-cluster';
import { clusterClientFrom, operationOf, type ClusterClient } from '@opkit/statefulset';
import { Etcd3 } from 'etcd3';
import path from 'node:path';
import { BACKUP_REQUEST_ANNOTATION, EtcdClusterKind, type EtcdCluster } from '../src/api/index.js';
import { claimDirectory, snapshotFiles } from '../src/backup/index.js';
import { etcdClusterController } from '../src/controllers/index.js';
import { skipWithoutLocalEtcd, startOperatorCluster } from './etcd-process.js';

let cluster: LocalCluster | undefined;
const stop = new AbortController();
let running: Promise<void> | undefined;
afterAll(async () => {
  stop.abort();
  await running?.catch(() => undefined);
  await cluster?.stop();
});

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 90_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the etcd operator under the manager', () => {
  it('bootstraps, backs up with retention, restores into a new cluster, replaces a wiped member, restarts a killed one', async () => {
    if (skipWithoutLocalEtcd()) return;
    const started = await startOperatorCluster();
    cluster = started.cluster;
    const kube = started.kube;
    const nodes = cluster.nodes;
    const client: ClusterClient = clusterClientFrom(kube);
    const logger = createLogger({ level: 'warn' });
    const manager = Manager.create({
      client: kube,
      logger,
      leaderElection: {
        id: 'etcd-operator-test',
        namespace: 'default',
        leaseDurationMs: 4000,
        renewDeadlineMs: 3000,
        retryPeriodMs: 500,
      },
      metricsBindAddress: '0',
      healthProbeBindAddress: '0',
    });
    manager.add(
      etcdClusterController(kube, logger, {
        resolve: (h) => nodes.resolver.lookup(h),
        pollIntervalMs: 200,
        resyncMs: 1000,
        etcdTimeoutMs: 1500,
      }),
    );
    running = manager.start(stop.signal);

    // the backup claim, then the cluster (CRD discovery may lag a moment)
    await client.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'backups', namespace: 'default' },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
    } as never);
    const ref = (name: string) => ({
      apiVersion: EtcdClusterKind.apiVersion,
      kind: 'EtcdCluster',
      namespace: 'default',
      name,
    });
    await until(
      'the EtcdCluster created',
      async () => {
        await client.create(
          EtcdClusterKind.create({
            metadata: { name: 'main', namespace: 'default' },
            spec: {
              size: 3,
              backup: { schedule: '0 0 1 1 *', claimName: 'backups', retention: 2, directory: '/main' },
            },
          }),
        );
        return true;
      },
      20_000,
    );
    const operations: string[] = [];
    const converged = (name: string, size: number) =>
      until(`${name} converged at ${size}`, async () => {
        const c = (await client.get(ref(name))) as EtcdCluster;
        const op = operationOf(c);
        if (op && operations.at(-1) !== `${name}:${op.kind}:${String(op.ordinal ?? '')}`)
          operations.push(`${name}:${op.kind}:${String(op.ordinal ?? '')}`);
        const s = c.status;
        return !op &&
          s?.phase === 'Running' &&
          s.readyMembers === size &&
          s.members?.length === size &&
          s.members.every((m) => !m.learner && m.healthy)
          ? c
          : undefined;
      });
    const main = await converged('main', 3);
    expect(operations).toEqual(['main:Bootstrap:0', 'main:ScaleUp:1', 'main:ScaleUp:2']);
    const events = await kube.list({ group: '', version: 'v1', kind: 'Event' }, { namespace: 'default' });
    const reasons = new Set(
      (events.items as { reason?: string; involvedObject?: { name?: string } }[])
        .filter((e) => e.involvedObject?.name === 'main')
        .map((e) => e.reason),
    );
    expect([...reasons]).toEqual(
      expect.arrayContaining(['OperationStarted', 'StepPreAdd', 'StepPostJoin', 'OperationCompleted']),
    );

    const member = (pod: string, set = 'main') =>
      new Etcd3({ hosts: `http://${nodes.resolver.lookup(`${pod}.${set}.default.svc.cluster.local`)}:2379` });
    const writer = member('main-0');
    try {
      for (let i = 0; i < 20; i++) await writer.put(`key-${i}`).value(`value-${i}`);
    } finally {
      writer.close();
    }

    // three backups asked for by annotation; retention 2 keeps the newest two
    for (const request of ['1', '2', '3']) {
      await client.patch(ref('main'), {
        metadata: { annotations: { [BACKUP_REQUEST_ANNOTATION]: request } },
      });
      await until(
        `backup ${request}`,
        async () => {
          const b = ((await client.get(ref('main'))) as EtcdCluster).status?.lastBackup;
          if (b?.request === request && !b.succeeded) throw new Error(`backup failed: ${b.message ?? ''}`);
          return b?.request === request && b.succeeded;
        },
        30_000,
      );
    }
    const last = ((await client.get(ref('main'))) as EtcdCluster).status!.lastBackup!;
    expect(last.file).toMatch(/^main\/main-\d{8}T\d{9}Z\.db$/);
    expect(last.sizeBytes).toBeGreaterThan(0);
    const root = (await claimDirectory(client, 'default', 'backups'))!;
    const kept = await snapshotFiles(path.join(root, 'main'), 'main');
    expect(kept).toHaveLength(2);
    expect(kept.at(-1)).toBe(path.basename(last.file));

    // restore into a new cluster: every member from the same snapshot, a new cluster ID
    await client.create(
      EtcdClusterKind.create({
        metadata: { name: 'restored', namespace: 'default' },
        spec: { size: 3, restoreFrom: { claimName: 'backups', file: last.file } },
      }),
    );
    const restored = await converged('restored', 3);
    expect(operations.filter((o) => o.startsWith('restored:'))).toEqual(['restored:Bootstrap:0']);
    expect(restored.status?.clusterID).toBeDefined();
    expect(restored.status?.clusterID).not.toBe(main.status?.clusterID);
    const reader = member('restored-2', 'restored');
    try {
      expect(await reader.getAll().prefix('key-').strings()).toEqual(
        Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key-${i}`, `value-${i}`])),
      );
    } finally {
      reader.close();
    }
    const cm = (await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'restored-bootstrap',
    })) as unknown as { data: Record<string, string> };
    expect(cm.data['initial-cluster-state']).toBe('existing');
    expect(cm.data['restore-from']).toBeUndefined();

    // a member whose data is lost crash-loops; the operator replaces it (remove, wipe, learner, promote)
    operations.length = 0;
    nodes.faults.wipeVolume('default', 'data-main-1');
    nodes.faults.killContainer('default', 'main-1');
    await until(
      'the wiped member replaced',
      async () => {
        const c = (await client.get(ref('main'))) as EtcdCluster;
        const op = operationOf(c);
        if (op && operations.at(-1) !== `main:${op.kind}:${String(op.ordinal ?? '')}`)
          operations.push(`main:${op.kind}:${String(op.ordinal ?? '')}`);
        return operations.includes('main:ReplaceMember:1');
      },
      90_000,
    );
    await converged('main', 3);
    const replaced = member('main-1');
    try {
      expect(await replaced.get('key-19').string()).toBe('value-19');
    } finally {
      replaced.close();
    }

    // a killed process (data intact) just restarts: no membership change
    operations.length = 0;
    nodes.faults.killContainer('default', 'main-2');
    await until(
      'main-2 restarted',
      async () => {
        const pod = await client.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'main-2' });
        return (
          ((pod?.status as { containerStatuses?: { restartCount?: number }[] }).containerStatuses?.[0]
            ?.restartCount ?? 0) >= 1
        );
      },
      30_000,
    );
    await converged('main', 3);
    expect(operations).toEqual([]);
    const again = member('main-2');
    try {
      expect(await again.get('key-0').string()).toBe('value-0');
    } finally {
      again.close();
    }
  }, 280_000);
});
