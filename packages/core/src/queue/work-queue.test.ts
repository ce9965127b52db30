import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../clock/index.js';
import { newWorkQueue, PriorityWorkQueue, type GetResult } from './index.js';

function itemOf<T>(r: GetResult<T> | undefined): T {
  if (!r || r.shutdown) throw new Error(`expected an item, got ${JSON.stringify(r)}`);
  return r.item;
}

describe('WorkQueue basics (client-go queue.go)', () => {
  it('hands items out FIFO and dedupes while dirty', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(itemOf(await q.get())).toBe('a');
    expect(itemOf(q.tryGet())).toBe('b');
    expect(q.tryGet()).toBeUndefined();
    expect(q.len()).toBe(0);
  });

  it('never hands one item to two workers: re-add while processing waits for done', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    q.add('a');
    expect(itemOf(q.tryGet())).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    expect(q.tryGet()).toBeUndefined();
    q.add('b');
    expect(itemOf(q.tryGet())).toBe('b');
    q.done('a');
    expect(q.len()).toBe(1);
    expect(itemOf(q.tryGet())).toBe('a');
    q.done('a');
    q.done('b');
    expect(q.tryGet()).toBeUndefined();
  });

  it('done of an item not processing is ignored', () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    q.done('x');
    q.add('x');
    q.done('x'); // queued, not processing: stays queued
    expect(q.len()).toBe(1);
  });

  it('a waiting get is served by a later add, in FIFO order of getters', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    const g1 = q.get();
    const g2 = q.get();
    q.add('a');
    q.add('b');
    expect(itemOf(await g1)).toBe('a');
    expect(itemOf(await g2)).toBe('b');
  });

  it('a re-added item is handed to a waiting getter when done', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    q.add('a');
    itemOf(q.tryGet());
    q.add('a');
    const g = q.get();
    let resolved = false;
    void g.then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(false);
    q.done('a');
    expect(itemOf(await g)).toBe('a');
  });

  it('uses keyOf for identity and hands out the first item added under a key', () => {
    const q = new PriorityWorkQueue<{ ns: string; name: string; n: number }>({
      clock: new FakeClock(),
      keyOf: (o) => `${o.ns}/${o.name}`,
    });
    q.add({ ns: 'a', name: 'x', n: 1 });
    q.add({ ns: 'a', name: 'x', n: 2 });
    expect(q.len()).toBe(1);
    const got = itemOf(q.tryGet());
    expect(got.n).toBe(1);
    q.add({ ns: 'a', name: 'x', n: 3 });
    expect(q.len()).toBe(0);
    q.done({ ns: 'a', name: 'x', n: 99 });
    expect(itemOf(q.tryGet()).n).toBe(3);
  });
});

describe('shutdown', () => {
  it('ignores adds, keeps handing out queued items, then reports shutdown', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.shutDown();
    expect(q.shuttingDown()).toBe(true);
    q.add('c');
    expect(q.len()).toBe(2);
    expect(itemOf(await q.get())).toBe('a');
    expect(itemOf(await q.get())).toBe('b');
    expect(await q.get()).toEqual({ shutdown: true });
    expect(q.tryGet()).toEqual({ shutdown: true });
  });

  it('wakes every idle getter with shutdown', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    const gets = [q.get(), q.get(), q.get()];
    q.shutDown();
    expect(await Promise.all(gets)).toEqual([{ shutdown: true }, { shutdown: true }, { shutdown: true }]);
  });

  it('an item re-added before shutdown is still handed out after its done', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    q.add('a');
    itemOf(q.tryGet());
    q.add('a');
    q.shutDown();
    expect(q.tryGet()).toEqual({ shutdown: true });
    q.done('a');
    expect(itemOf(q.tryGet())).toBe('a');
  });

  it('shutDownWithDrain resolves only when every handed-out item is done', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    itemOf(q.tryGet());
    itemOf(q.tryGet());
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await Promise.resolve();
    expect(q.shuttingDown()).toBe(true);
    q.done('a');
    await Promise.resolve();
    expect(drained).toBe(false);
    q.done('b');
    await drain;
    expect(drained).toBe(true);
  });

  it('shutDownWithDrain resolves at once when nothing is processing', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    await q.shutDownWithDrain();
  });

  it('shutDown ends a pending drain', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    q.add('a');
    itemOf(q.tryGet());
    const drain = q.shutDownWithDrain();
    q.shutDown();
    await drain;
  });
});

describe('get cancellation', () => {
  it('rejects with the abort reason and does not take an item', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    const ac = new AbortController();
    const g = q.get(ac.signal);
    ac.abort(new Error('cancelled'));
    await expect(g).rejects.toThrow('cancelled');
    q.add('a');
    expect(q.len()).toBe(1);
    expect(itemOf(await q.get())).toBe('a');
  });

  it('an already-aborted signal rejects unless an item is ready', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    await expect(q.get(ac.signal)).rejects.toThrow('gone');
    q.add('a');
    expect(itemOf(await q.get(ac.signal))).toBe('a');
  });

  it('a cancelled getter is skipped and the item goes to the next getter', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    const ac = new AbortController();
    const g1 = q.get(ac.signal);
    const g2 = q.get();
    ac.abort();
    await expect(g1).rejects.toBeDefined();
    q.add('a');
    expect(itemOf(await g2)).toBe('a');
  });

  it('abort after the item was handed over keeps the item', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    const ac = new AbortController();
    const g = q.get(ac.signal);
    q.add('a');
    ac.abort();
    expect(itemOf(await g)).toBe('a');
  });

  it('many cancelled getters do not pile up', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    for (let i = 0; i < 1000; i++) {
      const ac = new AbortController();
      const g = q.get(ac.signal);
      ac.abort();
      await g.catch(() => undefined);
    }
    const g = q.get();
    q.add('x');
    expect(itemOf(await g)).toBe('x');
  });
});

describe('concurrent workers', () => {
  it('processes every key, never the same key twice at once', async () => {
    const q = newWorkQueue({ clock: new FakeClock() });
    const active = new Set<string>();
    const seen: string[] = [];
    let overlap = false;
    const worker = async (): Promise<void> => {
      for (;;) {
        const r = q.tryGet() ?? (await q.get());
        if (r.shutdown) return;
        if (active.has(r.item)) overlap = true;
        active.add(r.item);
        seen.push(r.item);
        await Promise.resolve();
        if (seen.length < 40) q.add(r.item); // re-add while processing
        active.delete(r.item);
        q.done(r.item);
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    for (let i = 0; i < 5; i++) q.add(`k${i}`);
    while (seen.length < 40) await new Promise((r) => setImmediate(r));
    await q.shutDownWithDrain();
    await Promise.all(workers);
    expect(overlap).toBe(false);
    expect(new Set(seen)).toEqual(new Set(['k0', 'k1', 'k2', 'k3', 'k4']));
  });
});
