import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RestClientMetrics } from '../client/index.js';

/** Options of {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Also collect Node.js process metrics (prom-client's default metrics). Default true. */
  processMetrics?: boolean;
}

/**
 * A fresh prom-client registry for one manager (controller-runtime pkg/metrics Registry), so
 * several managers in one process (tests) never collide on the global registry.
 */
export function createMetricsRegistry({ processMetrics = true }: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

/** The metric registered under `name`, or a new one from `create` (collectors are shared per registry). */
function existing<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

/**
 * controller-runtime's histogram buckets for reconcile time
 * (pkg/internal/controller/metrics/metrics.go ReconcileTime).
 */
export const RECONCILE_TIME_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/**
 * The per-controller metrics, under controller-runtime's exact names, help texts and labels
 * (pkg/internal/controller/metrics/metrics.go). One instance per registry; share it between
 * controllers with {@link controllerMetrics}.
 */
export interface ControllerMetrics {
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly terminalReconcileErrors: Counter<'controller'>;
  readonly reconcilePanics: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly reconcileTimeouts: Counter<'controller'>;
  readonly workerCount: Gauge<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
}

/** Registers (or finds) the controller metrics on `registry`. */
export function controllerMetrics(registry: Registry): ControllerMetrics {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    existing(registry, name, () => new Counter<L>({ name, help, labelNames, registers }));
  const gauge = (name: string, help: string): Gauge<'controller'> =>
    existing(registry, name, () => new Gauge({ name, help, labelNames: ['controller'], registers }));
  return {
    reconcileTotal: counter(
      'controller_runtime_reconcile_total',
      'Total number of reconciliations per controller',
      ['controller', 'result'],
    ),
    reconcileErrors: counter(
      'controller_runtime_reconcile_errors_total',
      'Total number of reconciliation errors per controller',
      ['controller'],
    ),
    terminalReconcileErrors: counter(
      'controller_runtime_terminal_reconcile_errors_total',
      'Total number of terminal reconciliation errors per controller',
      ['controller'],
    ),
    reconcilePanics: counter(
      'controller_runtime_reconcile_panics_total',
      'Total number of reconciliation panics per controller',
      ['controller'],
    ),
    reconcileTime: existing(
      registry,
      'controller_runtime_reconcile_time_seconds',
      () =>
        new Histogram({
          name: 'controller_runtime_reconcile_time_seconds',
          help: 'Length of time per reconciliation per controller',
          labelNames: ['controller'],
          buckets: [...RECONCILE_TIME_BUCKETS],
          registers,
        }),
    ),
    reconcileTimeouts: counter(
      'controller_runtime_reconcile_timeouts_total',
      'Total number of reconciliation timeouts per controller',
      ['controller'],
    ),
    workerCount: gauge(
      'controller_runtime_max_concurrent_reconciles',
      'Maximum number of concurrent reconciles per controller',
    ),
    activeWorkers: gauge(
      'controller_runtime_active_workers',
      'Number of currently used workers per controller',
    ),
  };
}

/**
 * The leader election gauge (client-go tools/leaderelection/metrics.go as registered by
 * controller-runtime pkg/metrics/leaderelection.go): 1 while this process leads lock `name`.
 */
export function leaderElectionMetrics(registry: Registry): Gauge<'name'> {
  return existing(
    registry,
    'leader_election_master_status',
    () =>
      new Gauge({
        name: 'leader_election_master_status',
        help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
        labelNames: ['name'],
        registers: [registry],
      }),
  );
}

/**
 * Buckets of `rest_client_request_duration_seconds`, as k8s.io/component-base
 * metrics/prometheus/restclient/metrics.go registers it for client-go.
 */
export const REST_CLIENT_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0,
];

/**
 * The REST client collectors on `registry`, as a {@link RestClientMetrics} hook for a
 * `KubeClient`: `rest_client_requests_total{code,method,host}` (as controller-runtime
 * pkg/metrics/client_go_adapter.go registers it) and
 * `rest_client_request_duration_seconds{verb,host}` (client-go's RequestLatency as
 * k8s.io/component-base registers it; current controller-runtime leaves latency out). Registered
 * once per registry; later calls share the collectors.
 */
export function restClientMetrics(registry: Registry): RestClientMetrics {
  const registers = [registry];
  const requests = existing(
    registry,
    'rest_client_requests_total',
    () =>
      new Counter({
        name: 'rest_client_requests_total',
        help: 'Number of HTTP requests, partitioned by status code, method, and host.',
        labelNames: ['code', 'method', 'host'],
        registers,
      }),
  );
  const duration = existing(
    registry,
    'rest_client_request_duration_seconds',
    () =>
      new Histogram({
        name: 'rest_client_request_duration_seconds',
        help: 'Request latency in seconds. Broken down by verb, and host.',
        labelNames: ['verb', 'host'],
        buckets: [...REST_CLIENT_DURATION_BUCKETS],
        registers,
      }),
  );
  return {
    observeRequest(r) {
      requests.inc({ code: r.code, method: r.method, host: r.host });
      duration.observe({ verb: r.method, host: r.host }, r.durationSeconds);
    },
  };
}
