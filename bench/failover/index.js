// Failover benchmark: 3 manager replicas (child processes) campaign for one Lease on a LocalCluster;
// the leader is stopped gracefully (SIGTERM, lease released) or crashes (SIGKILL, the lease must
// expire), and the time until another replica leads is measured. Median of several runs, with
// client-go's default timings (15 s / 10 s / 2 s) and with short ones. Run `npm run build` first,
// then `node bench/failover/index.js`; `runFailoverBench()` returns the figures for bench/run.js.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LocalCluster } from '../../packages/local-cluster/dist/index.js';

const CANDIDATE = fileURLToPath(new URL('./candidate.js', import.meta.url));

/** client-go's defaults (tools/leaderelection, as controller-runtime's manager uses them). */
export const DEFAULT_TIMINGS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
/** Short timings, for operators that must fail over fast. */
export const SHORT_TIMINGS = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };

function startCandidate(kubeconfig, lease, identity, timings) {
  const child = spawn(process.execPath, [CANDIDATE], {
    env: {
      ...process.env,
      BENCH_KUBECONFIG: kubeconfig,
      BENCH_LEASE: lease,
      BENCH_IDENTITY: identity,
      BENCH_LEASE_DURATION_MS: String(timings.leaseDurationMs),
      BENCH_RENEW_DEADLINE_MS: String(timings.renewDeadlineMs),
      BENCH_RETRY_PERIOD_MS: String(timings.retryPeriodMs),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const candidate = {
    identity,
    child,
    leadingAt: undefined,
    reconcilingAt: undefined,
    campaigning: undefined,
    onLead: undefined,
  };
  candidate.campaigning = new Promise((resolve) => (candidate.onCampaign = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const msg = JSON.parse(line);
      if (msg.leading) {
        candidate.leadingAt = msg.leading;
        candidate.onLead?.(candidate);
      }
      if (msg.reconciling) candidate.reconcilingAt = msg.reconciling;
      if (msg.campaigning) candidate.onCampaign();
    } catch {
      // not ours
    }
  });
  return candidate;
}

const exited = (child) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', r));

/** One failover: 3 fresh replicas, the first leader is stopped with `signal`; returns ms until a new leader. */
async function failoverOnce(kubeconfig, lease, timings, signal) {
  const candidates = [0, 1, 2].map((i) => startCandidate(kubeconfig, lease, `replica-${i}`, timings));
  try {
    const first = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no replica became leader')), 60_000);
      for (const c of candidates)
        c.onLead = (leader) => {
          clearTimeout(timer);
          resolve(leader);
        };
    });
    // steady state: every standby campaigns (caches synced) and has observed the held lease
    await Promise.all(candidates.map((c) => c.campaigning));
    await new Promise((r) => setTimeout(r, timings.retryPeriodMs * 3));
    const next = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('no replica took over')),
        timings.leaseDurationMs * 4 + 30_000,
      );
      for (const c of candidates)
        if (c !== first)
          c.onLead = (leader) => {
            clearTimeout(timer);
            resolve(leader);
          };
    });
    const stoppedAt = Date.now();
    first.child.kill(signal);
    const successor = await next;
    return successor.leadingAt - stoppedAt;
  } finally {
    for (const c of candidates) c.child.kill('SIGKILL');
    await Promise.all(candidates.map((c) => exited(c.child)));
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * Runs the four cases (graceful/crash × default/short timings), `runs` times each.
 * @returns {Promise<{rows: Array<{scenario: string, timings: string, medianMs: number, runsMs: number[]}>}>}
 */
export async function runFailoverBench({ runs = 3, includeDefaultCrash = true } = {}) {
  const cluster = await LocalCluster.start({ nodes: false });
  const rows = [];
  let n = 0;
  try {
    const cases = [
      ['graceful stop (SIGTERM, lease released)', 'SIGTERM', 'short', SHORT_TIMINGS],
      ['crash (SIGKILL, lease expires)', 'SIGKILL', 'short', SHORT_TIMINGS],
      ['graceful stop (SIGTERM, lease released)', 'SIGTERM', 'default', DEFAULT_TIMINGS],
      ...(includeDefaultCrash
        ? [['crash (SIGKILL, lease expires)', 'SIGKILL', 'default', DEFAULT_TIMINGS]]
        : []),
    ];
    for (const [scenario, signal, name, timings] of cases) {
      const runsMs = [];
      for (let i = 0; i < runs; i++)
        runsMs.push(await failoverOnce(cluster.kubeconfig, `failover-bench-${n++}`, timings, signal));
      rows.push({
        scenario,
        timings: `${name} (${timings.leaseDurationMs / 1000}s/${timings.renewDeadlineMs / 1000}s/${timings.retryPeriodMs / 1000}s)`,
        medianMs: median(runsMs),
        runsMs,
      });
    }
  } finally {
    await cluster.stop();
  }
  return { rows };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const { rows } = await runFailoverBench({ runs });
  const widths = [42, 26, 12, 30];
  const line = (cells) =>
    cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(
    `failover with 3 replicas, median of ${runs} runs (lease duration / renew deadline / retry period)`,
  );
  console.log(line(['scenario', 'timings', 'median', 'runs']));
  console.log(line(['-'.repeat(42), '-'.repeat(26), '-'.repeat(12), '-'.repeat(30)]));
  for (const r of rows)
    console.log(
      line([
        r.scenario,
        r.timings,
        `${Math.round(r.medianMs)} ms`,
        r.runsMs.map((x) => Math.round(x)).join(', '),
      ]),
    );
}
