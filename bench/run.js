// `npm run bench`: builds the packages (tsc -b), then runs each benchmark — work queue, informer,
// API server — and prints its table, with the machine it ran on. Figures are only comparable
// within one run (each table has its peer), never across machines. See docs/performance.md.
//   node bench/run.js [--skip-build] [queue] [informer] [apiserver] [failover] [pipeline]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const wanted = args.filter((a) => !a.startsWith('--'));
const selected = (name) => wanted.length === 0 || wanted.includes(name);

function build() {
  process.stderr.write('building (tsc -b) ...\n');
  try {
    execFileSync('npx', ['tsc', '-b'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    // a type error elsewhere in the repo need not stop the benchmarks if what they load was built
    const built = ['packages/core/dist/index.js', 'packages/local-cluster/dist/index.js'].every((f) =>
      existsSync(path.join(root, f)),
    );
    if (!built) throw new Error('the build failed and packages/core or packages/local-cluster has no dist');
    process.stderr.write('tsc -b reported errors; running on the existing dist\n');
  }
}

function machine() {
  const cpus = os.cpus();
  return [
    `node ${process.version}, ${os.type()} ${os.release()} ${os.arch()}`,
    `${os.availableParallelism?.() ?? cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  ].join('\n');
}

function table(head, rows) {
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((r) => String(r[i]).length)));
  const line = (r) =>
    r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const num = (v) => Math.round(v).toLocaleString('en-US');

async function queueBench() {
  const { runQueueBench } = await import('./queue/index.js');
  const { rows } = await runQueueBench();
  const fmt = (v, unit) => (unit === 'ms' ? `${v.toFixed(1)} ms` : `${num(v)} ${unit}`);
  // for a time lower is better, for a rate higher is: the ratio always reads "× better than naive"
  const ratio = (r) => (r.unit === 'ms' ? r.naive / r.opkit : r.opkit / r.naive).toFixed(2);
  return [
    'Work queue: opkit PriorityWorkQueue vs a naive Array-based queue (same semantics)',
    table(
      ['scenario', 'opkit', 'naive array queue', 'opkit advantage'],
      rows.map((r) => [r.scenario, fmt(r.opkit, r.unit), fmt(r.naive, r.unit), `${ratio(r)}×`]),
    ),
  ].join('\n');
}

async function informerBench() {
  const { runInformerBench, formatInformerTable } = await import('./informer/index.js');
  const result = await runInformerBench({ onProgress: (line) => process.stderr.write(`  ${line}\n`) });
  return formatInformerTable(result);
}

async function apiServerBench() {
  const { runApiServerBench } = await import('./apiserver/index.js');
  const r = await runApiServerBench();
  return [
    'API server (HTTPS, client keep-alive, 16 concurrent writers)',
    table(
      ['figure', 'value'],
      [
        [`creates/s (${num(r.writes)} ConfigMaps, no watchers)`, num(r.writesPerSecond)],
        [
          `creates/s with ${r.watchers} watchers`,
          `${num(r.fanoutWritesPerSecond)} (${(r.fanoutWritesPerSecond / r.writesPerSecond).toFixed(2)}× without)`,
        ],
        [
          `watch events delivered/s (${r.watchers} watchers × ${num(r.fanoutWrites)} writes)`,
          num(r.eventsPerSecond),
        ],
        ['all events delivered after', `${num(r.allDeliveredMs)} ms`],
        ['events delivered', `${num(r.eventsDelivered)} of ${num(r.watchers * r.fanoutWrites)}`],
      ],
    ),
  ].join('\n');
}

async function failoverBench() {
  const { runFailoverBench } = await import('./failover/index.js');
  const { rows } = await runFailoverBench();
  return [
    'Leader failover: 3 manager processes on one Lease, time until a standby leads (median)',
    table(
      ['scenario', 'timings (lease/renew/retry)', 'median', 'runs'],
      rows.map((r) => [r.scenario, r.timings, `${num(r.medianMs)} ms`, r.runsMs.map(num).join(', ')]),
    ),
  ].join('\n');
}

async function pipelineBench() {
  const { runPipelineBench } = await import('./pipeline/index.js');
  const { objects, workers, rows } = await runPipelineBench();
  const names = { opkit: 'opkit Manager', plain: 'client-node list + Watch loop' };
  return [
    `Pipeline: ${num(objects)} custom resources, each reconciled once with a status write (${workers} workers, one child process per case)`,
    table(
      ['case', 'wall time', 'reconciles/s', 'peak RSS'],
      rows.map((r) => [
        names[r.case] ?? r.case,
        `${num(r.wallMs)} ms`,
        num(r.reconcilesPerSecond),
        `${num(r.peakRssMb)} MB`,
      ]),
    ),
  ].join('\n');
}

if (!args.includes('--skip-build')) build();
console.log(machine());
const benches = [
  ['queue', queueBench],
  ['informer', informerBench],
  ['apiserver', apiServerBench],
  ['failover', failoverBench],
  ['pipeline', pipelineBench],
];
for (const [name, run] of benches) {
  if (!selected(name)) continue;
  const t = performance.now();
  const text = await run();
  console.log(`\n${text}\n(${name}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
}
