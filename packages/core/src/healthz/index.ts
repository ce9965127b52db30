/**
 * Health and metrics endpoints: /healthz and /readyz with named checks (controller-runtime
 * pkg/healthz output format) and /metrics from a prom-client registry, over node:http.
 */
export { HealthChecks, ping, type HealthCheck, type ProbeResponse } from './checks.js';
export {
  ProbeServer,
  parseBindAddress,
  type ProbeServerAddresses,
  type ProbeServerOptions,
} from './server.js';
