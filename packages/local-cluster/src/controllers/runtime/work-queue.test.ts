import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../controller-test-support.js';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('dedupes queued keys and keeps FIFO order', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands out a key being processed; re-adds it at done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    q.done(k as string);
    expect(q.length).toBe(1);
    expect(q.isIdle).toBe(false);
    q.done((await q.get()) as string);
    expect(q.isIdle).toBe(true);
  });

  it('addAfter waits on the clock and keeps the earliest time', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock);
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 200);
    clock.advance(49);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
    clock.advance(500);
    expect(q.length).toBe(1);
  });

  it('shutDown releases waiting getters', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.shutDown();
    expect(await pending).toBeUndefined();
    q.add('x');
    expect(q.length).toBe(0);
  });
});
