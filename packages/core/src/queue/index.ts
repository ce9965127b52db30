/**
 * The work queue between event handlers and reconcilers: deduplicating, delaying, rate-limited and
 * prioritised — opkit's copy of k8s.io/client-go/util/workqueue and controller-runtime's
 * priorityqueue. Start with {@link newPriorityQueue} (what controllers use) and drive it with
 * `tryGet() ?? await get(signal)` / `done(item)`.
 */
export type {
  AddOptions,
  DelayingQueue,
  GetResult,
  PriorityQueue,
  RateLimitingQueue,
  WorkQueue,
} from './interfaces.js';
export { PriorityWorkQueue, type QueueOptions } from './priority-work-queue.js';
export { newDelayingQueue, newPriorityQueue, newRateLimitingQueue, newWorkQueue } from './factories.js';
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  WithMaxWaitRateLimiter,
  defaultControllerRateLimiter,
  defaultItemRateLimiter,
  identityKey,
  type KeyFunction,
  type RateLimiter,
} from './rate-limiters.js';
export {
  noopQueueMetricsProvider,
  type CounterMetric,
  type DepthMetricWithPriority,
  type HistogramMetric,
  type QueueMetricsProvider,
  type SettableGaugeMetric,
} from './metrics.js';
export { PrometheusQueueMetricsProvider } from './prometheus-metrics.js';
export { LOW_PRIORITY, lowPriorityWhenUnchanged, type PrioritizedEvent } from './low-priority.js';
