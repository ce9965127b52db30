import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type {
  CounterMetric,
  DepthMetricWithPriority,
  HistogramMetric,
  QueueMetricsProvider,
  SettableGaugeMetric,
} from './metrics.js';

/** prometheus.ExponentialBuckets(10e-9, 10, 12), computed the same way (start *= factor). */
function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const buckets: number[] = [];
  for (let i = 0, v = start; i < count; i++, v *= factor) buckets.push(v);
  return buckets;
}

const QUEUE_BUCKETS = exponentialBuckets(10e-9, 10, 12);

// As controller-runtime: more distinct priorities than this collapse into one label value.
const MAX_PRIORITY_LABELS = 25;
const PRIORITY_CARDINALITY_EXCEEDED = 'exceeded_cardinality_limit';

type Labels = 'name' | 'controller';
type DepthLabels = Labels | 'priority';

/**
 * Registers controller-runtime's work-queue metrics on `registry` (pkg/internal/metrics/workqueue.go:
 * same names, help, label names and buckets) and hands them to queues. `name` and `controller` are
 * both set to the queue name, as controller-runtime does. Registering twice on one registry
 * reuses the existing collectors.
 */
export class PrometheusQueueMetricsProvider implements QueueMetricsProvider {
  private readonly depth: Gauge<DepthLabels>;
  private readonly adds: Counter<Labels>;
  private readonly latency: Histogram<Labels>;
  private readonly workDuration: Histogram<Labels>;
  private readonly unfinished: Gauge<Labels>;
  private readonly longestRunningProcessor: Gauge<Labels>;
  private readonly retries: Counter<Labels>;

  constructor(registry: Registry) {
    const existing = <M>(name: string, create: () => M): M =>
      (registry.getSingleMetric(name) as M | undefined) ?? create();
    const registers = [registry];
    this.depth = existing(
      'workqueue_depth',
      () =>
        new Gauge({
          name: 'workqueue_depth',
          help: 'Current depth of workqueue by workqueue and priority',
          labelNames: ['name', 'controller', 'priority'],
          registers,
        }),
    );
    this.adds = existing(
      'workqueue_adds_total',
      () =>
        new Counter({
          name: 'workqueue_adds_total',
          help: 'Total number of adds handled by workqueue',
          labelNames: ['name', 'controller'],
          registers,
        }),
    );
    this.latency = existing(
      'workqueue_queue_duration_seconds',
      () =>
        new Histogram({
          name: 'workqueue_queue_duration_seconds',
          help: 'How long in seconds an item stays in workqueue before being requested',
          labelNames: ['name', 'controller'],
          buckets: QUEUE_BUCKETS,
          registers,
        }),
    );
    this.workDuration = existing(
      'workqueue_work_duration_seconds',
      () =>
        new Histogram({
          name: 'workqueue_work_duration_seconds',
          help: 'How long in seconds processing an item from workqueue takes.',
          labelNames: ['name', 'controller'],
          buckets: QUEUE_BUCKETS,
          registers,
        }),
    );
    this.unfinished = existing(
      'workqueue_unfinished_work_seconds',
      () =>
        new Gauge({
          name: 'workqueue_unfinished_work_seconds',
          help:
            "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. " +
            'Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.',
          labelNames: ['name', 'controller'],
          registers,
        }),
    );
    this.longestRunningProcessor = existing(
      'workqueue_longest_running_processor_seconds',
      () =>
        new Gauge({
          name: 'workqueue_longest_running_processor_seconds',
          help: 'How many seconds has the longest running processor for workqueue been running.',
          labelNames: ['name', 'controller'],
          registers,
        }),
    );
    this.retries = existing(
      'workqueue_retries_total',
      () =>
        new Counter({
          name: 'workqueue_retries_total',
          help: 'Total number of retries handled by workqueue',
          labelNames: ['name', 'controller'],
          registers,
        }),
    );
  }

  newDepthMetric(name: string): DepthMetricWithPriority {
    const depth = this.depth;
    const children = new Map<string, Gauge.Internal<DepthLabels>>();
    const seen = new Set<number>();
    let exceeded = false;
    const child = (priority: number): Gauge.Internal<DepthLabels> => {
      if (!exceeded) {
        seen.add(priority);
        if (seen.size > MAX_PRIORITY_LABELS) exceeded = true;
      }
      const label = exceeded ? PRIORITY_CARDINALITY_EXCEEDED : String(priority);
      let c = children.get(label);
      if (!c) {
        c = depth.labels({ name, controller: name, priority: label });
        children.set(label, c);
      }
      return c;
    };
    return {
      inc: (priority) => child(priority).inc(),
      dec: (priority) => child(priority).dec(),
    };
  }

  newAddsMetric(name: string): CounterMetric {
    return this.adds.labels({ name, controller: name });
  }

  newLatencyMetric(name: string): HistogramMetric {
    return this.latency.labels({ name, controller: name });
  }

  newWorkDurationMetric(name: string): HistogramMetric {
    return this.workDuration.labels({ name, controller: name });
  }

  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric {
    return this.unfinished.labels({ name, controller: name });
  }

  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric {
    return this.longestRunningProcessor.labels({ name, controller: name });
  }

  newRetriesMetric(name: string): CounterMetric {
    return this.retries.labels({ name, controller: name });
  }
}
