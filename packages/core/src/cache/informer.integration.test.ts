/**
 * Informers against the real local API server (@opkit/local-cluster) over HTTPS: initial sync of
 * 10k objects and a clean stop, and recovery from a cut watch, a server restart with persistence,
 * compacted history (410) and a silent stream. In each case the cache ends equal to the server and
 * every delete is delivered exactly once (possibly as a tombstone). Timings live in bench/informer.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { LocalCluster } from '@opkit/local-cluster';
import { KubeClient, type KubeObject } from '../client/index.js';
import { listerWatcherFor } from './informer-factory.js';
import { SharedInformer } from './shared-informer.js';
import { DeletedFinalStateUnknown, objectKey, objectOfDeleted } from './store.js';
import { TcpProxy } from './__tests__/tcp-proxy.js';

const CM = { group: '', version: 'v1', kind: 'ConfigMap' };
const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels: { suite: 'it' } },
  data,
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

function clientFor(kubeconfig: string, port?: number): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  if (port !== undefined) {
    const cluster = kc.getCurrentCluster()!;
    (cluster as { server: string }).server = cluster.server.replace(/:\d+$/, `:${port}`);
  }
  const client = new KubeClient({ kubeConfig: kc });
  cleanups.push(async () => (client.transport as { close?: () => void }).close?.());
  return client;
}

async function startCluster(opts: Parameters<typeof LocalCluster.start>[0] = {}): Promise<LocalCluster> {
  const c = await LocalCluster.start(opts);
  cleanups.push(() => c.stop());
  return c;
}

/** Tracks deletes per key, to check each is delivered exactly once. */
function startInformer(
  client: KubeClient,
  reflector: ConstructorParameters<typeof SharedInformer>[1] extends infer O
    ? O extends { reflector?: infer R }
      ? R
      : never
    : never = {},
) {
  const informer = new SharedInformer(
    listerWatcherFor(client, CM, { namespace: 'default', labelSelector: 'suite=it' }),
    {
      reflector: { backoff: { initialMs: 20, maxMs: 200 }, ...reflector },
    },
  );
  const deletes = new Map<string, number>();
  const tombstones: string[] = [];
  informer.addEventHandler({
    onDelete: (d) => {
      const key = objectKey(objectOfDeleted(d));
      deletes.set(key, (deletes.get(key) ?? 0) + 1);
      if (d instanceof DeletedFinalStateUnknown) tombstones.push(key);
    },
  });
  informer.start();
  cleanups.push(() => informer.stop());
  return { informer, deletes, tombstones };
}

async function serverKeys(client: KubeClient): Promise<string[]> {
  const list = await client.list(CM, { namespace: 'default', labelSelector: 'suite=it' });
  return list.items.map(objectKey).sort();
}

/** Waits until the cache holds exactly what the server holds (polling the server). */
async function converge(client: KubeClient, informer: SharedInformer, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const want = await serverKeys(client);
    const have = informer.indexer.listKeys().sort();
    if (JSON.stringify(want) === JSON.stringify(have)) return want;
    if (Date.now() > deadline) {
      expect(have).toEqual(want);
      return want;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('informers against the local cluster', () => {
  // Regression: stop() right after waitForSync() used to hang (and with it every request the test
  // made next): the reflector opened its watch after the stop, on a signal nothing aborted.
  it('syncs 10k ConfigMaps, stops at once or mid-watch, and the client keeps working', async () => {
    const cluster = await startCluster();
    const type = cluster.api.registry.byKind('', 'v1', 'ConfigMap')!;
    for (let i = 0; i < 10_000; i++) {
      await cluster.api.create(
        type,
        'default',
        cm(`cm-${String(i).padStart(5, '0')}`, { key: `value-${i}`, more: 'x'.repeat(100) }),
      );
    }
    await cluster.api.create(type, 'default', {
      ...cm('unlabelled'),
      metadata: { name: 'unlabelled', namespace: 'default' },
    });
    const client = clientFor(cluster.kubeconfig);
    for (const stopDuringWatch of [false, true, false]) {
      type ConfigMap = KubeObject & { data?: Record<string, string> };
      const informer = new SharedInformer(
        listerWatcherFor<ConfigMap>(client, CM, { namespace: 'default', labelSelector: 'suite=it' }),
      );
      informer.start();
      expect(await informer.waitForSync()).toBe(true);
      expect(informer.indexer.size).toBe(10_000);
      expect(informer.indexer.get('default/cm-09999')?.data).toEqual({
        key: 'value-9999',
        more: 'x'.repeat(100),
      });
      expect(informer.indexer.get('default/unlabelled')).toBeUndefined();
      if (stopDuringWatch) {
        await client.patch(CM, 'cm-00000', { data: { key: 'changed' } }, { namespace: 'default' });
        expect(
          await informer.waitUntil(() => informer.indexer.get('default/cm-00000')?.data?.key === 'changed', {
            timeoutMs: 10_000,
          }),
        ).toBe(true);
      }
      await informer.stop();
      expect(informer.isRunning).toBe(false);
      // the same client (same keep-alive agent) answers the next request
      const list = await client.list(CM, { namespace: 'default', labelSelector: 'suite=it' });
      expect(list.items).toHaveLength(10_000);
    }
  }, 60_000);

  it('recovers from a watch cut mid-stream', async () => {
    const cluster = await startCluster();
    const proxy = await TcpProxy.start(Number(new URL(cluster.url).port));
    cleanups.push(() => proxy.stop());
    const direct = clientFor(cluster.kubeconfig);
    for (let i = 0; i < 20; i++) await direct.create(cm(`pre-${i}`));
    const { informer, deletes } = startInformer(clientFor(cluster.kubeconfig, proxy.port));
    await informer.waitForSync();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) {
      writes.push(direct.create(cm(`burst-${i}`)));
      if (i === 30 || i === 70) proxy.cutAll();
    }
    for (let i = 0; i < 10; i++) writes.push(direct.delete(CM, `pre-${i}`, { namespace: 'default' }));
    await Promise.all(writes);
    proxy.cutAll();
    const keys = await converge(direct, informer);
    expect(keys).toHaveLength(110);
    for (let i = 0; i < 10; i++) expect(deletes.get(`default/pre-${i}`)).toBe(1);
    expect(deletes.size).toBe(10);
  });

  it('survives a server restart with persistence', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'opkit-informer-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    let cluster = await LocalCluster.start({ dataDir });
    const port = Number(new URL(cluster.url).port);
    const direct = () => clientFor(cluster.kubeconfig);
    for (let i = 0; i < 10; i++) await direct().create(cm(`p-${i}`));
    const { informer, deletes } = startInformer(clientFor(cluster.kubeconfig));
    await informer.waitForSync();
    await cluster.stop();
    cluster = await LocalCluster.start({ dataDir, port });
    cleanups.push(() => cluster.stop());
    const c = direct();
    for (let i = 0; i < 3; i++) await c.delete(CM, `p-${i}`, { namespace: 'default' });
    for (let i = 0; i < 5; i++) await c.create(cm(`after-${i}`));
    const keys = await converge(c, informer);
    expect(keys).toHaveLength(12);
    expect([...deletes.values()].every((n) => n === 1)).toBe(true);
    expect([...deletes.keys()].sort()).toEqual(['default/p-0', 'default/p-1', 'default/p-2']);
  });

  it('relists on 410 when history was compacted while the watch was down, delivering tombstones', async () => {
    const cluster = await startCluster({ historySize: 20 });
    const proxy = await TcpProxy.start(Number(new URL(cluster.url).port));
    cleanups.push(() => proxy.stop());
    const direct = clientFor(cluster.kubeconfig);
    for (let i = 0; i < 10; i++) await direct.create(cm(`old-${i}`));
    const { informer, deletes, tombstones } = startInformer(clientFor(cluster.kubeconfig, proxy.port));
    await informer.waitForSync();
    proxy.mode = 'refuse';
    proxy.cutAll();
    for (let i = 0; i < 5; i++) await direct.delete(CM, `old-${i}`, { namespace: 'default' });
    for (let i = 0; i < 60; i++) await direct.create(cm(`new-${i}`));
    proxy.mode = 'pass';
    const keys = await converge(direct, informer);
    expect(keys).toHaveLength(65);
    expect(informer.reflectorStats.listCount).toBeGreaterThanOrEqual(2);
    expect(tombstones.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `default/old-${i}`));
    expect([...deletes.values()].every((n) => n === 1)).toBe(true);
  });

  it('restarts a silent watch (a half-open connection) through its watchdog', async () => {
    const cluster = await startCluster();
    const proxy = await TcpProxy.start(Number(new URL(cluster.url).port));
    cleanups.push(() => proxy.stop());
    const direct = clientFor(cluster.kubeconfig);
    await direct.create(cm('s-0'));
    const { informer, deletes } = startInformer(clientFor(cluster.kubeconfig, proxy.port), {
      watchSilenceTimeoutMs: 400,
    });
    await informer.waitForSync();
    await new Promise((r) => setTimeout(r, 50));
    const watchesBefore = informer.reflectorStats.watchCount;
    proxy.mode = 'blackhole';
    await direct.create(cm('s-1'));
    await direct.delete(CM, 's-0', { namespace: 'default' });
    await new Promise((r) => setTimeout(r, 600));
    expect(informer.indexer.get('default/s-1')).toBeUndefined(); // the stream is silent
    proxy.mode = 'pass';
    proxy.cutAll();
    const keys = await converge(direct, informer);
    expect(keys).toEqual(['default/s-1']);
    expect(informer.reflectorStats.watchCount).toBeGreaterThan(watchesBefore);
    expect(deletes.get('default/s-0')).toBe(1);
  });
});
