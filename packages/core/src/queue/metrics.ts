/**
 * Metrics hooks of the work queue, after k8s.io/client-go/util/workqueue metrics.go and
 * controller-runtime pkg/internal/metrics/workqueue.go (whose depth gauge carries a priority).
 */
import type { Clock } from '../clock/index.js';

/** A value that only goes up. */
export interface CounterMetric {
  inc(): void;
}

/** A value that is set outright. */
export interface SettableGaugeMetric {
  set(value: number): void;
}

/** Records individual observations (seconds, for the queue). */
export interface HistogramMetric {
  observe(value: number): void;
}

/** A gauge split by item priority (controller-runtime's DepthMetricWithPriority). */
export interface DepthMetricWithPriority {
  inc(priority: number): void;
  dec(priority: number): void;
}

/**
 * Creates the metrics of one named queue (client-go MetricsProvider, with controller-runtime's
 * priority-aware depth). A provider may be shared by many queues; `name` tells them apart.
 */
export interface QueueMetricsProvider {
  /** Items ready to be handed out (dirty, not yet gotten), by priority. */
  newDepthMetric(name: string): DepthMetricWithPriority;
  /** Adds that made an item newly dirty. */
  newAddsMetric(name: string): CounterMetric;
  /** Seconds from an item becoming ready to being handed out. */
  newLatencyMetric(name: string): HistogramMetric;
  /** Seconds from hand-out to `done`. */
  newWorkDurationMetric(name: string): HistogramMetric;
  /** Sum of the ages of in-flight items, refreshed every 500 ms. */
  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric;
  /** Age of the oldest in-flight item, refreshed every 500 ms. */
  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric;
  /** Delayed adds (addAfter / addRateLimited with a positive delay). */
  newRetriesMetric(name: string): CounterMetric;
}

const noopMetric = {
  inc(): void {},
  dec(): void {},
  set(): void {},
  observe(): void {},
};

/** Records nothing; the default. */
export const noopQueueMetricsProvider: QueueMetricsProvider = {
  newDepthMetric: () => noopMetric,
  newAddsMetric: () => noopMetric,
  newLatencyMetric: () => noopMetric,
  newWorkDurationMetric: () => noopMetric,
  newUnfinishedWorkSecondsMetric: () => noopMetric,
  newLongestRunningProcessorSecondsMetric: () => noopMetric,
  newRetriesMetric: () => noopMetric,
};

/** What the queue reports; keyed by item key. @internal */
export interface QueueMetricsRecorder {
  readonly enabled: boolean;
  add(key: unknown, priority: number): void;
  get(key: unknown, priority: number): void;
  done(key: unknown): void;
  changePriority(from: number, to: number): void;
  retry(): void;
  updateUnfinishedWork(): void;
}

const noopRecorder: QueueMetricsRecorder = {
  enabled: false,
  add() {},
  get() {},
  done() {},
  changePriority() {},
  retry() {},
  updateUnfinishedWork() {},
};

/** The bookkeeping of client-go's defaultQueueMetrics. @internal */
class DefaultQueueMetricsRecorder implements QueueMetricsRecorder {
  readonly enabled = true;
  private readonly depth: DepthMetricWithPriority;
  private readonly adds: CounterMetric;
  private readonly latency: HistogramMetric;
  private readonly workDuration: HistogramMetric;
  private readonly unfinishedWorkSeconds: SettableGaugeMetric;
  private readonly longestRunningProcessor: SettableGaugeMetric;
  private readonly retries: CounterMetric;
  private readonly addTimes = new Map<unknown, number>();
  private readonly processingStartTimes = new Map<unknown, number>();

  constructor(
    provider: QueueMetricsProvider,
    name: string,
    private readonly clock: Clock,
  ) {
    this.depth = provider.newDepthMetric(name);
    this.adds = provider.newAddsMetric(name);
    this.latency = provider.newLatencyMetric(name);
    this.workDuration = provider.newWorkDurationMetric(name);
    this.unfinishedWorkSeconds = provider.newUnfinishedWorkSecondsMetric(name);
    this.longestRunningProcessor = provider.newLongestRunningProcessorSecondsMetric(name);
    this.retries = provider.newRetriesMetric(name);
  }

  add(key: unknown, priority: number): void {
    this.adds.inc();
    this.depth.inc(priority);
    if (!this.addTimes.has(key)) this.addTimes.set(key, this.clock.now());
  }

  get(key: unknown, priority: number): void {
    this.depth.dec(priority);
    const now = this.clock.now();
    this.processingStartTimes.set(key, now);
    const addedAt = this.addTimes.get(key);
    if (addedAt !== undefined) {
      this.latency.observe((now - addedAt) / 1000);
      this.addTimes.delete(key);
    }
  }

  done(key: unknown): void {
    const startedAt = this.processingStartTimes.get(key);
    if (startedAt !== undefined) {
      this.workDuration.observe((this.clock.now() - startedAt) / 1000);
      this.processingStartTimes.delete(key);
    }
  }

  changePriority(from: number, to: number): void {
    this.depth.dec(from);
    this.depth.inc(to);
  }

  retry(): void {
    this.retries.inc();
  }

  updateUnfinishedWork(): void {
    const now = this.clock.now();
    let total = 0;
    let oldest = 0;
    for (const startedAt of this.processingStartTimes.values()) {
      const age = (now - startedAt) / 1000;
      total += age;
      if (age > oldest) oldest = age;
    }
    this.unfinishedWorkSeconds.set(total);
    this.longestRunningProcessor.set(oldest);
  }
}

/**
 * As client-go's newQueueMetrics: an unnamed queue, or the noop provider, records nothing.
 * @internal
 */
export function newQueueMetricsRecorder(
  provider: QueueMetricsProvider | undefined,
  name: string | undefined,
  clock: Clock,
): QueueMetricsRecorder {
  if (!provider || provider === noopQueueMetricsProvider || !name) return noopRecorder;
  return new DefaultQueueMetricsRecorder(provider, name, clock);
}
