import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../clock/index.js';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  WithMaxWaitRateLimiter,
  defaultControllerRateLimiter,
  defaultItemRateLimiter,
  newRateLimitingQueue,
} from './index.js';

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles from 5 ms per failure, per item, and forget resets', () => {
    const rl = new ItemExponentialFailureRateLimiter();
    expect([1, 2, 3, 4, 5].map(() => rl.when('a'))).toEqual([5, 10, 20, 40, 80]);
    expect(rl.numRequeues('a')).toBe(5);
    expect(rl.when('b')).toBe(5);
    rl.forget('a');
    expect(rl.numRequeues('a')).toBe(0);
    expect(rl.when('a')).toBe(5);
  });

  it('caps at 1000 s and survives huge exponents', () => {
    const rl = new ItemExponentialFailureRateLimiter();
    const delays: number[] = [];
    for (let i = 0; i < 2000; i++) delays.push(rl.when('a'));
    expect(delays[17]).toBe(5 * 2 ** 17); // 655.36 s
    expect(delays[18]).toBe(1_000_000);
    expect(delays[1999]).toBe(1_000_000);
  });

  it('supports custom base and max (client-go test values)', () => {
    const rl = new ItemExponentialFailureRateLimiter(1, 1000);
    expect([1, 2, 3, 4, 5].map(() => rl.when('one'))).toEqual([1, 2, 4, 8, 16]);
    for (let i = 0; i < 10; i++) rl.when('one');
    expect(rl.when('one')).toBe(1000);
  });
});

describe('ItemFastSlowRateLimiter', () => {
  it('is fast for maxFastAttempts, then slow', () => {
    const rl = new ItemFastSlowRateLimiter(5, 10_000, 3);
    expect([1, 2, 3, 4, 5].map(() => rl.when('a'))).toEqual([5, 5, 5, 10_000, 10_000]);
    expect(rl.numRequeues('a')).toBe(5);
    rl.forget('a');
    expect(rl.when('a')).toBe(5);
  });
});

describe('BucketRateLimiter (x/time/rate Reserve semantics)', () => {
  it('allows a burst of 100, then spaces by 100 ms at 10 qps', () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter(10, 100, clock);
    for (let i = 0; i < 100; i++) expect(rl.when('x')).toBe(0);
    expect(rl.when('x')).toBe(100);
    expect(rl.when('x')).toBe(200);
    expect(rl.when('x')).toBe(300);
    expect(rl.numRequeues('x')).toBe(0);
  });

  it('refills with time, up to the burst', () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter(10, 100, clock);
    for (let i = 0; i < 101; i++) rl.when('x'); // one token in debt
    clock.advance(100);
    expect(rl.when('x')).toBe(100); // debt repaid, now one more owed
    clock.advance(60_000);
    for (let i = 0; i < 100; i++) expect(rl.when('x')).toBe(0);
    expect(rl.when('x')).toBe(100);
  });

  it('unlimited qps never waits; zero burst never allows', () => {
    expect(new BucketRateLimiter(Infinity, 0, new FakeClock()).when('x')).toBe(0);
    expect(new BucketRateLimiter(10, 0, new FakeClock()).when('x')).toBe(Infinity);
  });
});

describe('MaxOfRateLimiter and defaults', () => {
  it('returns the worst delay and forwards forget/numRequeues', () => {
    const clock = new FakeClock();
    const rl = new MaxOfRateLimiter(
      new ItemFastSlowRateLimiter(5, 3000, 3),
      new ItemExponentialFailureRateLimiter(1, 1000),
    );
    expect([1, 2, 3, 4, 5, 6].map(() => rl.when('a'))).toEqual([5, 5, 5, 3000, 3000, 3000]);
    expect(rl.numRequeues('a')).toBe(6);
    rl.forget('a');
    expect(rl.numRequeues('a')).toBe(0);
    void clock;
  });

  it('defaultControllerRateLimiter = max(exponential, bucket 10/100)', () => {
    const clock = new FakeClock();
    const rl = defaultControllerRateLimiter({ clock });
    expect(rl.when('a')).toBe(5);
    expect(rl.when('a')).toBe(10);
    for (let i = 0; i < 98; i++) expect(rl.when(`k${i}`)).toBe(5);
    expect(rl.when('z')).toBe(100); // bucket exhausted: 100 ms beats 5 ms
  });

  it('defaultItemRateLimiter is exponential only', () => {
    const rl = defaultItemRateLimiter();
    for (let i = 0; i < 500; i++) expect(rl.when(`k${i}`)).toBe(5);
  });

  it('WithMaxWaitRateLimiter caps the delay', () => {
    const rl = new WithMaxWaitRateLimiter(new ItemExponentialFailureRateLimiter(1000, 100_000), 3000);
    expect([1, 2, 3].map(() => rl.when('a'))).toEqual([1000, 2000, 3000]);
    expect(rl.numRequeues('a')).toBe(3);
  });
});

describe('RateLimitingQueue', () => {
  it('addRateLimited delays per the limiter; forget resets; numRequeues reads it', () => {
    const clock = new FakeClock();
    const q = newRateLimitingQueue(new ItemExponentialFailureRateLimiter(5, 1000), { clock });
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(1);
    clock.advance(4);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.tryGet()).toMatchObject({ item: 'a' });
    q.addRateLimited('a'); // 10 ms, held while processing
    q.done('a');
    clock.advance(9);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.numRequeues('a')).toBe(2);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('defaults to the exponential limiter', () => {
    const clock = new FakeClock();
    const q = newRateLimitingQueue<string>(undefined, { clock });
    q.addRateLimited('a');
    clock.advance(5);
    expect(q.len()).toBe(1);
  });
});
