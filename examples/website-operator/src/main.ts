/**
 * The operator's entry point: runs both controllers under a manager with leader election, health
 * probes (/healthz, /readyz) and Prometheus metrics (/metrics). Flags (see `managerOptionsFromEnv`):
 * `--metrics-bind-address`, `--health-probe-bind-address`, `--leader-elect=false`, `--kubeconfig`...
 */
import { managerOptionsFromEnv, runManager } from '@opkit/core';
import { websiteContainer, websiteControllers } from './controllers/index.js';

const container = websiteContainer({
  dnsNamespace: process.env['WEBSITE_DNS_NAMESPACE'] || undefined,
});

await runManager({
  name: 'website-operator',
  container,
  controllers: websiteControllers(container),
  leaderElection: leaderElection(),
  // Set by the Deployment when the operator watches only its own namespace.
  namespace: process.env['WATCH_NAMESPACE'] || undefined,
});

/** On by default (two replicas may run); `--leader-elect=false` or OPKIT_LEADER_ELECT=false turns it off. */
function leaderElection(): { id: string; namespace?: string } | false {
  const fromFlags = managerOptionsFromEnv().leaderElection;
  if (fromFlags === false) return false;
  return {
    id: 'website-operator.web.opkit.dev',
    namespace: fromFlags?.namespace ?? process.env['POD_NAMESPACE'],
  };
}
