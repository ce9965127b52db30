import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SharedInformerFactory, objectKey, objectOfDeleted } from '../cache/index.js';
import { CachedClient } from './cached-client.js';
import { NotFoundError } from './errors.js';
import { KubeClient } from './kube-client.js';
import type { KubeObject } from './types.js';
import { FakeApiServer } from './__tests__/fake-apiserver.js';

const CM = { group: '', version: 'v1', kind: 'ConfigMap' };
const cm = (name: string, namespace = 'team-a', labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, labels },
});

let server: FakeApiServer;
let client: KubeClient;
let factory: SharedInformerFactory;

beforeAll(async () => {
  server = await FakeApiServer.start();
  client = new KubeClient({ kubeConfig: server.kubeConfig() });
});
afterEach(async () => {
  server.releaseWatchEvents();
  await factory?.shutdown();
});
afterAll(async () => {
  (client.transport as { close?: () => void }).close?.();
  await server.stop();
});

describe('CachedClient', () => {
  it('serves get and list from the cache (starting the informer lazily), filtered by namespace and selectors', async () => {
    server.put('configmaps', cm('a', 'team-a', { app: 'x' }));
    server.put('configmaps', cm('b', 'team-a', { app: 'y' }));
    server.put('configmaps', cm('c', 'other', { app: 'x' }));
    factory = new SharedInformerFactory(client);
    const cached = new CachedClient(client, factory);
    expect((await cached.get(CM, 'a')).metadata.labels).toEqual({ app: 'x' });
    expect(factory.existingInformer(CM)?.hasSynced()).toBe(true);
    const reads = server.requests.length;
    expect((await cached.list(CM, { namespace: 'team-a' })).items.map((o) => o.metadata.name).sort()).toEqual(
      ['a', 'b'],
    );
    expect(
      (await cached.list(CM, { labelSelector: 'app=x' })).items.map((o) => o.metadata.name).sort(),
    ).toEqual(['a', 'c']);
    expect(
      (await cached.list(CM, { fieldSelector: 'metadata.name=b' })).items.map((o) => o.metadata.name),
    ).toEqual(['b']);
    expect(server.requests.length).toBe(reads); // no request reached the server
    await expect(cached.get(CM, 'zzz')).rejects.toBeInstanceOf(NotFoundError);
    await expect(cached.get(CM, 'zzz')).rejects.toThrow('configmaps "zzz" not found');
    const list = await cached.list(CM, { namespace: 'other' });
    expect(list.kind).toBe('ConfigMapList');
    expect(list.items[0]!.kind).toBe('ConfigMap');
  });

  it('reads its own writes: a read after create/update/delete waits for the cache to catch up', async () => {
    factory = new SharedInformerFactory(client);
    const cached = new CachedClient(client, factory, { readYourWritesTimeoutMs: 10_000 });
    await cached.list(CM); // start and sync
    server.holdWatchEvents = true;
    const created = await cached.create(cm('ryow'));
    let got: KubeObject | undefined;
    const reading = cached.get(CM, 'ryow').then((o) => (got = o));
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toBeUndefined(); // still waiting for the cache
    server.releaseWatchEvents();
    await reading;
    expect(got!.metadata.resourceVersion).toBe(created.metadata.resourceVersion);

    server.holdWatchEvents = true;
    const updated = await cached.update({ ...created, data: { v: '2' } });
    const listing = cached.list(CM, { namespace: 'team-a' });
    setTimeout(() => server.releaseWatchEvents(), 20);
    const afterUpdate = (await listing).items.find((o) => o.metadata.name === 'ryow')!;
    expect(afterUpdate.metadata.resourceVersion).toBe(updated.metadata.resourceVersion);

    server.holdWatchEvents = true;
    await cached.delete(CM, 'ryow');
    const deleting = cached.get(CM, 'ryow');
    setTimeout(() => server.releaseWatchEvents(), 20);
    await expect(deleting).rejects.toBeInstanceOf(NotFoundError);
  });

  it('falls back to a live read when the cache does not catch up in time', async () => {
    factory = new SharedInformerFactory(client);
    const cached = new CachedClient(client, factory, { readYourWritesTimeoutMs: 50 });
    await cached.list(CM);
    server.holdWatchEvents = true;
    const created = await cached.create(cm('slow'));
    const before = server.requests.length;
    const got = await cached.get(CM, 'slow');
    expect(got.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(server.requests.length).toBe(before + 1); // one live GET
    expect(server.requests.at(-1)!.url.pathname).toBe('/api/v1/namespaces/team-a/configmaps/slow');
    // dry-run writes set no expectation
    await cached.create(cm('dry'), { dryRun: true });
    await expect(cached.get(CM, 'dry')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('serves metadata-only reads from a metadata informer', async () => {
    factory = new SharedInformerFactory(client);
    const cached = new CachedClient(client, factory);
    const got = await cached.get(CM, 'a', { metadataOnly: true });
    expect(got.kind).toBe('PartialObjectMetadata');
    expect(got.metadata.name).toBe('a');
    expect(
      server.requests.some((r) => (r.headers.accept ?? '').includes('as=PartialObjectMetadataList')),
    ).toBe(true);
  });
});

describe('SharedInformerFactory', () => {
  it('shares one informer per kind and scope, and starts/stops informers individually', async () => {
    factory = new SharedInformerFactory(client);
    const a = factory.informerFor(CM);
    expect(factory.informerFor(CM)).toBe(a);
    const scoped = factory.informerFor(CM, { namespace: 'other' });
    expect(scoped).not.toBe(a);
    factory.start();
    expect(await factory.waitForCacheSync()).toBe(true);
    expect(scoped.indexer.list().every((o) => o.metadata.namespace === 'other')).toBe(true);
    const seen: string[] = [];
    scoped.addEventHandler({ onAdd: (o) => void seen.push(o.metadata.name!) });
    server.put('configmaps', cm('late', 'other'));
    await scoped.waitUntil(() => scoped.indexer.get('other/late') !== undefined, { timeoutMs: 5000 });
    expect(seen).toContain('late');
    await factory.stopInformer(CM, { namespace: 'other' });
    expect(scoped.isRunning).toBe(false);
    expect(factory.existingInformer(CM, { namespace: 'other' })).toBeUndefined();
    expect(a.isRunning).toBe(true);
  });

  it('recovers from cut watches: the cache ends equal to the server', async () => {
    factory = new SharedInformerFactory(client, { reflector: { backoff: { initialMs: 5, maxMs: 20 } } });
    const inf = factory.informerFor(CM);
    const deletes: string[] = [];
    inf.addEventHandler({ onDelete: (d) => void deletes.push(objectKey(objectOfDeleted(d))) });
    inf.start();
    await inf.waitForSync();
    await server.waitForWatches();
    server.put('configmaps', cm('cut1'));
    server.cutWatches();
    server.put('configmaps', cm('cut2'), true); // while the watch is down: missed by the stream
    server.put('configmaps', cm('cut3')); // replayed to the new watch from its resourceVersion
    expect(await inf.waitUntil(() => inf.indexer.get('team-a/cut3') !== undefined, { timeoutMs: 5000 })).toBe(
      true,
    );
    expect(inf.reflectorStats.watchCount).toBeGreaterThanOrEqual(2);
    await server.waitForWatches();
    // the fake server does not replay history, so cut2 arrives only with a relist; force one by a 410 event
    server.sendRaw(
      'configmaps',
      JSON.stringify({
        type: 'ERROR',
        object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old' },
      }) + '\n',
    );
    expect(await inf.waitUntil(() => inf.indexer.get('team-a/cut2') !== undefined, { timeoutMs: 5000 })).toBe(
      true,
    );
    expect(inf.reflectorStats.listCount).toBe(2);
    const serverKeys = [...server.objects.get('/configmaps')!.keys()].map((k) => k).sort();
    expect(inf.indexer.listKeys().sort()).toEqual(serverKeys);
    expect(deletes).toEqual([]);
  });
});
