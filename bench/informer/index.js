// Informer benchmark: time to synced and peak RSS for N ConfigMaps (10k, then 50k) on one local
// cluster, for (a) opkit's SharedInformer, (b) @kubernetes/client-node's makeInformer (ListWatch),
// (c) the floor: the same paginated list (limit 500) fetched over HTTPS and JSON.parsed, nothing
// else. Then watch events/s for a stream of updates (written straight into the store, faster than
// any client reads them) as each of them sees it.
//
// Every case runs in a fresh child process (so its RSS is its own); the parent hosts the cluster
// and makes the writes. Run `npm run build` first, then `node bench/informer/index.js`;
// `runInformerBench()` returns the numbers for bench/run.js.
import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const NAMESPACE = 'bench';
const LABEL_SELECTOR = 'bench=informer';
const PAGE = 500;
/** What each case is called in tables. */
export const CASES = ['opkit', 'makeInformer', 'floor'];

// ------------------------------------------------------------------------------------ child side

/** Peak resident set size of this process so far, in MiB. */
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

/** Resolves with the next message from the parent of the given type. */
function nextMessage(type) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m?.type !== type) return;
      process.off('message', on);
      resolve(m);
    };
    process.on('message', on);
  });
}

/**
 * Counts update events and reports, once `count` have arrived, their rate from the first to the
 * last (the parent writes as fast as it can, so this is the slower of server and client).
 */
function updateCounter() {
  let target = Infinity;
  let seen = 0;
  let first = 0;
  let resolve;
  const done = new Promise((r) => (resolve = r));
  return {
    expect(count) {
      target = count;
      seen = 0;
    },
    seen() {
      if (seen === 0) first = performance.now();
      if (++seen === target) resolve({ events: seen, ms: performance.now() - first });
    },
    done,
  };
}

/** (c) the floor: paginated list + JSON.parse; for events, a raw watch split into lines + JSON.parse. */
async function floorCase(env, n) {
  const url = new URL(env.url);
  const agent = new https.Agent({ keepAlive: true, ca: env.caCert });
  const headers = { authorization: `Bearer ${env.token}`, accept: 'application/json' };
  const get = (p) =>
    new Promise((resolve, reject) => {
      https
        .get({ host: url.hostname, port: url.port, path: p, agent, headers }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        })
        .on('error', reject);
    });
  const base = `/api/v1/namespaces/${NAMESPACE}/configmaps?labelSelector=${encodeURIComponent(LABEL_SELECTOR)}`;
  // the TLS connection is set up before timing, as opkit's discovery request does for it
  await get('/version');
  const baseRssMiB = peakRssMiB();
  const start = performance.now();
  let items = 0;
  let cont = '';
  let rv = '';
  do {
    const page = JSON.parse(
      (await get(`${base}&limit=${PAGE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`)).toString(
        'utf8',
      ),
    );
    if (!cont) rv = page.metadata.resourceVersion;
    items += page.items.length;
    cont = page.metadata.continue ?? '';
  } while (cont);
  const syncMs = performance.now() - start;
  if (items !== n) throw new Error(`floor listed ${items} of ${n}`);
  const counter = updateCounter();
  await new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: url.hostname,
        port: url.port,
        path: `${base}&watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`,
        agent: false,
        ca: env.caCert,
        headers,
      },
      (res) => {
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          const lines = (pending + chunk).split('\n');
          pending = lines.pop();
          for (const line of lines) if (line && JSON.parse(line).type === 'MODIFIED') counter.seen();
        });
        resolve();
      },
    );
    req.on('error', reject);
  });
  return { syncMs, baseRssMiB, counter };
}

/** (a) opkit: SharedInformer through KubeClient, with one handler (as a controller registers). */
async function opkitCase(env, n) {
  const { KubeClient, SharedInformer, listerWatcherFor } = await import('../../packages/core/dist/index.js');
  const client = KubeClient.fromFile(env.kubeconfigPath);
  const gvk = { group: '', version: 'v1', kind: 'ConfigMap' };
  await client.mappingFor(gvk); // discovery is not part of the sync being compared
  const counter = updateCounter();
  let adds = 0;
  const baseRssMiB = peakRssMiB();
  const start = performance.now();
  const informer = new SharedInformer(
    listerWatcherFor(client, gvk, { namespace: NAMESPACE, labelSelector: LABEL_SELECTOR }),
  );
  informer.addEventHandler({ onAdd: () => void adds++, onUpdate: () => counter.seen() });
  informer.start();
  await informer.waitForSync();
  const syncMs = performance.now() - start;
  if (informer.indexer.size !== n || adds !== n)
    throw new Error(`opkit synced ${informer.indexer.size} of ${n}`);
  return { syncMs, baseRssMiB, counter };
}

/** (b) client-node 1.4: makeInformer over CoreV1Api.listNamespacedConfigMap, as its docs show. */
async function makeInformerCase(env, n) {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(env.kubeconfigPath);
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const counter = updateCounter();
  let adds = 0;
  let synced;
  const allAdded = new Promise((r) => (synced = r));
  const baseRssMiB = peakRssMiB();
  const start = performance.now();
  const informer = k8s.makeInformer(
    kc,
    `/api/v1/namespaces/${NAMESPACE}/configmaps`,
    () => api.listNamespacedConfigMap({ namespace: NAMESPACE, labelSelector: LABEL_SELECTOR }),
    LABEL_SELECTOR,
  );
  informer.on('add', () => {
    if (++adds === n) synced();
  });
  informer.on('update', () => counter.seen());
  informer.on('error', (err) => process.send({ type: 'error', message: String(err?.stack ?? err) }));
  // start() resolves once the list is stored and the watch has opened; synced is the former
  const started = informer.start();
  await allAdded;
  const syncMs = performance.now() - start;
  await started;
  return { syncMs, baseRssMiB, counter };
}

async function child() {
  const env = JSON.parse(process.env.OPKIT_BENCH_INFORMER);
  const run = { opkit: opkitCase, makeInformer: makeInformerCase, floor: floorCase }[env.case];
  const { syncMs, baseRssMiB, counter } = await run(env, env.n);
  const syncRssMiB = peakRssMiB();
  process.send({ type: 'synced', syncMs, syncRssMiB, baseRssMiB });
  const { count } = await nextMessage('updates');
  counter.expect(count);
  process.send({ type: 'ready' });
  const { events, ms } = await counter.done;
  process.send({ type: 'updated', eventsPerSecond: (events / ms) * 1000, peakRssMiB: peakRssMiB() });
  await nextMessage('exit');
  process.exit(0);
}

// ----------------------------------------------------------------------------------- parent side

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const configMap = (i) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: `cm-${String(i).padStart(6, '0')}`,
    namespace: NAMESPACE,
    labels: { bench: 'informer', shard: String(i % 16) },
  },
  data: {
    index: String(i),
    payload: 'x'.repeat(200),
    config: JSON.stringify({ replicas: i % 5, image: `registry/app:${i % 7}` }),
  },
});

/** Creates ConfigMaps [from, to) in-process (no HTTP: setting up is not what is measured). */
async function populate(cluster, from, to) {
  const type = cluster.api.registry.byKind('', 'v1', 'ConfigMap');
  for (let i = from; i < to; i++) await cluster.api.create(type, NAMESPACE, configMap(i));
}

/**
 * Writes `count` updates, round-robin over the first `n` objects, straight into the cluster's
 * store (as fast as the store commits; the HTTP write path is bench/apiserver's subject), yielding
 * to I/O every 500 so that the watch streams flush and no watcher falls a full buffer behind.
 */
async function updateStream(cluster, n, count, round) {
  const store = cluster.api.store;
  for (let k = 0; k < count; k++) {
    const key = { resource: '/configmaps', namespace: NAMESPACE, name: configMap(k % n).metadata.name };
    const obj = store.get(key);
    if (!obj) throw new Error(`no ConfigMap ${key.name} in the store`);
    obj.data.index = `${k % n}-${round}-${k}`;
    store.update(key, obj);
    if (k % 500 === 499) await new Promise((r) => setImmediate(r));
  }
}

/** One case in a fresh process: resolves with its sync time, RSS and update rate. */
function runCase(cluster, env, updates, round) {
  return new Promise((resolve, reject) => {
    const proc = fork(SELF, ['--child'], {
      // `node bench/informer/index.js --cpu-prof` profiles every case (profiles land in ./profiles)
      execArgv: process.argv.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir=profiles'] : [],
      env: { ...process.env, OPKIT_BENCH_INFORMER: JSON.stringify(env) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = {};
    const timer = setTimeout(() => {
      proc.kill();
      reject(new Error(`${env.case} with ${env.n} objects timed out`));
    }, 180_000);
    proc.on('message', async (m) => {
      try {
        if (m.type === 'synced') {
          Object.assign(result, { syncMs: m.syncMs, syncRssMiB: m.syncRssMiB, baseRssMiB: m.baseRssMiB });
          proc.send({ type: 'updates', count: updates });
        } else if (m.type === 'ready') {
          await updateStream(cluster, env.n, updates, round);
        } else if (m.type === 'updated') {
          Object.assign(result, { eventsPerSecond: m.eventsPerSecond, peakRssMiB: m.peakRssMiB });
          proc.send({ type: 'exit' });
        } else if (m.type === 'error') {
          process.stderr.write(`[${env.case}] ${m.message}\n`);
        }
      } catch (err) {
        proc.kill();
        reject(err);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0 && result.eventsPerSecond !== undefined) resolve(result);
      else reject(new Error(`${env.case} with ${env.n} objects exited with ${code}`));
    });
  });
}

/**
 * Runs every case `runs` times per size, interleaved (a, b, c, a, b, c, ...) so that drift hits
 * all cases alike, and returns medians.
 * @returns {Promise<{rows: Array<{n: number, case: string, syncMs: number, syncRssMiB: number, baseRssMiB: number, eventsPerSecond: number, peakRssMiB: number}>, updates: number, runs: number}>}
 */
export async function runInformerBench({
  sizes = [10_000, 50_000],
  runs = 5,
  updates = 20_000,
  onProgress = () => {},
} = {}) {
  const { LocalCluster } = await import('../../packages/local-cluster/dist/index.js');
  const dir = await mkdtemp(path.join(tmpdir(), 'opkit-bench-informer-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  // history must cover a client that falls behind the update stream
  // The update stream is written straight into the store, far faster than a real API server accepts
  // writes: let watchers fall that far behind instead of being ended as unresponsive.
  const cluster = await LocalCluster.start({
    nodes: false,
    historySize: Math.max(10_000, updates * 2),
    watchBufferSize: updates * 2,
  });
  const rows = [];
  try {
    await writeFile(kubeconfigPath, cluster.kubeconfig, { mode: 0o600 });
    const nsType = cluster.api.registry.byKind('', 'v1', 'Namespace');
    await cluster.api.create(nsType, '', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NAMESPACE },
    });
    let have = 0;
    let round = 0;
    for (const n of sizes) {
      await populate(cluster, have, n);
      have = n;
      const samples = Object.fromEntries(CASES.map((c) => [c, []]));
      for (let r = 0; r < runs; r++) {
        for (const c of CASES) {
          const env = {
            case: c,
            n,
            url: cluster.url,
            token: cluster.token,
            caCert: cluster.caCert,
            kubeconfigPath,
          };
          const s = await runCase(cluster, env, updates, round++);
          samples[c].push(s);
          onProgress(
            `${c} n=${n} run ${r + 1}/${runs}: synced in ${s.syncMs.toFixed(0)} ms, ${s.syncRssMiB.toFixed(0)} MiB, ${Math.round(s.eventsPerSecond)} events/s`,
          );
        }
      }
      for (const c of CASES) {
        const xs = samples[c];
        rows.push({
          n,
          case: c,
          syncMs: median(xs.map((x) => x.syncMs)),
          syncRssMiB: median(xs.map((x) => x.syncRssMiB)),
          baseRssMiB: median(xs.map((x) => x.baseRssMiB)),
          eventsPerSecond: median(xs.map((x) => x.eventsPerSecond)),
          peakRssMiB: median(xs.map((x) => x.peakRssMiB)),
        });
      }
    }
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { rows, updates, runs };
}

const LABELS = {
  opkit: 'opkit SharedInformer',
  makeInformer: 'client-node makeInformer',
  floor: 'floor (list+JSON.parse)',
};

/** The table of a {@link runInformerBench} result, as text. */
export function formatInformerTable({ rows, updates, runs }) {
  const head = [
    'objects',
    'case',
    'synced (ms)',
    '× floor',
    'peak RSS at sync',
    '× floor',
    `events/s (${updates / 1000}k updates)`,
    '× floor',
  ];
  const lines = [head];
  for (const r of rows) {
    const floor = rows.find((f) => f.n === r.n && f.case === 'floor');
    lines.push([
      r.n.toLocaleString('en-US'),
      LABELS[r.case],
      r.syncMs.toFixed(0),
      (r.syncMs / floor.syncMs).toFixed(2),
      `${r.syncRssMiB.toFixed(0)} MiB`,
      (r.syncRssMiB / floor.syncRssMiB).toFixed(2),
      Math.round(r.eventsPerSecond).toLocaleString('en-US'),
      (r.eventsPerSecond / floor.eventsPerSecond).toFixed(2),
    ]);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
  const fmtLine = (l) =>
    l.map((c, i) => (i <= 1 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [
    `Informer initial sync and update stream (median of ${runs} runs, each case in a fresh process)`,
    fmtLine(head),
    fmtLine(widths.map((w) => '-'.repeat(w))),
    ...lines.slice(1).map(fmtLine),
  ].join('\n');
}

if (process.argv.includes('--child')) {
  await child();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // --quick: one run of 10k objects and 5k patches (a smoke test)
  const quick = process.argv.includes('--quick');
  const result = await runInformerBench({
    ...(quick ? { sizes: [10_000], runs: 1, updates: 5_000 } : {}),
    onProgress: (line) => process.stderr.write(`  ${line}\n`),
  });
  console.log(formatInformerTable(result));
}
