/**
 * Metrics: per-manager prom-client registries and the controller and leader-election collectors,
 * named exactly as controller-runtime names them so existing dashboards and alerts work.
 * (The work-queue collectors live with the queue: `PrometheusQueueMetricsProvider`.)
 */
export {
  RECONCILE_TIME_BUCKETS,
  controllerMetrics,
  createMetricsRegistry,
  leaderElectionMetrics,
  type ControllerMetrics,
  type MetricsRegistryOptions,
} from './registry.js';
