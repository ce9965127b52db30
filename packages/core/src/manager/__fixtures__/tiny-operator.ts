/** A tiny operator run as a child process by run-manager.test.ts: one controller, leader election on. */
import { KubeClient } from '../../client/index.js';
import { controllerFor } from '../../controller/index.js';
import { reconcilerFrom } from '../../reconcile/index.js';
import { runManager } from '../index.js';

const env = process.env;
await runManager({
  client: KubeClient.fromYaml(env['TEST_KUBECONFIG'] ?? ''),
  controllers: [controllerFor('v1/ConfigMap').complete(reconcilerFrom(async () => undefined))],
  leaderElection: {
    id: 'tiny-operator',
    namespace: 'default',
    identity: 'tiny',
    leaseDurationMs: 3_000,
    renewDeadlineMs: 2_000,
    retryPeriodMs: 300,
  },
  metricsBindAddress: '0',
  healthProbeBindAddress: '127.0.0.1:0',
  logFormat: 'json',
  argv: [],
});
