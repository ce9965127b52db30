import type { DelayingQueue, PriorityQueue, RateLimitingQueue, WorkQueue } from './interfaces.js';
import { PriorityWorkQueue, type QueueOptions } from './priority-work-queue.js';
import type { RateLimiter } from './rate-limiters.js';

/** A plain deduplicating work queue (client-go workqueue.New). */
export function newWorkQueue<T = string>(options?: QueueOptions<T>): WorkQueue<T> {
  return new PriorityWorkQueue<T>(options);
}

/** A work queue with `addAfter` (client-go NewDelayingQueue). */
export function newDelayingQueue<T = string>(options?: QueueOptions<T>): DelayingQueue<T> {
  return new PriorityWorkQueue<T>(options);
}

/**
 * A rate-limited work queue (client-go NewTypedRateLimitingQueueWithConfig). `rateLimiter`
 * defaults to opkit's {@link defaultItemRateLimiter}.
 */
export function newRateLimitingQueue<T = string>(
  rateLimiter?: RateLimiter<T>,
  options: QueueOptions<T> = {},
): RateLimitingQueue<T> {
  return new PriorityWorkQueue<T>({ ...options, rateLimiter: rateLimiter ?? options.rateLimiter });
}

/** controller-runtime's priority queue (priorityqueue.New); opkit controllers' default queue. */
export function newPriorityQueue<T = string>(options?: QueueOptions<T>): PriorityQueue<T> {
  return new PriorityWorkQueue<T>(options);
}
