import { describe, it, expect } from '@jest/globals';
import { ApiError, type KubeObject } from '../api/index.js';
import { ObjectStore, type StoreKey, type StoreWatchEvent } from './index.js';

const pods = '/pods';
const key = (name: string, namespace = 'default'): StoreKey => ({ resource: pods, namespace, name });
const pod = (name: string, labels: Record<string, string> = {}, namespace = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

/** Pulls `n` events (or fewer if the stream ends). */
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

describe('ObjectStore CRUD', () => {
  it('creates, gets, updates and deletes with one monotonic revision', async () => {
    const store = await ObjectStore.open();
    const a = store.create(key('a'), pod('a'));
    expect(a.metadata.resourceVersion).toBe('1');
    const cm = store.create(
      { resource: '/configmaps', namespace: 'default', name: 'x' },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x' },
      },
    );
    expect(cm.metadata.resourceVersion).toBe('2');
    const updated = store.update(key('a'), { ...a, spec: { containers: [] } });
    expect(updated.metadata.resourceVersion).toBe('3');
    expect(store.get(key('a'))?.spec).toEqual({ containers: [] });
    const deleted = store.delete(key('a'));
    expect(deleted.metadata.resourceVersion).toBe('4');
    expect(store.get(key('a'))).toBeUndefined();
    expect(store.revision).toBe(4);
  });

  it('hands out deep copies', async () => {
    const store = await ObjectStore.open();
    const input = pod('a', { x: '1' });
    const created = store.create(key('a'), input);
    input.metadata.labels!.x = 'changed';
    created.metadata.labels!.x = 'changed';
    const got = store.get(key('a'))!;
    got.metadata.labels!.x = 'changed';
    expect(store.get(key('a'))!.metadata.labels).toEqual({ x: '1' });
    expect(store.list(pods).items[0]!.metadata.labels).toEqual({ x: '1' });
  });

  it('reports AlreadyExists, NotFound and Conflict like kube-apiserver', async () => {
    const store = await ObjectStore.open();
    store.create(key('a'), pod('a'));
    const exists = apiError(() => store.create(key('a'), pod('a')));
    expect(exists.code).toBe(409);
    expect(exists.reason).toBe('AlreadyExists');
    expect(exists.message).toBe('pods "a" already exists');
    const missing = apiError(() => store.update(key('b'), pod('b')));
    expect(missing.code).toBe(404);
    expect(missing.message).toBe('pods "b" not found');
    expect(apiError(() => store.delete(key('b'))).code).toBe(404);
    const conflict = apiError(() => store.update(key('a'), pod('a'), { expectedResourceVersion: '7' }));
    expect(conflict.code).toBe(409);
    expect(conflict.reason).toBe('Conflict');
    expect(conflict.message).toBe(
      'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
    );
    const sts = { resource: 'apps/statefulsets', namespace: 'ns', name: 's' };
    store.create(sts, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' } });
    const conflict2 = apiError(() => store.delete(sts, { expectedResourceVersion: '1' }));
    expect(conflict2.message).toMatch(/^Operation cannot be fulfilled on statefulsets.apps "s": /);
    expect(conflict2.status.details).toMatchObject({ name: 's', group: 'apps', kind: 'statefulsets' });
    expect(store.delete(sts, { expectedResourceVersion: '2' }).metadata.resourceVersion).toBe('3');
  });

  it('does not write an update that changes nothing', async () => {
    const store = await ObjectStore.open();
    const a = store.create(key('a'), pod('a'));
    const events: string[] = [];
    store.subscribe((e) => events.push(e.type));
    const same = store.update(key('a'), { ...a, metadata: { ...a.metadata, resourceVersion: '999' } });
    expect(same.metadata.resourceVersion).toBe('1');
    expect(store.revision).toBe(1);
    expect(events).toEqual([]);
  });

  it('stores JSON-safe objects and tolerates missing metadata', async () => {
    const store = await ObjectStore.open();
    const created = store.create(key('a'), { apiVersion: 'v1', kind: 'Pod' } as KubeObject);
    expect(created.metadata.resourceVersion).toBe('1');
  });

  it('notifies subscribers synchronously after commit, lazily copying objects', async () => {
    const store = await ObjectStore.open();
    const seen: string[] = [];
    const off = store.subscribe((e) => {
      seen.push(
        `${e.type} ${e.key.resource} ${e.key.name} ${e.revision} ${e.object.metadata.resourceVersion}`,
      );
      e.object.metadata.name = 'mutated';
      if (e.prevObject) e.prevObject.metadata.name = 'mutated';
    });
    store.create(key('a'), pod('a'));
    expect(seen).toEqual(['ADDED /pods a 1 1']);
    store.update(key('a'), pod('a', { x: 'y' }));
    store.delete(key('a'));
    expect(seen).toEqual(['ADDED /pods a 1 1', 'MODIFIED /pods a 2 2', 'DELETED /pods a 3 3']);
    off();
    store.create(key('b'), pod('b'));
    expect(seen).toHaveLength(3);
    expect(store.get(key('b'))!.metadata.name).toBe('b');
  });
});

describe('ObjectStore list', () => {
  it('sorts by key, filters by namespace and predicate', async () => {
    const store = await ObjectStore.open();
    store.create(key('b', 'ns1'), pod('b', { app: 'x' }, 'ns1'));
    store.create(key('a', 'ns2'), pod('a', {}, 'ns2'));
    store.create(key('a', 'ns1'), pod('a', {}, 'ns1'));
    store.create(key('c', 'ns1-x'), pod('c', { app: 'x' }, 'ns1-x'));
    const names = (items: KubeObject[]) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names(store.list(pods).items)).toEqual(['ns1-x/c', 'ns1/a', 'ns1/b', 'ns2/a']);
    expect(names(store.list(pods, { namespace: 'ns1' }).items)).toEqual(['ns1/a', 'ns1/b']);
    expect(names(store.list(pods, { filter: (o) => o.metadata.labels?.app === 'x' }).items)).toEqual([
      'ns1-x/c',
      'ns1/b',
    ]);
    expect(store.list(pods).resourceVersion).toBe('4');
    expect(store.list('/nothing')).toEqual({ items: [], resourceVersion: '4' });
  });

  it('paginates 1,000 objects over a consistent snapshot while writes happen between pages', async () => {
    const store = await ObjectStore.open();
    for (let i = 0; i < 1000; i++) store.create(key(`p${String(i).padStart(4, '0')}`), pod(`p${i}`));
    const first = store.list(pods, { limit: 100 });
    expect(first.items).toHaveLength(100);
    expect(first.remainingItemCount).toBe(900);
    expect(first.resourceVersion).toBe('1000');
    const seen = first.items.map((o) => o.metadata.name);
    let token = first.continue;
    let page = 0;
    while (token) {
      // writes between pages: delete an object not yet listed, add new ones, modify one
      store.delete(key(`p${String(999 - page).padStart(4, '0')}`));
      store.create(key(`p0500-new${page}`), pod('new'));
      store.update(key(`p${String(998 - page * 2).padStart(4, '0')}`), pod('changed', { changed: 'yes' }));
      const next = store.list(pods, { limit: 100, continue: token });
      expect(next.resourceVersion).toBe('1000');
      for (const o of next.items) {
        expect(o.metadata.labels).toEqual({});
        expect(Number(o.metadata.resourceVersion)).toBeLessThanOrEqual(1000);
        seen.push(o.metadata.name);
      }
      if (next.continue) expect(next.remainingItemCount).toBe(1000 - seen.length);
      else expect(next.remainingItemCount).toBeUndefined();
      token = next.continue;
      page++;
    }
    expect(seen).toHaveLength(1000);
    expect(new Set(seen).size).toBe(1000);
    // a fresh list sees the writes
    const now = store.list(pods);
    expect(now.items.some((o) => o.metadata.name === 'new')).toBe(true);
  });

  it('paginates with a namespace and a filter (no remainingItemCount)', async () => {
    const store = await ObjectStore.open();
    for (let i = 0; i < 30; i++)
      store.create(
        key(`p${String(i).padStart(2, '0')}`, i % 2 ? 'odd' : 'even'),
        pod(`p${i}`, { even: String(i % 4 === 0) }, i % 2 ? 'odd' : 'even'),
      );
    const filter = (o: KubeObject) => o.metadata.labels?.even === 'true';
    const one = store.list(pods, { namespace: 'even', filter, limit: 3 });
    expect(one.items.map((o) => o.metadata.name)).toEqual(['p0', 'p4', 'p8']);
    expect(one.remainingItemCount).toBeUndefined();
    const two = store.list(pods, { namespace: 'even', filter, limit: 3, continue: one.continue });
    expect(two.items.map((o) => o.metadata.name)).toEqual(['p12', 'p16', 'p20']);
    const three = store.list(pods, { namespace: 'even', filter, limit: 3, continue: two.continue });
    expect(three.items.map((o) => o.metadata.name)).toEqual(['p24', 'p28']);
    const ns = store.list(pods, { namespace: 'odd', limit: 10 });
    expect(ns.remainingItemCount).toBe(5);
  });

  it('uses the real continue token shape', async () => {
    const store = await ObjectStore.open();
    store.create(key('a'), pod('a'));
    store.create(key('b'), pod('b'));
    const page = store.list(pods, { namespace: 'default', limit: 1 });
    const decoded = JSON.parse(Buffer.from(page.continue!, 'base64url').toString()) as unknown;
    expect(decoded).toEqual({ v: 'meta.k8s.io/v1', rv: 2, start: 'a\u0000' });
    expect(apiError(() => store.list(pods, { continue: 'not a token' })).code).toBe(400);
    expect(apiError(() => store.list(pods, { continue: page.continue, resourceVersion: '2' })).message).toBe(
      'specifying resource version is not allowed when using continue',
    );
  });

  it('expires a continue token whose revision fell out of the history (410, with a token to go on)', async () => {
    const store = await ObjectStore.open({ historySize: 10 });
    for (let i = 0; i < 5; i++) store.create(key(`p${i}`), pod(`p${i}`));
    const first = store.list(pods, { limit: 2 });
    for (let i = 0; i < 20; i++) store.update(key('p4'), pod('p4', { i: String(i) }));
    const err = apiError(() => store.list(pods, { limit: 2, continue: first.continue }));
    expect(err.code).toBe(410);
    expect(err.reason).toBe('Expired');
    expect(err.message).toBe(
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    );
    const rest = store.list(pods, { continue: err.status.metadata.continue });
    expect(rest.items.map((o) => o.metadata.name)).toEqual(['p2', 'p3', 'p4']);
    expect(rest.resourceVersion).toBe(String(store.revision));
  });

  it('serves resourceVersion semantics: unset, 0, NotOlderThan, Exact', async () => {
    const store = await ObjectStore.open({ historySize: 5 });
    store.create(key('a'), pod('a')); // 1
    store.create(key('b'), pod('b')); // 2
    store.update(key('a'), pod('a', { v: '2' })); // 3
    store.delete(key('b')); // 4
    store.create(key('c'), pod('c')); // 5
    const names = (r: { items: KubeObject[] }) =>
      r.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);
    expect(names(store.list(pods))).toEqual(['a@3', 'c@5']);
    expect(names(store.list(pods, { resourceVersion: '0' }))).toEqual(['a@3', 'c@5']);
    expect(store.list(pods, { resourceVersion: '2' }).resourceVersion).toBe('5');
    const exact2 = store.list(pods, { resourceVersion: '2', resourceVersionMatch: 'Exact' });
    expect(names(exact2)).toEqual(['a@1', 'b@2']);
    expect(exact2.resourceVersion).toBe('2');
    expect(names(store.list(pods, { resourceVersion: '3', resourceVersionMatch: 'Exact' }))).toEqual([
      'a@3',
      'b@2',
    ]);
    expect(names(store.list(pods, { resourceVersion: '0', resourceVersionMatch: 'Exact' }))).toEqual([]);
    const exactPage = store.list(pods, { resourceVersion: '2', resourceVersionMatch: 'Exact', limit: 1 });
    expect(names(exactPage)).toEqual(['a@1']);
    expect(exactPage.remainingItemCount).toBe(1);
    expect(names(store.list(pods, { continue: exactPage.continue }))).toEqual(['b@2']);
    const tooLarge = apiError(() => store.list(pods, { resourceVersion: '9' }));
    expect(tooLarge.code).toBe(504);
    expect(tooLarge.message).toBe('Timeout: Too large resource version: 9, current: 5');
    expect(tooLarge.status.details?.causes?.[0]?.reason).toBe('ResourceVersionTooLarge');
    store.create(key('d'), pod('d')); // 6: revision 1 drops out of the history
    const old = apiError(() => store.list(pods, { resourceVersion: '0', resourceVersionMatch: 'Exact' }));
    expect(old.code).toBe(410);
    expect(old.message).toBe('The resourceVersion for the provided list is too old.');
    expect(names(store.list(pods, { resourceVersion: '1', resourceVersionMatch: 'Exact' }))).toEqual(['a@1']);
    expect(apiError(() => store.list(pods, { resourceVersion: 'abc' })).code).toBe(400);
  });
});

describe('ObjectStore watch', () => {
  it('sends the current state then live changes (resourceVersion unset)', async () => {
    const store = await ObjectStore.open();
    store.create(key('b'), pod('b'));
    store.create(key('a'), pod('a'));
    const ac = new AbortController();
    const w = store.watch(pods, { signal: ac.signal });
    store.update(key('a'), pod('a', { x: '1' }));
    store.delete(key('b'));
    expect((await take(w, 4)).map(brief)).toEqual(['ADDED a@2', 'ADDED b@1', 'MODIFIED a@3', 'DELETED b@4']);
    ac.abort();
    expect(await w.next()).toEqual({ value: undefined, done: true });
  });

  it('resumes from a resourceVersion out of the history, then goes live', async () => {
    const store = await ObjectStore.open();
    store.create(key('a'), pod('a')); // 1
    store.create(key('x', 'other'), pod('x', {}, 'other')); // 2
    store.update(key('a'), pod('a', { v: '1' })); // 3
    const ac = new AbortController();
    const w = store.watch(pods, { namespace: 'default', resourceVersion: '1', signal: ac.signal });
    const pending = take(w, 2);
    store.delete(key('a')); // 4
    const events = await pending;
    expect(events.map(brief)).toEqual(['MODIFIED a@3', 'DELETED a@4']);
    const deleted = events[1] as { object: KubeObject; prevObject?: KubeObject };
    expect(deleted.object.metadata.resourceVersion).toBe('4');
    expect(deleted.prevObject?.metadata.resourceVersion).toBe('3');
    ac.abort();
  });

  it('refuses a resourceVersion older than the history with 410 Expired', async () => {
    const store = await ObjectStore.open({ historySize: 3 });
    for (let i = 0; i < 6; i++) store.create(key(`p${i}`), pod(`p${i}`));
    const err = apiError(() =>
      store.watch(pods, { resourceVersion: '2', signal: new AbortController().signal }),
    );
    expect(err.code).toBe(410);
    expect(err.reason).toBe('Expired');
    expect(err.message).toBe('too old resource version: 2 (3)');
    const w = store.watch(pods, { resourceVersion: '3', signal: AbortSignal.abort() });
    expect(await take(w, 10)).toEqual([]); // aborted before it began
    const ac = new AbortController();
    const ok = store.watch(pods, { resourceVersion: '3', signal: ac.signal });
    expect((await take(ok, 3)).map(brief)).toEqual(['ADDED p3@4', 'ADDED p4@5', 'ADDED p5@6']);
    ac.abort();
  });

  it('skips changes a client from a future resourceVersion has seen; "0" without initial events is live only', async () => {
    const store = await ObjectStore.open();
    store.create(key('a'), pod('a')); // 1
    const ac = new AbortController();
    const future = store.watch(pods, { resourceVersion: '3', signal: ac.signal });
    const live = store.watch(pods, { resourceVersion: '0', sendInitial: false, signal: ac.signal });
    store.create(key('b'), pod('b')); // 2
    store.create(key('c'), pod('c')); // 3
    store.create(key('d'), pod('d')); // 4
    expect((await take(future, 1)).map(brief)).toEqual(['ADDED d@4']);
    expect((await take(live, 3)).map(brief)).toEqual(['ADDED b@2', 'ADDED c@3', 'ADDED d@4']);
    ac.abort();
  });

  it('turns filter transitions into ADDED and DELETED', async () => {
    const store = await ObjectStore.open();
    store.create(key('a'), pod('a', { app: 'web' })); // 1
    const ac = new AbortController();
    const w = store.watch(pods, { filter: (o) => o.metadata.labels?.app === 'web', signal: ac.signal });
    store.update(key('a'), pod('a', { app: 'db' })); // 2: leaves
    store.update(key('a'), pod('a', { app: 'db', x: '1' })); // 3: not matching either way
    store.update(key('a'), pod('a', { app: 'web' })); // 4: enters
    store.update(key('a'), pod('a', { app: 'web', x: '2' })); // 5
    store.delete(key('a')); // 6
    const events = await take(w, 5);
    expect(events.map(brief)).toEqual([
      'ADDED a@1',
      'DELETED a@2',
      'ADDED a@4',
      'MODIFIED a@5',
      'DELETED a@6',
    ]);
    const left = events[1] as { object: KubeObject };
    expect(left.object.metadata.labels).toEqual({ app: 'web' });
    expect(left.object.metadata.resourceVersion).toBe('2');
    ac.abort();
  });

  it('emits bookmarks so clients can advance their resourceVersion', async () => {
    const store = await ObjectStore.open({ bookmarkIntervalMs: 10 });
    const ac = new AbortController();
    const w = store.watch(pods, {
      namespace: 'quiet',
      resourceVersion: '0',
      sendInitial: false,
      signal: ac.signal,
    });
    store.create(key('a', 'busy'), pod('a', {}, 'busy'));
    const [bookmark] = await take(w, 1);
    expect(bookmark).toEqual({ type: 'BOOKMARK', revision: 1 });
    ac.abort();
    await store.close();
  });

  it('marks the end of initial events when sendInitial is asked for explicitly', async () => {
    const store = await ObjectStore.open();
    store.create(key('a'), pod('a'));
    const ac = new AbortController();
    const w = store.watch(pods, { sendInitial: true, resourceVersion: '', signal: ac.signal });
    expect(await take(w, 2)).toMatchObject([
      { type: 'ADDED' },
      { type: 'BOOKMARK', revision: 1, initialEventsEnd: true },
    ]);
    ac.abort();
  });

  it('ends on abort and on break, releasing the watcher', async () => {
    const store = await ObjectStore.open();
    const ac = new AbortController();
    const w = store.watch(pods, { signal: ac.signal });
    const pending = w.next();
    ac.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    const w2 = store.watch(pods, { signal: new AbortController().signal });
    store.create(key('a'), pod('a'));
    for await (const e of w2) {
      expect(e.type).toBe('ADDED');
      break;
    }
    expect(await w2.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a watcher that falls too far behind without blocking writers or other watchers', async () => {
    const store = await ObjectStore.open({ watchBufferSize: 50 });
    const slow = store.watch(pods, { signal: new AbortController().signal });
    const ac = new AbortController();
    const fast = store.watch(pods, { signal: ac.signal });
    const received: string[] = [];
    const consumer = (async () => {
      for await (const e of fast) {
        if (e.type !== 'BOOKMARK') received.push(e.key.name);
        if (received.length === 200) break;
      }
    })();
    for (let i = 0; i < 200; i++) {
      store.create(key(`p${i}`), pod(`p${i}`));
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await consumer;
    expect(received).toHaveLength(200);
    expect(await slow.next()).toEqual({ value: undefined, done: true });
    ac.abort();
  });

  it('hands the same frozen object to every shared watcher and subscriber', async () => {
    const store = await ObjectStore.open();
    const ac = new AbortController();
    const [w1, w2] = [0, 1].map(() => store.watch(pods, { signal: ac.signal, shared: true }));
    const shared: KubeObject[] = [];
    store.subscribe((e) => shared.push(e.object), { shared: true });
    store.create(key('a'), pod('a', { x: '1' }));
    const [e1] = (await take(w1!, 1)) as { object: KubeObject }[];
    const [e2] = (await take(w2!, 1)) as { object: KubeObject }[];
    expect(e1!.object).toBe(e2!.object);
    expect(e1!.object).toBe(shared[0]);
    expect(Object.isFrozen(e1!.object.metadata.labels)).toBe(true);
    expect(() => {
      e1!.object.metadata.labels!.x = '2';
    }).toThrow(TypeError);
    const copy = store.get(key('a'))!;
    copy.metadata.labels!.x = '2'; // copies stay mutable
    expect(store.update(key('a'), copy).metadata.labels).toEqual({ x: '2' });
    ac.abort();
  });

  it('fans out to 100 watchers', async () => {
    const store = await ObjectStore.open();
    const ac = new AbortController();
    const watchers = Array.from({ length: 100 }, () =>
      store.watch(pods, { signal: ac.signal, resourceVersion: '0' }),
    );
    for (let i = 0; i < 100; i++) store.create(key(`p${i}`), pod(`p${i}`));
    const counts = await Promise.all(watchers.map(async (w) => (await take(w, 100)).length));
    expect(counts.every((c) => c === 100)).toBe(true);
    ac.abort();
  });
});
