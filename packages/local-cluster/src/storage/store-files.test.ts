import { describe, it, expect, afterEach } from '@jest/globals';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/index.js';
import { ObjectStore, type StoreKey, type StoreWatchEvent } from './index.js';

const key = (name: string): StoreKey => ({ resource: 'opkit.dev/etcdclusters', namespace: 'ns', name });
const obj = (name: string, size = 1): KubeObject => ({
  apiVersion: 'opkit.dev/v1',
  kind: 'EtcdCluster',
  metadata: { name, namespace: 'ns' },
  spec: { size },
});

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'opkit-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function take(it: AsyncIterator<StoreWatchEvent>, n: number): Promise<StoreWatchEvent[]> {
  const out: StoreWatchEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}
const brief = (e: StoreWatchEvent) =>
  e.type === 'BOOKMARK' ? `BOOKMARK@${e.revision}` : `${e.type} ${e.key.name}@${e.revision}`;

async function writeSome(store: ObjectStore): Promise<void> {
  store.create(key('a'), obj('a')); // 1
  store.create(key('b'), obj('b')); // 2
  store.update(key('a'), obj('a', 3)); // 3
  store.delete(key('b')); // 4
  store.create(key('c'), obj('c')); // 5
}

describe('ObjectStore persistence', () => {
  it('keeps objects, the revision and the history across a restart', async () => {
    const dir = dataDir();
    const first = await ObjectStore.open({ dataDir: dir });
    await writeSome(first);
    await first.close();

    const second = await ObjectStore.open({ dataDir: dir });
    expect(second.revision).toBe(5);
    expect(second.get(key('a'))).toEqual({
      ...obj('a', 3),
      metadata: { name: 'a', namespace: 'ns', resourceVersion: '3' },
    });
    expect(second.get(key('b'))).toBeUndefined();
    expect(second.list('opkit.dev/etcdclusters').items.map((o) => o.metadata.name)).toEqual(['a', 'c']);
    // a client that watched from resourceVersion 2 before the restart resumes after it
    const ac = new AbortController();
    const w = second.watch('opkit.dev/etcdclusters', { resourceVersion: '2', signal: ac.signal });
    const pending = take(w, 4);
    second.update(key('c'), obj('c', 5)); // 6
    expect((await pending).map(brief)).toEqual(['MODIFIED a@3', 'DELETED b@4', 'ADDED c@5', 'MODIFIED c@6']);
    ac.abort();
    expect(
      second.list('opkit.dev/etcdclusters', { resourceVersion: '2', resourceVersionMatch: 'Exact' }).items,
    ).toHaveLength(2);
    await second.close();

    const third = await ObjectStore.open({ dataDir: dir });
    expect(third.revision).toBe(6);
    expect(third.create(key('d'), obj('d')).metadata.resourceVersion).toBe('7');
    await third.close();
  });

  it('compacts the log into an atomically written snapshot and still restores everything', async () => {
    const dir = dataDir();
    const store = await ObjectStore.open({ dataDir: dir, compactEvery: 10, historySize: 8 });
    for (let i = 0; i < 25; i++) store.create(key(`o${String(i).padStart(2, '0')}`), obj(`o${i}`, i));
    for (let i = 0; i < 10; i++) store.delete(key(`o${String(i).padStart(2, '0')}`));
    await store.close();
    const files = readdirSync(dir);
    expect(files).toContain('snapshot.jsonl');
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const reopened = await ObjectStore.open({ dataDir: dir, historySize: 8 });
    expect(reopened.revision).toBe(35);
    expect(reopened.compactedRevision).toBe(27);
    expect(reopened.list('opkit.dev/etcdclusters').items.map((o) => o.metadata.name)).toEqual(
      Array.from({ length: 15 }, (_, i) => `o${i + 10}`),
    );
    const ac = new AbortController();
    const w = reopened.watch('opkit.dev/etcdclusters', { resourceVersion: '27', signal: ac.signal });
    expect((await take(w, 8)).map(brief)).toEqual(
      Array.from({ length: 8 }, (_, i) => `DELETED o0${i + 2}@${i + 28}`),
    );
    expect(() =>
      reopened.watch('opkit.dev/etcdclusters', { resourceVersion: '26', signal: ac.signal }),
    ).toThrow('too old resource version: 26 (27)');
    // Exact reads inside the retained history are reconstructed from the snapshot's history
    const at30 = reopened.list('opkit.dev/etcdclusters', {
      resourceVersion: '30',
      resourceVersionMatch: 'Exact',
    });
    expect(at30.items).toHaveLength(20);
    ac.abort();
    await reopened.close();
  });

  it('ignores a torn last log line (a crash mid-write)', async () => {
    const dir = dataDir();
    const store = await ObjectStore.open({ dataDir: dir });
    await writeSome(store);
    await store.close();
    const segment = readdirSync(dir)
      .filter((f) => f.startsWith('log-'))
      .sort()[0]!;
    const text = readFileSync(join(dir, segment), 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(5);
    appendFileSync(
      join(dir, segment),
      '{"r":6,"t":"A","k":["opkit.dev/etcdclusters","ns","torn"],"o":{"apiVer',
    );
    const reopened = await ObjectStore.open({ dataDir: dir });
    expect(reopened.revision).toBe(5);
    expect(reopened.get(key('torn'))).toBeUndefined();
    expect(reopened.create(key('e'), obj('e')).metadata.resourceVersion).toBe('6');
    await reopened.close();
    const again = await ObjectStore.open({ dataDir: dir });
    expect(again.get(key('e'))?.metadata.resourceVersion).toBe('6');
    expect(again.revision).toBe(6);
    await again.close();
  });

  it('flushes on a short timer, before close', async () => {
    const dir = dataDir();
    const store = await ObjectStore.open({ dataDir: dir, flushIntervalMs: 5 });
    store.create(key('a'), obj('a'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const segment = readdirSync(dir).filter((f) => f.startsWith('log-'))[0]!;
    expect(readFileSync(join(dir, segment), 'utf8')).toContain('"r":1');
    await store.close();
  });
});
