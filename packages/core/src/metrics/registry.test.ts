import { describe, it, expect } from '@jest/globals';
import { controllerMetrics, createMetricsRegistry, leaderElectionMetrics } from './index.js';

describe('metrics registry helpers', () => {
  it('registers controller-runtime names once per registry and shares them', async () => {
    const registry = createMetricsRegistry({ processMetrics: false });
    const a = controllerMetrics(registry);
    const b = controllerMetrics(registry);
    expect(a.reconcileTotal).toBe(b.reconcileTotal);
    a.reconcileTotal.inc({ controller: 'x', result: 'success' });
    leaderElectionMetrics(registry).set({ name: 'lock' }, 1);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual([
      'controller_runtime_active_workers',
      'controller_runtime_max_concurrent_reconciles',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_panics_total',
      'controller_runtime_reconcile_time_seconds',
      'controller_runtime_reconcile_timeouts_total',
      'controller_runtime_reconcile_total',
      'controller_runtime_terminal_reconcile_errors_total',
      'leader_election_master_status',
    ]);
    expect(await registry.metrics()).toContain(
      'controller_runtime_reconcile_total{controller="x",result="success"} 1',
    );
  });

  it('adds process metrics by default', async () => {
    const names = (await createMetricsRegistry().getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain('process_cpu_seconds_total');
  });
});
