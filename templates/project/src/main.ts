/**
 * The operator's entry point: runs every controller under a manager with leader election, health
 * probes (/healthz, /readyz) and Prometheus metrics. Flags match config/manager/manager.yaml.
 */
import { parseArgs } from 'node:util';
import { runManager } from '@opkit/core';
import { controllers } from './controllers/index.js';

const { values } = parseArgs({
  options: {
    'leader-elect': { type: 'boolean', default: false },
    'metrics-bind-address': { type: 'string', default: ':8080' },
    'health-probe-bind-address': { type: 'string', default: ':8081' },
  },
});

await runManager({
  controllers,
  leaderElection: values['leader-elect']
    ? { id: '{{projectName}}.{{domain}}', namespace: process.env.POD_NAMESPACE }
    : undefined,
  metricsBindAddress: values['metrics-bind-address'],
  healthProbeBindAddress: values['health-probe-bind-address'],
  // Set by the Deployment when the operator watches only its own namespace.
  namespace: process.env.WATCH_NAMESPACE || undefined,
});
