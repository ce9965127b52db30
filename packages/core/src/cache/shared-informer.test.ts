import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../client/index.js';
import { ManualClock } from './clock.js';
import { SharedInformer, type EventHandler } from './shared-informer.js';
import { DeletedFinalStateUnknown, objectOfDeleted, type DeletedObject } from './store.js';
import { FakeCollection, cm } from './__tests__/fake-collection.js';

function recorder(log: string[], prefix = ''): EventHandler {
  return {
    onAdd: (o: KubeObject, initial: boolean) =>
      void log.push(`${prefix}add ${o.metadata.name}${initial ? ' (initial)' : ''}`),
    onUpdate: (a: KubeObject, b: KubeObject) =>
      void log.push(
        `${prefix}update ${b.metadata.name} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`,
      ),
    onDelete: (d: DeletedObject) =>
      void log.push(
        `${prefix}delete ${objectOfDeleted(d).metadata.name}${d instanceof DeletedFinalStateUnknown ? ' (tombstone)' : ''}`,
      ),
  };
}

function setup() {
  const clock = new ManualClock(0);
  const fake = new FakeCollection();
  const informer = new SharedInformer(fake, {
    clock,
    reflector: { random: () => 0.5, watchSilenceTimeoutMs: 0 },
  });
  return { clock, fake, informer };
}

describe('SharedInformer', () => {
  it('delivers the initial list as adds, then watch events; syncs once listed', async () => {
    const { clock, fake, informer } = setup();
    fake.upsert(cm('a'));
    const log: string[] = [];
    const reg = informer.addEventHandler(recorder(log));
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    expect(await informer.waitForSync()).toBe(true);
    expect(reg.hasSynced()).toBe(true);
    fake.upsert(cm('b'));
    fake.upsert(cm('a', 'default', { data: { x: '1' } }));
    fake.remove('b');
    await clock.advance(0);
    expect(log).toEqual(['add a (initial)', 'add b', 'update a 101->103', 'delete b']);
    expect(informer.lastSyncResourceVersion).toBe('104');
    expect(informer.indexer.listKeys()).toEqual(['default/a']);
    await informer.stop();
  });

  it('gives late handlers synthetic adds, and removed handlers nothing', async () => {
    const { clock, fake, informer } = setup();
    fake.upsert(cm('a'));
    fake.upsert(cm('b'));
    informer.start();
    await informer.waitForSync();
    const late: string[] = [];
    const reg = informer.addEventHandler(recorder(late));
    expect(late).toEqual(['add a (initial)', 'add b (initial)']);
    expect(reg.hasSynced()).toBe(true);
    reg.remove();
    fake.upsert(cm('c'));
    await clock.advance(0);
    expect(late).toHaveLength(2);
    await informer.stop();
  });

  it('after a relist, delivers deletes missed while the watch was down as tombstones, exactly once', async () => {
    const { clock, fake, informer } = setup();
    for (const n of ['a', 'b', 'c']) fake.upsert(cm(n));
    const log: string[] = [];
    informer.addEventHandler(recorder(log));
    informer.start();
    await informer.waitForSync();
    await clock.advance(0);
    // the watch breaks; meanwhile b is deleted, c changes, d appears; history is compacted
    fake.watches.pop()!.fail(new Error('connection reset'));
    fake.remove('b', 'default', true);
    fake.upsertQuietly(cm('c', 'default', { data: { v: '2' } }));
    fake.upsertQuietly(cm('d'));
    fake.compact();
    await clock.advance(1200); // backoff, then 410, then relist
    expect(log.slice(3)).toEqual(['update c 103->105', 'add d', 'delete b (tombstone)']);
    expect(informer.indexer.listKeys().sort()).toEqual(['default/a', 'default/c', 'default/d']);
    // a late DELETED for b (already gone from the cache) is not delivered again
    fake.lastWatch.push({
      type: 'DELETED',
      object: cm('b', 'default', { metadata: { name: 'b', namespace: 'default', resourceVersion: '107' } }),
    });
    await clock.advance(0);
    expect(log.filter((l) => l.startsWith('delete b'))).toHaveLength(1);
    await informer.stop();
  });

  it('resyncs handlers that ask for it with update(obj, obj)', async () => {
    const { clock, fake, informer } = setup();
    fake.upsert(cm('a'));
    const log: string[] = [];
    informer.addEventHandler(recorder(log), { resyncPeriodMs: 30_000 });
    const quiet: string[] = [];
    informer.addEventHandler(recorder(quiet));
    informer.start();
    await informer.waitForSync();
    await clock.advance(30_000);
    await clock.advance(30_000);
    expect(log).toEqual(['add a (initial)', 'update a 101->101', 'update a 101->101']);
    expect(quiet).toEqual(['add a (initial)']);
    await informer.stop();
    expect(clock.pending).toBe(0);
  });

  it('isolates handler failures', async () => {
    const { fake, informer } = setup();
    fake.upsert(cm('a'));
    const errors: unknown[] = [];
    const informer2 = new SharedInformer(fake, {
      clock: new ManualClock(),
      onError: (e, ctx) => errors.push([ctx, e]),
    });
    const log: string[] = [];
    informer2.addEventHandler({
      onAdd: () => {
        throw new Error('bad handler');
      },
    });
    informer2.addEventHandler({
      onAdd: async () => {
        throw new Error('bad async handler');
      },
    });
    informer2.addEventHandler(recorder(log));
    informer2.start();
    await informer2.waitForSync();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['add a (initial)']);
    expect(errors).toHaveLength(2);
    await informer2.stop();
    void informer;
  });

  it('waitUntil resolves on progress, on timeout (false), and false when stopped', async () => {
    const { clock, fake, informer } = setup();
    informer.start();
    await informer.waitForSync();
    const seen = informer.waitUntil(() => informer.hasSeenResourceVersion('101') === true);
    const timesOut = informer.waitUntil(() => false, { timeoutMs: 1000 });
    fake.upsert(cm('x'));
    await clock.advance(0);
    expect(await seen).toBe(true);
    await clock.advance(1000);
    expect(await timesOut).toBe(false);
    const never = informer.waitUntil(() => false);
    await informer.stop();
    expect(await never).toBe(false);
  });

  it('waitForSync resolves false when aborted', async () => {
    const { informer, fake } = setup();
    fake.listErrors = [new Error('down')];
    informer.start();
    const ctrl = new AbortController();
    const p = informer.waitForSync(ctrl.signal);
    ctrl.abort();
    expect(await p).toBe(false);
    await informer.stop();
  });
});
