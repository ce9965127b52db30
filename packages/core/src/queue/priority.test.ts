import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../clock/index.js';
import { LOW_PRIORITY, lowPriorityWhenUnchanged, newPriorityQueue, type GetResult } from './index.js';

function drain<T>(q: { tryGet(): GetResult<T> | undefined; done(x: T): void }): Array<[T, number]> {
  const out: Array<[T, number]> = [];
  for (let r = q.tryGet(); r && !r.shutdown; r = q.tryGet()) {
    out.push([r.item, r.priority]);
    q.done(r.item);
  }
  return out;
}

describe('PriorityQueue (controller-runtime priorityqueue)', () => {
  it('hands out higher priorities first, FIFO within a priority', () => {
    const q = newPriorityQueue({ clock: new FakeClock() });
    q.add('low1', { priority: LOW_PRIORITY });
    q.add('mid1');
    q.add('high1', { priority: 10 });
    q.add('low2', { priority: LOW_PRIORITY });
    q.add('mid2');
    q.add('high2', { priority: 10 });
    expect(drain(q)).toEqual([
      ['high1', 10],
      ['high2', 10],
      ['mid1', 0],
      ['mid2', 0],
      ['low1', -100],
      ['low2', -100],
    ]);
  });

  it('promotes a re-added item to the back of its new priority; lower priority is ignored', () => {
    const q = newPriorityQueue({ clock: new FakeClock() });
    q.add('a', { priority: LOW_PRIORITY });
    q.add('b', { priority: LOW_PRIORITY });
    q.add('c');
    q.add('b'); // live event: -100 → 0, behind c
    q.add('c', { priority: LOW_PRIORITY }); // ignored
    expect(q.len()).toBe(3);
    expect(drain(q)).toEqual([
      ['c', 0],
      ['b', 0],
      ['a', -100],
    ]);
  });

  it('a promoted item is handed out exactly once', () => {
    const q = newPriorityQueue({ clock: new FakeClock() });
    q.add('a', { priority: 1 });
    q.add('a', { priority: 2 });
    q.add('a', { priority: 3 });
    expect(drain(q)).toEqual([['a', 3]]);
    q.add('a', { priority: 1 });
    expect(drain(q)).toEqual([['a', 1]]);
  });

  it('priority of an item held while processing applies when it is queued again', () => {
    const q = newPriorityQueue({ clock: new FakeClock() });
    q.add('a');
    const r = q.tryGet();
    expect(r).toMatchObject({ item: 'a' });
    q.add('a', { priority: LOW_PRIORITY });
    q.add('a', { priority: 5 });
    q.add('b', { priority: 1 });
    q.done('a');
    expect(drain(q)).toEqual([
      ['a', 5],
      ['b', 1],
    ]);
  });

  it('addAfter: min of delays and max of priorities; ready items join their lane when ready', () => {
    const clock = new FakeClock();
    const q = newPriorityQueue({ clock });
    q.addAfter('a', 100, { priority: LOW_PRIORITY });
    q.addAfter('a', 50, { priority: 2 });
    q.add('b');
    clock.advance(50);
    expect(drain(q)).toEqual([
      ['a', 2],
      ['b', 0],
    ]);
  });

  it('addRateLimited carries a priority', () => {
    const clock = new FakeClock();
    const q = newPriorityQueue({ clock });
    q.addRateLimited('a', { priority: 3 });
    q.add('b');
    clock.advance(5);
    expect(drain(q)).toEqual([
      ['a', 3],
      ['b', 0],
    ]);
  });

  it('a waiting getter gets the highest priority among items made ready together', async () => {
    const clock = new FakeClock();
    const q = newPriorityQueue({ clock });
    const g = q.get();
    await Promise.resolve();
    q.addAfter('low', 10, { priority: LOW_PRIORITY });
    q.addAfter('high', 10, { priority: 1 });
    clock.advance(10);
    expect(await g).toMatchObject({ item: 'high', priority: 1 });
    expect(drain(q)).toEqual([['low', LOW_PRIORITY]]);
  });
});

describe('lowPriorityWhenUnchanged', () => {
  it('lowers initial-list creates and resync updates only', () => {
    expect(lowPriorityWhenUnchanged({ type: 'create', isInInitialList: true })).toBe(LOW_PRIORITY);
    expect(lowPriorityWhenUnchanged({ type: 'create', isInInitialList: false })).toBeUndefined();
    expect(
      lowPriorityWhenUnchanged({ type: 'update', oldResourceVersion: '5', newResourceVersion: '5' }),
    ).toBe(LOW_PRIORITY);
    expect(
      lowPriorityWhenUnchanged({ type: 'update', oldResourceVersion: '5', newResourceVersion: '6' }),
    ).toBeUndefined();
    expect(lowPriorityWhenUnchanged({ type: 'delete' })).toBeUndefined();
    expect(lowPriorityWhenUnchanged({ type: 'generic' })).toBeUndefined();
  });
});
