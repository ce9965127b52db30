/**
 * Exponential backoff with jitter that resets after a healthy stretch, as client-go's
 * wait.NewExponentialBackoffManager does for reflectors (800 ms → 30 s, ×2, reset after 2 min).
 */
import type { Clock } from './clock.js';

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First delay. Default 800 ms. */
  initialMs?: number;
  /** Largest delay. Default 30 s. */
  maxMs?: number;
  /** Growth per failure. Default 2. */
  factor?: number;
  /** Extra random fraction added to each delay (0.1 = up to +10%). Default 1.0, as client-go's reflector. */
  jitter?: number;
  /** A failure this long after the previous one starts again from `initialMs`. Default 2 min. */
  resetAfterMs?: number;
  /** Random source in [0, 1). Default Math.random. */
  random?: () => number;
}

/** Computes successive retry delays. */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly resetAfterMs: number;
  private readonly random: () => number;
  private current: number;
  private lastFailureAt = -Infinity;

  constructor(
    private readonly clock: Clock,
    opts: BackoffOptions = {},
  ) {
    this.initialMs = opts.initialMs ?? 800;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 1.0;
    this.resetAfterMs = opts.resetAfterMs ?? 120_000;
    this.random = opts.random ?? Math.random;
    this.current = this.initialMs;
  }

  /** The delay before the next retry; grows with each call unless the last was long ago. */
  next(): number {
    const now = this.clock.now();
    if (now - this.lastFailureAt >= this.resetAfterMs) this.current = this.initialMs;
    this.lastFailureAt = now;
    const base = this.current;
    this.current = Math.min(this.maxMs, this.current * this.factor);
    return Math.min(this.maxMs, base + base * this.jitter * this.random());
  }

  /** Starts again from the initial delay. */
  reset(): void {
    this.current = this.initialMs;
    this.lastFailureAt = -Infinity;
  }
}
