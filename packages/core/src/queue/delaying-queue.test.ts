import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../clock/index.js';
import { newDelayingQueue, type GetResult } from './index.js';
import { DelayHeap, type HeapNode } from './delay-heap.js';

function drain<T>(q: { tryGet(): GetResult<T> | undefined; done(x: T): void }): T[] {
  const out: T[] = [];
  for (let r = q.tryGet(); r && !r.shutdown; r = q.tryGet()) {
    out.push(r.item);
    q.done(r.item);
  }
  return out;
}

describe('DelayingQueue (client-go delaying_queue.go)', () => {
  it('adds an item once its delay has passed', () => {
    const clock = new FakeClock();
    const q = newDelayingQueue({ clock });
    q.addAfter('a', 50);
    expect(q.len()).toBe(0);
    clock.advance(49);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(drain(q)).toEqual(['a']);
  });

  it('delay ≤ 0 adds now', () => {
    const q = newDelayingQueue({ clock: new FakeClock() });
    q.addAfter('a', 0);
    q.addAfter('b', -5);
    expect(drain(q)).toEqual(['a', 'b']);
  });

  it('orders by ready time, FIFO for equal times', () => {
    const clock = new FakeClock();
    const q = newDelayingQueue({ clock });
    q.addAfter('c', 30);
    q.addAfter('a', 10);
    q.addAfter('b', 20);
    q.addAfter('a2', 10);
    clock.advance(100);
    expect(drain(q)).toEqual(['a', 'a2', 'b', 'c']);
  });

  it('a repeated addAfter only moves an item earlier', () => {
    const clock = new FakeClock();
    const q = newDelayingQueue({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 200); // later: ignored
    clock.advance(100);
    expect(drain(q)).toEqual(['a']);
    q.addAfter('b', 100);
    q.addAfter('b', 10); // earlier wins
    clock.advance(10);
    expect(drain(q)).toEqual(['b']);
    clock.advance(1000);
    expect(drain(q)).toEqual([]); // no second copy
  });

  it('an immediate add of a waiting item makes it ready now, once', () => {
    const clock = new FakeClock();
    const q = newDelayingQueue({ clock });
    q.addAfter('a', 100);
    q.add('a');
    expect(drain(q)).toEqual(['a']);
    clock.advance(200);
    expect(drain(q)).toEqual([]);
  });

  it('addAfter of an already queued item leaves it queued', () => {
    const clock = new FakeClock();
    const q = newDelayingQueue({ clock });
    q.add('a');
    q.addAfter('a', 100);
    expect(q.len()).toBe(1);
    expect(drain(q)).toEqual(['a']);
    clock.advance(200);
    expect(drain(q)).toEqual([]);
  });

  it('an item that becomes ready while processing is handed out after done', () => {
    const clock = new FakeClock();
    const q = newDelayingQueue({ clock });
    q.add('a');
    const r = q.tryGet();
    expect(r).toMatchObject({ item: 'a' });
    q.addAfter('a', 10);
    clock.advance(10);
    expect(q.tryGet()).toBeUndefined();
    q.done('a');
    expect(drain(q)).toEqual(['a']);
  });

  it('keeps a single timer for many waiting items', () => {
    const clock = new FakeClock();
    const q = newDelayingQueue({ clock });
    for (let i = 1000; i > 0; i--) q.addAfter(`k${i}`, i);
    expect(clock.waiterCount()).toBe(1);
    clock.advance(500);
    expect(q.len()).toBe(500);
    expect(clock.waiterCount()).toBe(1);
    clock.advance(500);
    expect(q.len()).toBe(1000);
    expect(clock.hasWaiters()).toBe(false);
  });

  it('wakes at least every 10 s (max wait), as upstream', () => {
    const clock = new FakeClock();
    const q = newDelayingQueue({ clock });
    q.addAfter('a', 60_000);
    expect(clock.nextTimerAt()).toBe(10_000);
    clock.advance(10_000);
    expect(clock.nextTimerAt()).toBe(20_000);
    clock.advance(50_000);
    expect(drain(q)).toEqual(['a']);
  });

  it('a waiting getter receives a delayed item', async () => {
    const clock = new FakeClock();
    const q = newDelayingQueue({ clock });
    const g = q.get();
    q.addAfter('a', 5);
    clock.advance(5);
    expect(await g).toMatchObject({ item: 'a', shutdown: false });
  });

  it('shutdown drops waiting items, cancels the timer and ignores addAfter', () => {
    const clock = new FakeClock();
    const q = newDelayingQueue({ clock });
    q.addAfter('a', 10);
    q.shutDown();
    expect(clock.hasWaiters()).toBe(false);
    q.addAfter('b', 10);
    clock.advance(100);
    expect(q.tryGet()).toEqual({ shutdown: true });
  });
});

describe('DelayHeap', () => {
  it('pops in (readyAt, seq) order under random fixes and removals', () => {
    interface N extends HeapNode {
      id: number;
    }
    const heap = new DelayHeap<N>();
    const nodes: N[] = [];
    let seed = 42;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const n: N = { id: i, readyAt: Math.floor(rand() * 500), seq: i, heapIndex: -1 };
      nodes.push(n);
      heap.push(n);
    }
    for (let i = 0; i < 500; i++) {
      const n = nodes[Math.floor(rand() * nodes.length)]!;
      if (n.heapIndex < 0) continue;
      if (i % 2) heap.remove(n);
      else {
        n.readyAt = Math.floor(rand() * 500);
        heap.fix(n);
      }
    }
    const popped: N[] = [];
    for (let n = heap.pop(); n; n = heap.pop()) popped.push(n);
    const expected = nodes
      .filter((n) => popped.includes(n))
      .sort((a, b) => a.readyAt - b.readyAt || a.seq - b.seq);
    expect(popped.map((n) => n.id)).toEqual(expected.map((n) => n.id));
  });
});
