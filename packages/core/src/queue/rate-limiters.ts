/**
 * Retry-delay policies for a work queue, after k8s.io/client-go/util/workqueue
 * default_rate_limiters.go. All durations are milliseconds.
 */
import { realClock, type Clock } from '../clock/index.js';

/** Maps a queue item to the value that identifies it (Map key semantics). */
export type KeyFunction<T> = (item: T) => unknown;

/** The default key: the item itself (value identity for strings and numbers). */
export const identityKey = <T>(item: T): unknown => item;

/** Decides how long an item waits before it is retried (client-go's TypedRateLimiter). */
export interface RateLimiter<T = string> {
  /** The delay in ms before `item` may be processed again; records one more failure. */
  when(item: T): number;
  /** Stops tracking `item` (after success, or giving up). Does not replace the queue's `done`. */
  forget(item: T): void;
  /** How many failures are recorded for `item`. */
  numRequeues(item: T): number;
}

/**
 * Per-item exponential backoff: `baseDelayMs · 2^failures`, capped at `maxDelayMs`
 * (client-go ItemExponentialFailureRateLimiter). Failure counts live until {@link forget}.
 */
export class ItemExponentialFailureRateLimiter<T = string> implements RateLimiter<T> {
  private readonly failures = new Map<unknown, number>();

  /**
   * @param baseDelayMs delay after the first failure (default 5 ms)
   * @param maxDelayMs cap (default 1000 s)
   * @param keyOf item identity (default: the item itself)
   */
  constructor(
    private readonly baseDelayMs = 5,
    private readonly maxDelayMs = 1_000_000,
    private readonly keyOf: KeyFunction<T> = identityKey,
  ) {}

  when(item: T): number {
    const key = this.keyOf(item);
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    // 2^exp overflows to Infinity for large exp; the cap handles it, as upstream guards MaxInt64.
    const backoff = this.baseDelayMs * 2 ** exp;
    return backoff > this.maxDelayMs || !Number.isFinite(backoff) ? this.maxDelayMs : backoff;
  }

  forget(item: T): void {
    this.failures.delete(this.keyOf(item));
  }

  numRequeues(item: T): number {
    return this.failures.get(this.keyOf(item)) ?? 0;
  }
}

/**
 * `fastDelayMs` for the first `maxFastAttempts` failures of an item, `slowDelayMs` after
 * (client-go ItemFastSlowRateLimiter).
 */
export class ItemFastSlowRateLimiter<T = string> implements RateLimiter<T> {
  private readonly failures = new Map<unknown, number>();

  constructor(
    private readonly fastDelayMs: number,
    private readonly slowDelayMs: number,
    private readonly maxFastAttempts: number,
    private readonly keyOf: KeyFunction<T> = identityKey,
  ) {}

  when(item: T): number {
    const key = this.keyOf(item);
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    return failures <= this.maxFastAttempts ? this.fastDelayMs : this.slowDelayMs;
  }

  forget(item: T): void {
    this.failures.delete(this.keyOf(item));
  }

  numRequeues(item: T): number {
    return this.failures.get(this.keyOf(item)) ?? 0;
  }
}

/**
 * An overall (not per-item) token bucket: `qps` tokens per second, at most `burst` stored, starting
 * full. `when()` reserves one token and returns how long until it is available — the semantics of
 * golang.org/x/time/rate `Limiter.Reserve().Delay()` used by client-go's BucketRateLimiter:
 * reservations may go into debt, so successive calls return growing delays (1/qps apart).
 */
export class BucketRateLimiter<T = string> implements RateLimiter<T> {
  private tokens: number;
  private last: number;

  /**
   * @param qps refill rate in tokens per second (default 10; `Infinity` = unlimited)
   * @param burst bucket size (default 100)
   */
  constructor(
    private readonly qps = 10,
    private readonly burst = 100,
    private readonly clock: Clock = realClock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_item?: T): number {
    if (this.qps === Infinity) return 0;
    const now = this.clock.now();
    // advance: refill for the time since the last reservation, capped at burst (rate.Limiter.advance)
    const last = Math.min(this.last, now);
    const elapsedSeconds = (now - last) / 1000;
    let tokens = Math.min(this.burst, this.tokens + elapsedSeconds * this.qps);
    tokens -= 1;
    // A reservation bigger than the bucket can never succeed; x/time/rate's Delay() then reports
    // InfDuration.
    if (this.burst < 1) return Infinity;
    let waitMs = 0;
    if (tokens < 0) {
      if (this.qps <= 0) return Infinity;
      // durationFromTokens truncates to whole nanoseconds; keeps 0.1·3 from printing as 300.00000000000006
      waitMs = Math.trunc((-tokens / this.qps) * 1e9) / 1e6;
    }
    this.last = now;
    this.tokens = tokens;
    return waitMs;
  }

  forget(_item?: T): void {}

  numRequeues(_item?: T): number {
    return 0;
  }
}

/**
 * Asks every limiter and returns the longest delay (client-go MaxOfRateLimiter). With a token
 * bucket inside, the burst can appear exceeded when some items were separately delayed longer.
 */
export class MaxOfRateLimiter<T = string> implements RateLimiter<T> {
  private readonly limiters: readonly RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }

  when(item: T): number {
    let max = 0;
    for (const limiter of this.limiters) max = Math.max(max, limiter.when(item));
    return max;
  }

  forget(item: T): void {
    for (const limiter of this.limiters) limiter.forget(item);
  }

  numRequeues(item: T): number {
    let max = 0;
    for (const limiter of this.limiters) max = Math.max(max, limiter.numRequeues(item));
    return max;
  }
}

/** Caps another limiter's delay at `maxDelayMs` (client-go WithMaxWaitRateLimiter). */
export class WithMaxWaitRateLimiter<T = string> implements RateLimiter<T> {
  constructor(
    private readonly limiter: RateLimiter<T>,
    private readonly maxDelayMs: number,
  ) {}

  when(item: T): number {
    return Math.min(this.limiter.when(item), this.maxDelayMs);
  }

  forget(item: T): void {
    this.limiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.limiter.numRequeues(item);
  }
}

/**
 * client-go's DefaultControllerRateLimiter: max(per-item exponential 5 ms → 1000 s, overall token
 * bucket 10 qps / burst 100). controller-runtime used it until its priority queue became the default.
 */
export function defaultControllerRateLimiter<T = string>(
  options: { clock?: Clock; keyOf?: KeyFunction<T> } = {},
): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter<T>(5, 1_000_000, options.keyOf),
    new BucketRateLimiter<T>(10, 100, options.clock),
  );
}

/**
 * controller-runtime ≥0.23's default (pkg/controller/priorityqueue `New`): per-item exponential
 * 5 ms → 1000 s only, no token bucket.
 *
 * **opkit's queues use this one by default.** The shared bucket lets one burst of failing objects
 * (e.g. 100 errors during a webhook outage) delay every other object's retry by seconds, while the
 * per-item backoff already keeps a failing object from hot-looping; controller-runtime dropped the
 * bucket for the same reason. Pass `defaultControllerRateLimiter()` to get client-go's behaviour.
 */
export function defaultItemRateLimiter<T = string>(options: { keyOf?: KeyFunction<T> } = {}): RateLimiter<T> {
  return new ItemExponentialFailureRateLimiter<T>(5, 1_000_000, options.keyOf);
}
