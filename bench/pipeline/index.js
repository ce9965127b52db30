// Pipeline benchmark: N custom resources (default 10 000 Widgets), each reconciled once with a status
// write — opkit's Manager (informer, work queue, workers, updateStatus) next to a plain
// @kubernetes/client-node list + Watch loop with the same number of workers doing the same write.
// Each case runs in its own child process on the same LocalCluster: wall time (process start to the
// last status write), reconciles/s and peak RSS. Run `npm run build` first, then
// `node bench/pipeline/index.js`; `runPipelineBench()` returns the figures for bench/run.js.
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { KubeClient } from '../../packages/core/dist/index.js';
import { LocalCluster } from '../../packages/local-cluster/dist/index.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.bench.opkit.dev' },
  spec: {
    group: 'bench.opkit.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { size: { type: 'integer' }, content: { type: 'string' } },
              },
              status: {
                type: 'object',
                properties: { handledBy: { type: 'string' }, observedGeneration: { type: 'integer' } },
              },
            },
          },
        },
      },
    ],
  },
};

async function createWidgets(client, count, concurrency = 32) {
  let next = 0;
  const one = async () => {
    while (next < count) {
      const i = next++;
      await client.create({
        apiVersion: 'bench.opkit.dev/v1alpha1',
        kind: 'Widget',
        metadata: { name: `widget-${i}`, namespace: 'default', labels: { bench: 'pipeline' } },
        spec: { size: i % 7, content: `<p>widget ${i}</p>` },
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
}

function runCase(kubeconfig, mode, objects, workers) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, mode], {
      env: {
        ...process.env,
        BENCH_KUBECONFIG: kubeconfig,
        BENCH_OBJECTS: String(objects),
        BENCH_WORKERS: String(workers),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString()));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line);
        resolve({ ...r, reconcilesPerSecond: (r.reconciles / r.wallMs) * 1000 });
      } catch {
        reject(new Error(`${mode} case exited ${code} without a result: ${out}`));
      }
    });
  });
}

/**
 * Creates the objects, then runs the opkit case and the plain client-node case, each in a child process.
 * @returns {Promise<{objects: number, workers: number, setupMs: number, rows: Array<{case: string, reconciles: number, wallMs: number, reconcilesPerSecond: number, peakRssMb: number}>}>}
 */
export async function runPipelineBench({ objects = 10_000, workers = 8 } = {}) {
  const cluster = await LocalCluster.start({ nodes: false, historySize: Math.max(10_000, objects * 3) });
  try {
    const client = KubeClient.fromYaml(cluster.kubeconfig);
    await client.create(WIDGET_CRD);
    const setupStart = performance.now();
    for (let i = 0; ; i++) {
      try {
        await client.list(
          { group: 'bench.opkit.dev', version: 'v1alpha1', kind: 'Widget' },
          { namespace: 'default', limit: 1 },
        );
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await createWidgets(client, objects);
    const setupMs = performance.now() - setupStart;
    // both cases reconcile every object: each writes its own name into .status.handledBy
    const rows = [
      await runCase(cluster.kubeconfig, 'opkit', objects, workers),
      await runCase(cluster.kubeconfig, 'plain', objects, workers),
    ];
    return { objects, workers, setupMs, rows };
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const objects = Number(process.env.BENCH_OBJECTS ?? 10_000);
  const { rows, workers, setupMs } = await runPipelineBench({ objects });
  const widths = [34, 12, 12, 16, 14];
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  const names = { opkit: 'opkit Manager', plain: 'client-node list + Watch loop' };
  console.log(
    `${objects} custom resources, each reconciled once with a status write, ${workers} workers (setup ${Math.round(setupMs)} ms)`,
  );
  console.log(line(['case', 'reconciles', 'wall time', 'reconciles/s', 'peak RSS']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows)
    console.log(
      line([
        names[r.case] ?? r.case,
        r.reconciles,
        `${Math.round(r.wallMs)} ms`,
        Math.round(r.reconcilesPerSecond),
        `${Math.round(r.peakRssMb)} MB`,
      ]),
    );
}
