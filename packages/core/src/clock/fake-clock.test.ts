import { describe, expect, it } from '@jest/globals';
import { FakeClock, RealClock, sleep } from './index.js';

describe('FakeClock', () => {
  it('fires due timers in due order with now() at their due time', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimer(() => fired.push(`a2@${clock.now()}`), 10);
    expect(clock.hasWaiters()).toBe(true);
    expect(clock.nextTimerAt()).toBe(1010);
    clock.advance(15);
    expect(fired).toEqual(['a@1010', 'a2@1010']);
    expect(clock.now()).toBe(1015);
    clock.advance(5);
    expect(fired).toEqual(['a@1010', 'a2@1010', 'b@1020']);
    expect(clock.hasWaiters()).toBe(false);
  });

  it('fires timers scheduled by callbacks within the same advance', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const tick = (): void => {
      fired.push(clock.now());
      if (fired.length < 3) clock.setTimer(tick, 10);
    };
    clock.setTimer(tick, 10);
    clock.advance(100);
    expect(fired).toEqual([10, 20, 30]);
  });

  it('cancel removes a timer', () => {
    const clock = new FakeClock();
    let fired = false;
    const t = clock.setTimer(() => (fired = true), 5);
    t.cancel();
    t.cancel();
    clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.waiterCount()).toBe(0);
  });

  it('sleep resolves on advanceAsync and rejects on abort', async () => {
    const clock = new FakeClock();
    let done = false;
    const p = sleep(clock, 50).then(() => (done = true));
    await clock.advanceAsync(49);
    expect(done).toBe(false);
    await clock.advanceAsync(1);
    await p;
    expect(done).toBe(true);

    const ac = new AbortController();
    const q = sleep(clock, 50, ac.signal);
    ac.abort(new Error('stop'));
    await expect(q).rejects.toThrow('stop');
    expect(clock.hasWaiters()).toBe(false);
  });
});

describe('RealClock', () => {
  it('is monotonic and close to Date.now()', () => {
    const clock = new RealClock();
    const a = clock.now();
    const b = clock.now();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(a - Date.now())).toBeLessThan(1000);
  });

  it('runs a zero-delay timer', async () => {
    const clock = new RealClock();
    await new Promise<void>((resolve) => clock.setTimer(resolve, 0, { unref: true }));
  });
});
