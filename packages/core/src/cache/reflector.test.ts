import { describe, expect, it } from '@jest/globals';
import { ApiStatusError, type KubeObject } from '../client/index.js';
import { ManualClock, flushPromises } from './clock.js';
import { Reflector, WatchSilenceError, type ReflectorStore } from './reflector.js';
import { FakeCollection, cm, gone } from './__tests__/fake-collection.js';

class RecordingStore implements ReflectorStore {
  items = new Map<string, KubeObject>();
  log: string[] = [];
  rv = '';
  private k(o: KubeObject) {
    return `${o.metadata.namespace}/${o.metadata.name}`;
  }
  replace(items: KubeObject[], rv: string) {
    this.items = new Map(items.map((o) => [this.k(o), o]));
    this.log.push(`replace ${items.length}@${rv}`);
    this.rv = rv;
  }
  added(o: KubeObject, rv: string) {
    this.items.set(this.k(o), o);
    this.log.push(`add ${o.metadata.name}@${rv}`);
    this.rv = rv;
  }
  modified(o: KubeObject, rv: string) {
    this.items.set(this.k(o), o);
    this.log.push(`mod ${o.metadata.name}@${rv}`);
    this.rv = rv;
  }
  deleted(o: KubeObject, rv: string) {
    this.items.delete(this.k(o));
    this.log.push(`del ${o.metadata.name}@${rv}`);
    this.rv = rv;
  }
  bookmark(rv: string) {
    this.log.push(`bookmark@${rv}`);
    this.rv = rv;
  }
}

function setup(opts: { silenceMs?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const fake = new FakeCollection();
  const store = new RecordingStore();
  const errors: unknown[] = [];
  const reflector = new Reflector(fake, store, {
    clock,
    pageSize: 2,
    random: () => 0.5,
    watchSilenceTimeoutMs: opts.silenceMs ?? 90_000,
    onError: (e) => errors.push(e),
  });
  const ctrl = new AbortController();
  return { clock, fake, store, errors, reflector, ctrl, run: () => reflector.run(ctrl.signal) };
}

describe('Reflector', () => {
  it('lists in pages, then watches from the list resourceVersion with bookmarks and a jittered timeout', async () => {
    const { fake, store, ctrl, run, clock } = setup();
    for (const n of ['a', 'b', 'c', 'd', 'e']) fake.upsert(cm(n));
    const done = run();
    await clock.advance(0);
    expect(fake.listCalls.map((c) => c.continue ?? '')).toEqual(['', '105:2', '105:4']);
    expect(fake.listCalls.every((c) => c.resourceVersion === undefined && c.limit === 2)).toBe(true);
    expect(store.log).toEqual(['replace 5@105']);
    expect(fake.watchCalls).toEqual([{ resourceVersion: '105', timeoutSeconds: 450 }]);
    fake.upsert(cm('f'));
    fake.upsert(cm('a', 'default', { data: { x: '1' } }));
    fake.remove('b');
    fake.bookmark();
    await clock.advance(0);
    expect(store.log.slice(1)).toEqual(['add f@106', 'mod a@107', 'del b@108', 'bookmark@108']);
    expect(store.items.size).toBe(5);
    expect(ctrl.signal.aborted).toBe(false);
    ctrl.abort();
    await done;
  });

  it('rewatches from the last seen version when the server ends the stream', async () => {
    const { fake, store, ctrl, run, clock } = setup();
    fake.upsert(cm('a'));
    const done = run();
    await clock.advance(0);
    fake.upsert(cm('b'));
    await clock.advance(5000);
    fake.lastWatch.close();
    await clock.advance(0);
    expect(fake.watchCalls.map((w) => w.resourceVersion)).toEqual(['101', '102']);
    expect(fake.listCalls).toHaveLength(1);
    fake.upsert(cm('c'));
    await clock.advance(0);
    expect([...store.items.keys()].sort()).toEqual(['default/a', 'default/b', 'default/c']);
    ctrl.abort();
    await done;
  });

  it('relists on 410 from the watch and on an ERROR event with code 410', async () => {
    const { fake, store, ctrl, run, clock } = setup();
    fake.upsert(cm('a'));
    const done = run();
    await clock.advance(0);
    // an ERROR event mid-stream
    fake.lastWatch.push({
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old' },
    });
    await clock.advance(0);
    expect(fake.listCalls.filter((c) => !c.continue)).toHaveLength(2);
    // the watch is down; history compacted; the watch reopens from an old version → 410 → relist
    fake.lastWatch.close();
    fake.upsertQuietly(cm('b'));
    fake.remove('a', 'default', true);
    fake.compact();
    // the stream closed at once without events, which counts as a failure: one backoff first
    await clock.advance(1200);
    expect(fake.listCalls.filter((c) => !c.continue)).toHaveLength(3);
    expect([...store.items.keys()]).toEqual(['default/b']);
    expect(store.log.at(-1)).toBe('replace 1@103');
    ctrl.abort();
    await done;
  });

  it('backs off exponentially (800 ms ×2, capped at 30 s) on errors and resets after 2 min healthy', async () => {
    const { fake, ctrl, run, clock, errors } = setup({ silenceMs: 1e9 });
    const boom = () => new ApiStatusError({ kind: 'Status', apiVersion: 'v1', code: 500, message: 'boom' });
    fake.listErrors = [boom(), boom(), boom()];
    const done = run();
    await clock.advance(0);
    expect(fake.listCalls).toHaveLength(1);
    // random 0.5, jitter 1.0: delays 1200, 2400, 4800
    await clock.advance(1199);
    expect(fake.listCalls).toHaveLength(1);
    await clock.advance(1);
    expect(fake.listCalls).toHaveLength(2);
    await clock.advance(2400);
    expect(fake.listCalls).toHaveLength(3);
    await clock.advance(4799);
    expect(fake.listCalls).toHaveLength(3);
    await clock.advance(1);
    expect(fake.listCalls).toHaveLength(4);
    expect(errors).toHaveLength(3);
    expect(fake.watchCalls).toHaveLength(1);
    // healthy for over 2 minutes; a watch failure then backs off from the start again
    await clock.advance(130_000);
    fake.bookmark();
    fake.watchErrors = [boom()];
    fake.lastWatch.fail(new Error('connection reset'));
    await clock.advance(0);
    expect(fake.watchCalls).toHaveLength(1);
    await clock.advance(1200);
    expect(fake.watchCalls).toHaveLength(2); // failed to open
    await clock.advance(2400);
    expect(fake.watchCalls).toHaveLength(3);
    expect(fake.listCalls).toHaveLength(4); // watch errors other than 410 do not relist
    ctrl.abort();
    await done;
  });

  it('caps the backoff at 30 s', async () => {
    const { fake, ctrl, run, clock } = setup();
    fake.listErrors = Array.from({ length: 10 }, () => new Error('down'));
    const done = run();
    await clock.advance(0);
    for (const d of [1200, 2400, 4800, 9600, 19200, 30000, 30000]) await clock.advance(d);
    expect(fake.listCalls).toHaveLength(8);
    ctrl.abort();
    await done;
  });

  it('restarts a watch that stays silent longer than the watchdog allows', async () => {
    const { fake, store, ctrl, run, clock, errors } = setup({ silenceMs: 10_000 });
    fake.upsert(cm('a'));
    const done = run();
    await clock.advance(0);
    await clock.advance(9_000);
    fake.bookmark(); // resets the watchdog
    await clock.advance(9_000);
    expect(fake.watchCalls).toHaveLength(1);
    // the server changes state but the stream delivers nothing (a half-open connection)
    fake.watches.pop();
    fake.upsert(cm('b'));
    await clock.advance(10_000);
    expect(errors.some((e) => e instanceof WatchSilenceError)).toBe(true);
    await clock.advance(1200);
    expect(fake.watchCalls).toHaveLength(2);
    expect(fake.watchCalls[1]!.resourceVersion).toBe('101');
    expect([...store.items.keys()].sort()).toEqual(['default/a', 'default/b']);
    ctrl.abort();
    await done;
  });

  it('treats a watch that closes at once without events as a failure (no hot loop)', async () => {
    const { fake, ctrl, run, clock } = setup();
    const done = run();
    await clock.advance(0);
    fake.lastWatch.close();
    await clock.advance(0);
    expect(fake.watchCalls).toHaveLength(1);
    await clock.advance(1200);
    expect(fake.watchCalls).toHaveLength(2);
    ctrl.abort();
    await done;
  });

  it('stops promptly when aborted, during a watch or a backoff', async () => {
    const { fake, ctrl, run, clock } = setup();
    fake.listErrors = [new Error('x')];
    const done = run();
    await clock.advance(0);
    ctrl.abort();
    await done;
    expect(clock.pending).toBe(0);
    const s2 = setup();
    const d2 = s2.run();
    await s2.clock.advance(0);
    s2.ctrl.abort();
    await d2;
    expect(s2.fake.lastWatch.isClosed).toBe(true);
    expect(s2.clock.pending).toBe(0);
    await flushPromises();
  });

  it('opens no watch and ends when stopped between the list and the watch (stop right after sync)', async () => {
    const { fake, store, ctrl, reflector } = setup();
    fake.upsert(cm('a'));
    // the informer resolves waitForSync() inside replace(), and its caller may stop at once
    const replace = store.replace.bind(store);
    store.replace = (items, rv) => {
      replace(items, rv);
      ctrl.abort();
    };
    let ended = false;
    const done = reflector.run(ctrl.signal).then(() => (ended = true));
    await flushPromises();
    expect(store.log).toEqual(['replace 1@101']);
    expect(fake.watchCalls).toEqual([]);
    expect(ended).toBe(true);
    await done;
  });

  it('relists when a continue token expires mid-list (after a backoff)', async () => {
    const { fake, store, ctrl, run, clock } = setup();
    for (const n of ['a', 'b', 'c']) fake.upsert(cm(n));
    const origList = fake.list.bind(fake);
    let calls = 0;
    fake.list = async (opts) => {
      calls++;
      if (calls === 2) throw gone();
      return origList(opts);
    };
    const done = run();
    await clock.advance(0);
    expect(store.log).toEqual([]);
    await clock.advance(1200);
    expect(store.log).toEqual(['replace 3@103']);
    ctrl.abort();
    await done;
  });
});
