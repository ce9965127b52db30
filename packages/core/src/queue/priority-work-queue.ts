import { realClock, type Clock, type ClockTimer } from '../clock/index.js';
import { DelayHeap, type HeapNode } from './delay-heap.js';
import type { AddOptions, GetResult, PriorityQueue } from './interfaces.js';
import { newQueueMetricsRecorder, type QueueMetricsProvider, type QueueMetricsRecorder } from './metrics.js';
import { defaultItemRateLimiter, identityKey, type KeyFunction, type RateLimiter } from './rate-limiters.js';
import { RingBuffer } from './ring-buffer.js';

/** Options of a work queue; every field has a default. */
export interface QueueOptions<T> {
  /** Names the queue in metrics; an unnamed queue records no metrics (as client-go). */
  name?: string;
  /** Time source for delays and metrics. Default: the real clock. */
  clock?: Clock;
  /**
   * Item identity for deduplication. Default: the item itself, which suits string keys such as
   * "namespace/name". With a custom key, the first item added under a key is the one handed out.
   */
  keyOf?: KeyFunction<T>;
  /** Used by `addRateLimited`. Default: {@link defaultItemRateLimiter} (exponential 5 ms → 1000 s). */
  rateLimiter?: RateLimiter<T>;
  /** Metrics sink. Default: none. */
  metricsProvider?: QueueMetricsProvider;
}

/**
 * The waiting loop wakes at least this often while items wait (client-go delaying_queue.go
 * maxWait) — insurance against a missed timer, and it keeps every timer far below setTimeout's
 * 2^31 ms limit.
 */
const MAX_WAIT_MS = 10_000;
/** client-go's defaultUnfinishedWorkUpdatePeriod. */
const UNFINISHED_WORK_UPDATE_PERIOD_MS = 500;

const SHUTDOWN: GetResult<never> = Object.freeze({ shutdown: true });

/** An item that is dirty: waiting for its delay, or ready. */
class Entry<T> implements HeapNode {
  readyAt = 0;
  seq = 0;
  /** ≥ 0 while waiting in the delay heap. */
  heapIndex = -1;
  /** In a ready lane (so ready, dirty and not processing). */
  queued = false;

  constructor(
    readonly item: T,
    readonly key: unknown,
    public priority: number,
  ) {}
}

interface Lane<T> {
  readonly priority: number;
  readonly fifo: RingBuffer<Entry<T>>;
}

interface Waiter<T> {
  resolve: (result: GetResult<T>) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  settled: boolean;
}

/**
 * opkit's work queue: one class implementing every layer — {@link WorkQueue} (client-go
 * queue.go), {@link DelayingQueue} (delaying_queue.go), {@link RateLimitingQueue}
 * (rate_limiting_queue.go) and {@link PriorityQueue} (controller-runtime priorityqueue).
 *
 * Semantics follow client-go (dirty set, processing set, drain on shutdown), with these choices
 * taken from controller-runtime's priority queue where the two differ:
 * - one record per item: an immediate add of a waiting item makes it ready now and cancels the
 *   pending delay (client-go would add it twice: now and when the delay ends);
 * - addAfter of an item that is already ready does nothing (beyond raising its priority);
 * - items that become ready are queued at that moment (FIFO by readiness time);
 * - the retries counter counts only adds with a positive delay.
 * Shutdown drops items that are still waiting for their delay, as client-go's stopped waiting loop
 * does.
 *
 * Single-threaded JS makes every operation atomic; waiting `get()` calls are served in FIFO order.
 */
export class PriorityWorkQueue<T = string> implements PriorityQueue<T> {
  private readonly clock: Clock;
  private readonly keyOf: KeyFunction<T>;
  private readonly rateLimiter: RateLimiter<T>;
  private readonly metrics: QueueMetricsRecorder;

  /** Dirty items by key: waiting, queued, or ready but held back while processing. */
  private readonly dirty = new Map<unknown, Entry<T>>();
  private readonly processing = new Set<unknown>();
  /** Ready lanes, highest priority first. */
  private readonly lanes: Lane<T>[] = [];
  private readonly laneByPriority = new Map<number, Lane<T>>();
  private lastLane: Lane<T> | undefined;
  private readyCount = 0;

  private readonly delayed = new DelayHeap<Entry<T>>();
  private delaySeq = 0;
  private timer: ClockTimer | undefined;
  private timerDueAt = Infinity;

  private readonly waiters = new RingBuffer<Waiter<T>>();
  private cancelledWaiters = 0;
  private drainWaiters: (() => void)[] = [];
  private metricsTimer: ClockTimer | undefined;
  private isShuttingDown = false;

  constructor(options: QueueOptions<T> = {}) {
    this.clock = options.clock ?? realClock;
    this.keyOf = options.keyOf ?? identityKey;
    this.rateLimiter = options.rateLimiter ?? defaultItemRateLimiter<T>({ keyOf: options.keyOf });
    this.metrics = newQueueMetricsRecorder(options.metricsProvider, options.name, this.clock);
    if (this.metrics.enabled) this.scheduleUnfinishedWorkUpdate();
  }

  add(item: T, options?: AddOptions): void {
    if (this.isShuttingDown) return;
    const priority = options?.priority ?? 0;
    const key = this.keyOf(item);
    const entry = this.dirty.get(key);
    if (entry === undefined) {
      const created = new Entry(item, key, priority);
      this.dirty.set(key, created);
      this.metrics.add(key, priority);
      if (!this.processing.has(key)) this.enqueue(created);
      return;
    }
    if (entry.heapIndex >= 0) {
      // Waiting → ready now; the earlier time wins.
      this.delayed.remove(entry);
      if (priority > entry.priority) entry.priority = priority;
      this.metrics.add(key, entry.priority);
      if (!this.processing.has(key)) this.enqueue(entry);
      return;
    }
    if (priority > entry.priority) this.promote(entry, priority);
  }

  addAfter(item: T, delayMs: number, options?: AddOptions): void {
    if (this.isShuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(item, options);
      return;
    }
    this.metrics.retry();
    const priority = options?.priority ?? 0;
    const readyAt = this.clock.now() + delayMs;
    const key = this.keyOf(item);
    const entry = this.dirty.get(key);
    if (entry === undefined) {
      const created = new Entry(item, key, priority);
      created.readyAt = readyAt;
      created.seq = this.delaySeq++;
      this.dirty.set(key, created);
      this.delayed.push(created);
      this.scheduleTimer();
      return;
    }
    if (entry.heapIndex < 0) {
      // Already ready: only the priority can change.
      if (priority > entry.priority) this.promote(entry, priority);
      return;
    }
    if (priority > entry.priority) entry.priority = priority;
    if (readyAt < entry.readyAt) {
      entry.readyAt = readyAt;
      this.delayed.fix(entry);
      this.scheduleTimer();
    }
  }

  addRateLimited(item: T, options?: AddOptions): void {
    // Checked first so a shut-down queue does not count a failure either.
    if (this.isShuttingDown) return;
    this.addAfter(item, this.rateLimiter.when(item), options);
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  len(): number {
    return this.readyCount;
  }

  tryGet(): GetResult<T> | undefined {
    if (this.readyCount > 0) return this.handOut();
    return this.isShuttingDown ? SHUTDOWN : undefined;
  }

  get(signal?: AbortSignal): Promise<GetResult<T>> {
    if (this.readyCount > 0) return Promise.resolve(this.handOut());
    if (this.isShuttingDown) return Promise.resolve(SHUTDOWN);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<GetResult<T>>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject, signal, onAbort: undefined, settled: false };
      if (signal) {
        waiter.onAbort = () => {
          if (waiter.settled) return;
          waiter.settled = true;
          this.cancelledWaiters++;
          if (this.cancelledWaiters > 32 && this.cancelledWaiters * 2 > this.waiters.length) {
            this.compactWaiters();
          }
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  done(item: T): void {
    const key = this.keyOf(item);
    if (!this.processing.delete(key)) return;
    this.metrics.done(key);
    const entry = this.dirty.get(key);
    if (entry !== undefined && entry.heapIndex < 0) this.enqueue(entry);
    if (this.processing.size === 0 && this.drainWaiters.length > 0) this.releaseDrainWaiters();
  }

  shutDown(): void {
    this.beginShutdown();
    // Also ends a pending shutDownWithDrain, as client-go's ShutDown after ShutDownWithDrain does.
    this.releaseDrainWaiters();
  }

  shutDownWithDrain(): Promise<void> {
    this.beginShutdown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.isShuttingDown;
  }

  private beginShutdown(): void {
    if (this.isShuttingDown) return;
    this.isShuttingDown = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerDueAt = Infinity;
    this.delayed.clear((entry) => this.dirty.delete(entry.key));
    this.metricsTimer?.cancel();
    this.metricsTimer = undefined;
    // Waiters only exist while nothing is ready, so every one of them is told to stop.
    for (let w = this.waiters.shift(); w !== undefined; w = this.waiters.shift()) {
      this.settle(w, SHUTDOWN);
    }
    this.cancelledWaiters = 0;
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Puts a ready, not-processing entry in its lane and serves a waiting getter if any. */
  private enqueue(entry: Entry<T>, serve = true): void {
    entry.queued = true;
    this.readyCount++;
    this.laneFor(entry.priority).fifo.push(entry);
    if (serve && this.waiters.length > 0) this.serveWaiters();
  }

  private promote(entry: Entry<T>, priority: number): void {
    this.metrics.changePriority(entry.priority, priority);
    entry.priority = priority;
    // The reference left in the old lane goes stale (its priority no longer matches) and is
    // skipped when reached, so promotion is O(1).
    if (entry.queued) this.laneFor(priority).fifo.push(entry);
  }

  private laneFor(priority: number): Lane<T> {
    const last = this.lastLane;
    if (last !== undefined && last.priority === priority) return last;
    let lane = this.laneByPriority.get(priority);
    if (lane === undefined) {
      lane = { priority, fifo: new RingBuffer<Entry<T>>() };
      this.laneByPriority.set(priority, lane);
      let i = 0;
      while (i < this.lanes.length && this.lanes[i]!.priority > priority) i++;
      this.lanes.splice(i, 0, lane);
    }
    this.lastLane = lane;
    return lane;
  }

  /** Takes the next ready entry (readyCount > 0) and moves it to processing. */
  private handOut(): GetResult<T> {
    for (const lane of this.lanes) {
      const fifo = lane.fifo;
      for (let entry = fifo.shift(); entry !== undefined; entry = fifo.shift()) {
        if (!entry.queued || entry.priority !== lane.priority) continue; // stale after promotion
        entry.queued = false;
        this.readyCount--;
        this.dirty.delete(entry.key);
        this.processing.add(entry.key);
        this.metrics.get(entry.key, entry.priority);
        return { shutdown: false, item: entry.item, priority: entry.priority };
      }
    }
    throw new Error('work queue invariant violated: readyCount > 0 but no ready entry');
  }

  private serveWaiters(): void {
    while (this.readyCount > 0) {
      const waiter = this.waiters.shift();
      if (waiter === undefined) return;
      if (waiter.settled) {
        this.cancelledWaiters--;
        continue;
      }
      this.settle(waiter, this.handOut());
    }
  }

  private settle(waiter: Waiter<T>, result: GetResult<T>): void {
    if (waiter.settled) return;
    waiter.settled = true;
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(result);
  }

  private compactWaiters(): void {
    const live: Waiter<T>[] = [];
    for (let w = this.waiters.shift(); w !== undefined; w = this.waiters.shift()) {
      if (!w.settled) live.push(w);
    }
    for (const w of live) this.waiters.push(w);
    this.cancelledWaiters = 0;
  }

  /** Keeps one timer armed for the earliest waiting item (or the max-wait heartbeat). */
  private scheduleTimer(): void {
    const top = this.delayed.peek();
    if (top === undefined) return;
    if (this.timer !== undefined && this.timerDueAt <= top.readyAt) return;
    this.timer?.cancel();
    const now = this.clock.now();
    const delay = Math.min(Math.max(0, top.readyAt - now), MAX_WAIT_MS);
    this.timerDueAt = now + delay;
    this.timer = this.clock.setTimer(() => this.onTimer(), delay);
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerDueAt = Infinity;
    if (this.isShuttingDown) return;
    const now = this.clock.now();
    for (let top = this.delayed.peek(); top !== undefined && top.readyAt <= now; top = this.delayed.peek()) {
      this.delayed.pop();
      this.metrics.add(top.key, top.priority);
      // Lane every item that fell due before serving getters, so they get the highest priority.
      if (!this.processing.has(top.key)) this.enqueue(top, false);
    }
    if (this.waiters.length > 0) this.serveWaiters();
    this.scheduleTimer();
  }

  private scheduleUnfinishedWorkUpdate(): void {
    this.metricsTimer = this.clock.setTimer(
      () => {
        if (this.isShuttingDown) return;
        this.metrics.updateUnfinishedWork();
        this.scheduleUnfinishedWorkUpdate();
      },
      UNFINISHED_WORK_UPDATE_PERIOD_MS,
      { unref: true },
    );
  }
}
