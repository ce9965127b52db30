/**
 * Prometheus collectors of the runbook engine: steps by outcome, operations by outcome, and the
 * operation each resource has in progress.
 */
import { Counter, Gauge, Registry, type Metric } from 'prom-client';

/** The engine's collectors. */
export interface RunbookMetrics {
  /** `opkit_runbook_steps_total{runbook,step,outcome}`; outcome: acted, completed, failed, blocked, timed_out. */
  steps: Counter<'runbook' | 'step' | 'outcome'>;
  /** `opkit_runbook_operations_total{runbook,outcome}`; outcome: started, completed, superseded. */
  operations: Counter<'runbook' | 'outcome'>;
  /** `opkit_runbook_operation_step{namespace,name,runbook}`: the 1-based step in progress, 0 when idle. */
  progress: Gauge<'namespace' | 'name' | 'runbook'>;
}

function existing<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** The engine's collectors on `registry` (registered once per registry). */
export function runbookMetrics(registry: Registry = new Registry()): RunbookMetrics {
  const registers = [registry];
  return {
    steps: existing(
      registry,
      'opkit_runbook_steps_total',
      () =>
        new Counter({
          name: 'opkit_runbook_steps_total',
          help: 'Runbook steps by outcome',
          labelNames: ['runbook', 'step', 'outcome'],
          registers,
        }),
    ),
    operations: existing(
      registry,
      'opkit_runbook_operations_total',
      () =>
        new Counter({
          name: 'opkit_runbook_operations_total',
          help: 'Runbook operations by outcome',
          labelNames: ['runbook', 'outcome'],
          registers,
        }),
    ),
    progress: existing(
      registry,
      'opkit_runbook_operation_step',
      () =>
        new Gauge({
          name: 'opkit_runbook_operation_step',
          help: 'The 1-based step of the operation in progress per resource (0: none)',
          labelNames: ['namespace', 'name', 'runbook'],
          registers,
        }),
    ),
  };
}
