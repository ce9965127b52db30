/**
 * The layered queue contracts, after k8s.io/client-go/util/workqueue (Interface,
 * DelayingInterface, RateLimitingInterface) and controller-runtime pkg/controller/priorityqueue.
 * Durations are milliseconds.
 */

/** What {@link WorkQueue.get} yields: an item to process, or the end of the queue. */
export type GetResult<T> =
  { readonly shutdown: false; readonly item: T; readonly priority: number } | { readonly shutdown: true };

/** Options for adding an item to a priority queue. */
export interface AddOptions {
  /**
   * Higher is handed out first; FIFO among equal priorities. Default 0. Re-adding a queued item
   * with a higher priority promotes it (to the back of its new priority); a lower one is ignored.
   */
  priority?: number;
}

/**
 * A deduplicating work queue (client-go workqueue.Interface).
 *
 * - an item is handed to at most one worker at a time: added again while processing, it is held
 *   back and queued again when the worker calls {@link done};
 * - an item added several times before a worker gets it is handed out once;
 * - after {@link shutDown}, adds are ignored and `get` keeps handing out what is queued, then
 *   reports `shutdown: true`.
 */
export interface WorkQueue<T> {
  /** Marks `item` as needing processing. Ignored after shutdown. */
  add(item: T): void;
  /** Items ready to be handed out now (informational). */
  len(): number;
  /**
   * Waits for an item. The promise rejects with `signal.reason` if `signal` aborts first; an
   * aborted get never takes an item off the queue. Call {@link done} for every item received.
   */
  get(signal?: AbortSignal): Promise<GetResult<T>>;
  /** `get` without waiting: an item, `shutdown: true`, or undefined if nothing is ready yet. */
  tryGet(): GetResult<T> | undefined;
  /** Marks `item` finished; queues it again if it was re-added meanwhile. */
  done(item: T): void;
  /** Stops accepting items and wakes idle getters with `shutdown: true`. */
  shutDown(): void;
  /**
   * Like {@link shutDown}, then resolves once every handed-out item is done. Never resolves if a
   * worker never calls `done` — unless {@link shutDown} is called, which ends the wait.
   */
  shutDownWithDrain(): Promise<void>;
  /** Whether shutdown has begun. */
  shuttingDown(): boolean;
}

/** A work queue that can add items later (client-go DelayingInterface). */
export interface DelayingQueue<T> extends WorkQueue<T> {
  /**
   * Adds `item` after `delayMs` (≤ 0: now). An item already waiting keeps the earlier of its two
   * ready times; an item already queued stays queued.
   */
  addAfter(item: T, delayMs: number): void;
}

/** A delaying queue with per-item retry backoff (client-go RateLimitingInterface). */
export interface RateLimitingQueue<T> extends DelayingQueue<T> {
  /** `addAfter(item, rateLimiter.when(item))`. */
  addRateLimited(item: T): void;
  /** Clears the item's failure history in the rate limiter; `done` is still required. */
  forget(item: T): void;
  /** Failures recorded for `item` by the rate limiter. */
  numRequeues(item: T): number;
}

/**
 * A rate-limiting queue whose ready items are handed out by priority
 * (controller-runtime priorityqueue.PriorityQueue): the max of the priorities and the min of the
 * delays it was added with win.
 */
export interface PriorityQueue<T> extends RateLimitingQueue<T> {
  add(item: T, options?: AddOptions): void;
  addAfter(item: T, delayMs: number, options?: AddOptions): void;
  addRateLimited(item: T, options?: AddOptions): void;
}
