/**
 * Metrics: per-manager prom-client registries and the controller, leader-election and REST client
 * collectors, named exactly as controller-runtime names them so existing dashboards and alerts work.
 * (The work-queue collectors live with the queue: `PrometheusQueueMetricsProvider`.)
 */
export {
  RECONCILE_TIME_BUCKETS,
  REST_CLIENT_DURATION_BUCKETS,
  controllerMetrics,
  createMetricsRegistry,
  leaderElectionMetrics,
  restClientMetrics,
  type ControllerMetrics,
  type MetricsRegistryOptions,
} from './registry.js';
