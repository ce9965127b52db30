import type { Clock, ClockTimer } from './clock.js';

interface FakeTimer {
  readonly dueAt: number;
  readonly seq: number;
  readonly callback: () => void;
  active: boolean;
}

/**
 * A clock that only moves when told to, for tests (k8s.io/utils/clock/testing's FakeClock).
 * Timers fire inside {@link FakeClock.advance}, in due-time order (ties in creation order), with
 * `now()` set to each timer's due time while its callback runs.
 */
export class FakeClock implements Clock {
  private current: number;
  private timers: FakeTimer[] = [];
  private seq = 0;

  /** @param startMs the initial value of `now()`. */
  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): ClockTimer {
    const timer: FakeTimer = {
      dueAt: this.current + Math.max(0, Number.isFinite(delayMs) ? delayMs : Number.MAX_VALUE),
      seq: this.seq++,
      callback,
      active: true,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        if (!timer.active) return;
        timer.active = false;
        this.timers.splice(this.timers.indexOf(timer), 1);
      },
    };
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due (including ones scheduled by
   * callbacks during this call) synchronously.
   */
  advance(ms: number): void {
    this.advanceTo(this.current + Math.max(0, ms));
  }

  /** Moves time to `target` (never backwards), firing due timers synchronously. */
  advanceTo(target: number): void {
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) this.fire(timer);
    if (target > this.current) this.current = target;
  }

  /**
   * Like {@link advance}, but lets promise continuations and immediates run after each timer fires,
   * so async code woken by one timer can schedule the next before time moves past it.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + Math.max(0, ms);
    await flushEventLoop();
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.fire(timer);
      await flushEventLoop();
    }
    if (target > this.current) this.current = target;
  }

  /** Whether any timer is pending. */
  hasWaiters(): boolean {
    return this.timers.length > 0;
  }

  /** The number of pending timers. */
  waiterCount(): number {
    return this.timers.length;
  }

  /** The due time of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    return this.earliest()?.dueAt;
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (!best || t.dueAt < best.dueAt || (t.dueAt === best.dueAt && t.seq < best.seq)) best = t;
    }
    return best;
  }

  private nextDue(target: number): FakeTimer | undefined {
    const t = this.earliest();
    return t && t.dueAt <= target ? t : undefined;
  }

  private fire(timer: FakeTimer): void {
    timer.active = false;
    this.timers.splice(this.timers.indexOf(timer), 1);
    if (timer.dueAt > this.current) this.current = timer.dueAt;
    timer.callback();
  }
}

function flushEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
