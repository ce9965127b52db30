import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { FakeClock } from '../clock/index.js';
import { PrometheusQueueMetricsProvider, newPriorityQueue, type QueueMetricsProvider } from './index.js';

async function value(
  registry: Registry,
  metric: string,
  labels: Record<string, string>,
  suffix = '',
): Promise<number | undefined> {
  const json = await registry.getMetricsAsJSON();
  const m = json.find((x) => x.name === metric);
  const v = (
    m?.values as Array<{ value: number; labels: Record<string, unknown>; metricName?: string }>
  ).find(
    (x) =>
      (suffix === '' || x.metricName === metric + suffix) &&
      Object.entries(labels).every(([k, val]) => String(x.labels[k]) === val),
  );
  return v?.value;
}

const L = { name: 'pods', controller: 'pods' };

describe('PrometheusQueueMetricsProvider', () => {
  it('registers controller-runtime names and labels on the given registry only', async () => {
    const registry = new Registry();
    new PrometheusQueueMetricsProvider(registry);
    new PrometheusQueueMetricsProvider(registry); // idempotent on one registry
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual([
      'workqueue_adds_total',
      'workqueue_depth',
      'workqueue_longest_running_processor_seconds',
      'workqueue_queue_duration_seconds',
      'workqueue_retries_total',
      'workqueue_unfinished_work_seconds',
      'workqueue_work_duration_seconds',
    ]);
    const text = await registry.metrics();
    expect(text).toContain('# HELP workqueue_depth Current depth of workqueue by workqueue and priority');
    expect(text).toContain('# TYPE workqueue_queue_duration_seconds histogram');
  });

  it('tracks depth by priority, adds, latency, work duration, unfinished work and retries', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const q = newPriorityQueue({
      name: 'pods',
      clock,
      metricsProvider: new PrometheusQueueMetricsProvider(registry),
    });
    q.add('a');
    q.add('a'); // deduped: not an add
    q.add('b', { priority: -100 });
    expect(await value(registry, 'workqueue_adds_total', L)).toBe(2);
    expect(await value(registry, 'workqueue_depth', { ...L, priority: '0' })).toBe(1);
    expect(await value(registry, 'workqueue_depth', { ...L, priority: '-100' })).toBe(1);

    q.add('b'); // promotion moves the depth
    expect(await value(registry, 'workqueue_depth', { ...L, priority: '-100' })).toBe(0);
    expect(await value(registry, 'workqueue_depth', { ...L, priority: '0' })).toBe(2);

    clock.advance(2000);
    const r = q.tryGet();
    expect(r).toMatchObject({ item: 'a' });
    expect(await value(registry, 'workqueue_depth', { ...L, priority: '0' })).toBe(1);
    expect(await value(registry, 'workqueue_queue_duration_seconds', L, '_sum')).toBe(2);
    expect(await value(registry, 'workqueue_queue_duration_seconds', { ...L, le: '10' }, '_bucket')).toBe(1);
    expect(await value(registry, 'workqueue_queue_duration_seconds', { ...L, le: '1' }, '_bucket')).toBe(0);

    clock.advance(500); // the 500 ms unfinished-work refresh, a in flight for ~0.5 s
    expect(await value(registry, 'workqueue_unfinished_work_seconds', L)).toBeCloseTo(0.5);
    expect(await value(registry, 'workqueue_longest_running_processor_seconds', L)).toBeCloseTo(0.5);

    clock.advance(1000);
    q.done('a');
    expect(await value(registry, 'workqueue_work_duration_seconds', L, '_sum')).toBeCloseTo(1.5);
    expect(await value(registry, 'workqueue_work_duration_seconds', L, '_count')).toBe(1);

    q.addAfter('c', 100);
    q.addRateLimited('d');
    q.addAfter('e', 0); // not a retry (no delay), as controller-runtime counts
    expect(await value(registry, 'workqueue_retries_total', L)).toBe(2);
    // waiting items are not in depth until they are ready
    expect(await value(registry, 'workqueue_depth', { ...L, priority: '0' })).toBe(2);
    clock.advance(100);
    expect(await value(registry, 'workqueue_depth', { ...L, priority: '0' })).toBe(4);
    q.shutDown();
    expect(clock.hasWaiters()).toBe(false);
  });

  it('uses exponential buckets 1e-8 … 1e3 like prometheus.ExponentialBuckets(10e-9, 10, 12)', async () => {
    const registry = new Registry();
    const q = newPriorityQueue({
      name: 'x',
      clock: new FakeClock(),
      metricsProvider: new PrometheusQueueMetricsProvider(registry),
    });
    q.add('a');
    q.tryGet();
    const json = await registry.getMetricsAsJSON();
    const h = json.find((m) => m.name === 'workqueue_queue_duration_seconds')!;
    const les = (h.values as Array<{ labels: Record<string, unknown>; metricName?: string }>)
      .filter((v) => v.metricName?.endsWith('_bucket'))
      .map((v) => v.labels.le);
    expect(les).toHaveLength(13);
    expect(les[0]).toBeCloseTo(1e-8, 20);
    expect(les[11]).toBeCloseTo(1000);
    expect(les[12]).toBe('+Inf');
    q.shutDown();
  });

  it('caps the priority label cardinality at 25', async () => {
    const registry = new Registry();
    const depth = new PrometheusQueueMetricsProvider(registry).newDepthMetric('q');
    for (let p = 0; p < 30; p++) depth.inc(p);
    expect(
      await value(registry, 'workqueue_depth', { name: 'q', priority: 'exceeded_cardinality_limit' }),
    ).toBe(5);
  });
});

describe('metrics hooks', () => {
  it('an unnamed queue or the noop provider records nothing and arms no timer', () => {
    const calls: string[] = [];
    const spy: QueueMetricsProvider = {
      newDepthMetric: () => ({ inc: () => calls.push('depth'), dec: () => calls.push('depth-') }),
      newAddsMetric: () => ({ inc: () => calls.push('adds') }),
      newLatencyMetric: () => ({ observe: () => calls.push('latency') }),
      newWorkDurationMetric: () => ({ observe: () => calls.push('work') }),
      newUnfinishedWorkSecondsMetric: () => ({ set: () => calls.push('unfinished') }),
      newLongestRunningProcessorSecondsMetric: () => ({ set: () => calls.push('longest') }),
      newRetriesMetric: () => ({ inc: () => calls.push('retries') }),
    };
    const clock = new FakeClock();
    const q = newPriorityQueue({ clock, metricsProvider: spy });
    q.add('a');
    expect(calls).toEqual([]);
    expect(clock.hasWaiters()).toBe(false);
    const named = newPriorityQueue({ clock, name: 'n', metricsProvider: spy });
    named.add('a');
    named.tryGet();
    named.done('a');
    expect(calls).toEqual(['adds', 'depth', 'depth-', 'latency', 'work']);
    named.shutDown();
  });
});
