// Benchmark of the local cluster's API server: create throughput over HTTPS and the cost of fanning
// each write out to 100 watchers. Run through `npm run bench` (which builds first), or alone:
//   node bench/apiserver/index.js
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { LocalCluster } from '../../packages/local-cluster/dist/index.js';

function requester(cluster) {
  const url = new URL(cluster.url);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: cluster.caCert });
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = https.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: {
            authorization: `Bearer ${cluster.token}`,
            'content-type': 'application/json',
            ...(data ? { 'content-length': data.length } : {}),
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 300)
              reject(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`));
            else resolve(Buffer.concat(chunks));
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
}

function watcher(cluster, path, onEvent) {
  const url = new URL(cluster.url);
  const req = https.request({
    host: url.hostname,
    port: url.port,
    path,
    ca: cluster.caCert,
    headers: { authorization: `Bearer ${cluster.token}` },
  });
  req.on('response', (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        if (nl > 0) onEvent(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return () => req.destroy();
}

async function createMany(request, ns, count, concurrency) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm-${i}`, labels: { bench: 'yes' } },
          data: { value: String(i) },
        });
      }
    }),
  );
  return performance.now() - start;
}

/** Runs the benchmark and returns its figures. */
export async function runApiServerBench({ writes = 5000, watchers = 100, fanoutWrites = 1000 } = {}) {
  const cluster = await LocalCluster.start();
  const request = requester(cluster);
  try {
    await request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'bench' },
    });
    const createMs = await createMany(request, 'bench', writes, 16);

    await request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'fanout' },
    });
    let received = 0;
    const target = watchers * fanoutWrites;
    let done;
    const allDelivered = new Promise((resolve) => (done = resolve));
    const stops = [];
    for (let i = 0; i < watchers; i++) {
      stops.push(
        watcher(cluster, '/api/v1/namespaces/fanout/configmaps?watch=true&resourceVersion=1', () => {
          if (++received === target) done();
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 500));
    const fanStart = performance.now();
    await createMany(request, 'fanout', fanoutWrites, 16);
    const writesDoneMs = performance.now() - fanStart;
    await Promise.race([allDelivered, new Promise((r) => setTimeout(r, 60_000))]);
    const fanMs = performance.now() - fanStart;
    for (const stop of stops) stop();
    return {
      writes,
      writesPerSecond: Math.round((writes / createMs) * 1000),
      watchers,
      fanoutWrites,
      fanoutWritesPerSecond: Math.round((fanoutWrites / writesDoneMs) * 1000),
      eventsDelivered: received,
      eventsPerSecond: Math.round((received / fanMs) * 1000),
      allDeliveredMs: Math.round(fanMs),
    };
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runApiServerBench();
  console.log('API server (HTTPS, client keep-alive, 16 concurrent writers)');
  console.table([
    { figure: `creates/s (${r.writes} ConfigMaps, no watchers)`, value: r.writesPerSecond },
    { figure: `creates/s with ${r.watchers} watchers`, value: r.fanoutWritesPerSecond },
    {
      figure: `watch events delivered/s (${r.watchers} watchers × ${r.fanoutWrites} writes)`,
      value: r.eventsPerSecond,
    },
    { figure: 'all events delivered after (ms)', value: r.allDeliveredMs },
    { figure: 'events delivered', value: r.eventsDelivered },
  ]);
}
