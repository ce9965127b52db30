// One case of the pipeline benchmark (a child process of index.js): reconcile every Widget once with
// a status write, then print {"case", "reconciles", "wallMs", "peakRssMb"} as one JSON line.
//   opkit: a Manager with one controller (informer → queue → workers → updateStatus)
//   plain: @kubernetes/client-node list + Watch feeding a Set-deduplicated array, the same number of
//          async workers, replaceNamespacedCustomObjectStatus
import { performance } from 'node:perf_hooks';
import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import {
  KubeClient,
  Manager,
  controllerFor,
  isNotFound,
  reconcilerFrom,
  silentLogger,
  updateStatus,
} from '../../packages/core/dist/index.js';

const [mode] = process.argv.slice(2);
const env = process.env;
const total = Number(env.BENCH_OBJECTS);
const workers = Number(env.BENCH_WORKERS ?? 8);
const namespace = env.BENCH_NAMESPACE ?? 'default';
const GVK = { group: 'bench.opkit.dev', version: 'v1alpha1', kind: 'Widget' };
const PLURAL = 'widgets';
const start = performance.now();
let done = 0;
let finished;
const allDone = new Promise((resolve) => (finished = resolve));
const count = () => {
  if (++done === total) finished();
};
// what "reconciled" means in both cases: .status.handledBy names this case and observes the generation
const needsWork = (obj) => obj.status?.handledBy !== mode;

async function runOpkit() {
  const client = KubeClient.fromYaml(env.BENCH_KUBECONFIG);
  const manager = Manager.create({
    client,
    logger: silentLogger(),
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
  });
  manager.add(
    controllerFor(GVK)
      .withOptions({ maxConcurrentReconciles: workers })
      .complete(
        reconcilerFrom(async (req) => {
          let obj;
          try {
            obj = await manager.cachedClient.get(GVK, req.name, { namespace: req.namespace });
          } catch (err) {
            if (isNotFound(err)) return;
            throw err;
          }
          if (!needsWork(obj)) return;
          await updateStatus(manager.client, obj, (o) => {
            o.status = { handledBy: mode, observedGeneration: o.metadata.generation };
          });
          count();
        }),
      ),
  );
  const stop = new AbortController();
  const run = manager.start(stop.signal);
  await allDone;
  const wallMs = performance.now() - start;
  stop.abort();
  await run;
  return wallMs;
}

async function runPlain() {
  const kc = new KubeConfig();
  kc.loadFromString(env.BENCH_KUBECONFIG);
  const api = kc.makeApiClient(CustomObjectsApi);
  const queue = [];
  const queued = new Set();
  const latest = new Map();
  const waiters = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  const enqueue = (obj) => {
    const name = obj.metadata.name;
    latest.set(name, obj);
    if (queued.has(name)) return;
    queued.add(name);
    queue.push(name);
    wake();
  };
  const list = await api.listNamespacedCustomObject({
    group: GVK.group,
    version: GVK.version,
    namespace,
    plural: PLURAL,
  });
  for (const obj of list.items) enqueue(obj);
  const watch = new Watch(kc);
  const abort = await watch.watch(
    `/apis/${GVK.group}/${GVK.version}/namespaces/${namespace}/${PLURAL}`,
    { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
    (phase, obj) => {
      if (phase === 'ADDED' || phase === 'MODIFIED') enqueue(obj);
    },
    () => undefined,
  );
  let stopping = false;
  const worker = async () => {
    while (!stopping) {
      const name = queue.shift();
      if (name === undefined) {
        await new Promise((r) => waiters.push(r));
        continue;
      }
      queued.delete(name);
      const obj = latest.get(name);
      if (!needsWork(obj)) continue;
      const body = { ...obj, status: { handledBy: mode, observedGeneration: obj.metadata.generation } };
      try {
        await api.replaceNamespacedCustomObjectStatus({
          group: GVK.group,
          version: GVK.version,
          namespace,
          plural: PLURAL,
          name,
          body,
        });
        count();
      } catch {
        enqueue(obj); // a conflict: the watch brings the newer object
      }
    }
  };
  const running = Array.from({ length: workers }, worker);
  await allDone;
  const wallMs = performance.now() - start;
  stopping = true;
  wake(); // every idle worker sees `stopping`
  abort.abort();
  await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, 100))]);
  return wallMs;
}

const wallMs = mode === 'opkit' ? await runOpkit() : await runPlain();
const peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ case: mode, reconciles: done, wallMs, peakRssMb })}\n`);
process.exit(0);
