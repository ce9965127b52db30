// One manager replica of the failover benchmark (a child process of index.js): campaigns for the
// Lease with the timings given in the environment and prints `{"leading":<epoch ms>}` the moment it
// starts leading. SIGTERM stops it gracefully (the lease is released); SIGKILL is the crash case.
import {
  KubeClient,
  Manager,
  controllerFor,
  reconcilerFrom,
  silentLogger,
} from '../../packages/core/dist/index.js';

const env = process.env;
const manager = Manager.create({
  client: KubeClient.fromYaml(env.BENCH_KUBECONFIG ?? ''),
  logger: silentLogger(),
  metricsBindAddress: '0',
  healthProbeBindAddress: '0',
  leaderElection: {
    id: env.BENCH_LEASE ?? 'failover-bench',
    namespace: 'default',
    identity: env.BENCH_IDENTITY,
    leaseDurationMs: Number(env.BENCH_LEASE_DURATION_MS),
    renewDeadlineMs: Number(env.BENCH_RENEW_DEADLINE_MS),
    retryPeriodMs: Number(env.BENCH_RETRY_PERIOD_MS),
  },
});
// a leader-only controller, so taking over also means starting a controller, as in a real operator
let reconciled = false;
manager.add(
  controllerFor('v1/Namespace', { clusterScoped: true }).complete(
    reconcilerFrom(async () => {
      if (!reconciled) process.stdout.write(`${JSON.stringify({ reconciling: Date.now() })}\n`);
      reconciled = true;
    }),
  ),
);
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
const run = manager.start(stop.signal);
let campaigning = false;
const poll = setInterval(() => {
  if (!campaigning && manager.elector) {
    campaigning = true;
    process.stdout.write(`${JSON.stringify({ campaigning: Date.now() })}\n`);
  }
  if (!manager.isLeader) return;
  process.stdout.write(`${JSON.stringify({ leading: Date.now() })}\n`);
  clearInterval(poll);
}, 2);
await run.catch(() => undefined);
clearInterval(poll);
process.exit(0);
