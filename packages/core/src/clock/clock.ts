/**
 * Time as opkit's runtime sees it: `now()` plus one-shot timers. Everything that waits (the work
 * queue's delays, backoffs, leader election) takes a `Clock`, so tests can swap in a `FakeClock`
 * and move time deterministically instead of sleeping — as k8s.io/utils/clock does for client-go.
 */

/** A scheduled callback; `cancel()` is idempotent and safe after the timer has fired. */
export interface ClockTimer {
  cancel(): void;
}

/** Options for {@link Clock.setTimer}. */
export interface TimerOptions {
  /**
   * Do not keep the Node.js process alive just for this timer (Node's `timer.unref()`).
   * Only meaningful for {@link RealClock}. Default false.
   */
  unref?: boolean;
}

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds on a monotonic timeline (RealClock: epoch-aligned, fractional). */
  now(): number;
  /** Calls `callback` once, `delayMs` (clamped to ≥ 0) after now. */
  setTimer(callback: () => void, delayMs: number, options?: TimerOptions): ClockTimer;
}

// setTimeout fires immediately for delays above 2^31-1 ms (~24.8 days), so longer timers are
// re-armed in chunks.
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * The process clock. `now()` is `performance.timeOrigin + performance.now()`: monotonic (immune to
 * wall-clock steps, like Go's monotonic reading) yet close to `Date.now()`.
 */
export class RealClock implements Clock {
  now(): number {
    return performance.timeOrigin + performance.now();
  }

  setTimer(callback: () => void, delayMs: number, options: TimerOptions = {}): ClockTimer {
    const dueAt = this.now() + Math.max(0, delayMs);
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = (): void => {
      const remaining = Math.max(0, dueAt - this.now());
      const capped = remaining > MAX_TIMEOUT_MS;
      handle = setTimeout(
        () => {
          if (capped) {
            arm();
            return;
          }
          handle = undefined;
          if (!cancelled) callback();
        },
        capped ? MAX_TIMEOUT_MS : remaining,
      );
      if (options.unref) handle.unref();
    };
    arm();
    return {
      cancel: () => {
        cancelled = true;
        if (handle !== undefined) clearTimeout(handle);
        handle = undefined;
      },
    };
  }
}

/** A shared RealClock for callers that take no clock. */
export const realClock: Clock = new RealClock();

/**
 * Resolves after `ms` on `clock`; rejects with `signal.reason` when `signal` aborts first.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
