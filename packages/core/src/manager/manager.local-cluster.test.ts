/** The Manager against @opkit/local-cluster: start order, readiness, graceful stop, injection, leader election. */
import { describe, it, expect } from '@jest/globals';
import { KubeClient, type KubeObject } from '../client/index.js';
import { controllerFor } from '../controller/index.js';
import { Controller, Inject } from '../decorators/index.js';
import { leaseClientFor, type Lease, type LeaseClient } from '../leaderelection/index.js';
import { silentLogger } from '../log/index.js';
import { Reconciler, reconcilerFrom, type ReconcileContext, type Request } from '../reconcile/index.js';
import { LeaderElectionLostError, Manager, ManagerTokens, managerOptionsFromEnv } from './index.js';
import { eventually, sleepMs, useTestCluster } from '../__tests__/local-cluster.js';

const cm = (name: string, namespace = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
});

class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}
const GREETER = Symbol('Greeter');

@Controller({ for: 'v1/ConfigMap', name: 'decorated', maxConcurrentReconciles: 2 })
class DecoratedReconciler extends Reconciler {
  static seen: string[] = [];
  constructor(
    @Inject(GREETER) private readonly greeter: Greeter,
    @Inject(ManagerTokens.KubeClient) readonly client: KubeClient,
  ) {
    super();
  }
  async reconcile(req: Request): Promise<void> {
    DecoratedReconciler.seen.push(this.greeter.greet(req.name));
  }
}

describe('Manager on a LocalCluster', () => {
  const suite = useTestCluster(async ({ client }) => {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
  });
  const base = (): {
    client: KubeClient;
    logger: ReturnType<typeof silentLogger>;
    healthProbeBindAddress: string;
    metricsBindAddress: string;
  } => ({
    client: suite.client,
    logger: silentLogger(),
    healthProbeBindAddress: '127.0.0.1:0',
    metricsBindAddress: '127.0.0.1:0',
  });

  it('serves probes, syncs caches before reconciling, resolves decorated reconcilers through the container', async () => {
    await suite.client.create(cm('m1'));
    const order: string[] = [];
    const manager = Manager.create(base());
    manager.container.bind(GREETER).toConstantValue(new Greeter());
    manager.add(DecoratedReconciler);
    manager.add(
      controllerFor('v1/ConfigMap')
        .named('plain')
        .complete(
          reconcilerFrom(async (req) => {
            order.push(
              `${manager.informers.all().every((i) => i.hasSynced()) ? 'synced' : 'unsynced'}:${req.name}`,
            );
          }),
        ),
    );
    const stop = new AbortController();
    const run = manager.start(stop.signal);
    await eventually(
      () => order.includes('synced:m1') && DecoratedReconciler.seen.includes('hello m1'),
      'reconciles',
    );
    expect(order.every((o) => o.startsWith('synced:'))).toBe(true);
    const { healthProbe, metrics } = manager.addresses;
    expect((await fetch(`http://${healthProbe}/healthz`)).status).toBe(200);
    expect((await fetch(`http://${healthProbe}/readyz`)).status).toBe(200);
    const text = await (await fetch(`http://${metrics}/metrics`)).text();
    expect(text).toContain('controller_runtime_reconcile_total{controller="decorated"');
    stop.abort();
    await run;
    expect(manager.phase).toBe('stopped');
  });

  it("counts its client's requests on /metrics as rest_client_requests_total", async () => {
    const client = KubeClient.fromYaml(suite.cluster.kubeconfig);
    const manager = Manager.create({ ...base(), client, namespaces: ['team-a'] });
    let reconciled = 0;
    manager.add(controllerFor('v1/ConfigMap').complete(reconcilerFrom(async () => void reconciled++)));
    const stop = new AbortController();
    const run = manager.start(stop.signal);
    await eventually(() => manager.phase === 'running', 'the manager running');
    await client.create(cm('counted', 'team-a'));
    await client.get({ group: '', version: 'v1', kind: 'ConfigMap' }, 'counted', { namespace: 'team-a' });
    await eventually(() => reconciled > 0, 'a reconcile');
    const host = new URL(suite.cluster.kubeconfig.match(/server: (\S+)/)![1]!).host;
    const text = await (await fetch(`http://${manager.addresses.metrics}/metrics`)).text();
    const count = (code: string, method: string): number =>
      Number(
        new RegExp(
          `^rest_client_requests_total\\{code="${code}",method="${method}",host="${host}"\\} (\\d+)$`,
          'm',
        ).exec(text)?.[1] ?? 0,
      );
    expect(count('200', 'GET')).toBeGreaterThanOrEqual(2); // discovery, list, the get
    expect(count('201', 'POST')).toBe(1);
    expect(text).toMatch(/^rest_client_request_duration_seconds_count\{verb="GET",host="[^"]+"\} \d+$/m);
    stop.abort();
    await run;
    // stopped: the client reports to the manager's registry no more
    await client.get({ group: '', version: 'v1', kind: 'ConfigMap' }, 'counted', { namespace: 'team-a' });
    const after = (await manager.metricsRegistry.getSingleMetricAsString('rest_client_requests_total')) ?? '';
    expect(after).toContain(
      `rest_client_requests_total{code="200",method="GET",host="${host}"} ${count('200', 'GET')}`,
    );
  });

  it('watches only the configured namespaces', async () => {
    await suite.client.create(cm('a1', 'team-a'));
    await suite.client.create(cm('b1', 'team-b'));
    await suite.client.create(cm('d1', 'default'));
    const seen: string[] = [];
    const manager = Manager.create({ ...base(), namespaces: ['team-a', 'team-b'] });
    manager.add(
      controllerFor('v1/ConfigMap').complete(
        reconcilerFrom(async (r) => void seen.push(`${r.namespace}/${r.name}`)),
      ),
    );
    const stop = new AbortController();
    const run = manager.start(stop.signal);
    await eventually(() => seen.includes('team-a/a1') && seen.includes('team-b/b1'), 'namespaced reconciles');
    await sleepMs(100);
    expect(seen.some((s) => s.startsWith('default/'))).toBe(false);
    stop.abort();
    await run;
  });

  it('on stop, waits for an in-flight reconcile to finish', async () => {
    await suite.client.create(cm('slow', 'team-a'));
    let started = false;
    let finished = false;
    const manager = Manager.create({ ...base(), namespaces: ['team-a'] });
    manager.add(
      controllerFor('v1/ConfigMap').complete(
        reconcilerFrom(async (req) => {
          if (req.name !== 'slow') return;
          started = true;
          await sleepMs(300);
          finished = true;
        }),
      ),
    );
    const stop = new AbortController();
    const run = manager.start(stop.signal);
    await eventually(() => started, 'the slow reconcile to start');
    stop.abort();
    await run;
    expect(finished).toBe(true);
  });

  it('runs controllers only on the leader; a leader that cannot renew stops its controllers', async () => {
    await suite.client.create(cm('le', 'team-b'));
    const leaseTimings = { leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 200 };
    const runs = new Map<string, number>();
    const active = new Set<string>();
    let broken = false;
    const makeManager = (id: string, leaseClient: LeaseClient): Manager => {
      const m = Manager.create({
        ...base(),
        namespaces: ['team-b'],
        leaderElection: {
          id: 'test-leader',
          namespace: 'team-b',
          identity: id,
          leaseClient,
          ...leaseTimings,
        },
      });
      m.add(
        controllerFor('v1/ConfigMap').complete(
          reconcilerFrom(async (_req, ctx: ReconcileContext) => {
            runs.set(id, (runs.get(id) ?? 0) + 1);
            active.add(id);
            ctx.signal.addEventListener('abort', () => active.delete(id));
          }),
        ),
      );
      return m;
    };
    const real = leaseClientFor(suite.client);
    const failing: LeaseClient = {
      get: (ns, n, s) => (broken ? Promise.reject(new Error('network down')) : real.get(ns, n, s)),
      create: (l: Lease, s) => (broken ? Promise.reject(new Error('network down')) : real.create(l, s)),
      replace: (l: Lease, s) => (broken ? Promise.reject(new Error('network down')) : real.replace(l, s)),
    };
    const a = makeManager('a', failing);
    const stopA = new AbortController();
    const runA = a.start(stopA.signal).catch((e: unknown) => e);
    await eventually(() => a.isLeader && (runs.get('a') ?? 0) > 0, 'a to lead and reconcile');
    const b = makeManager('b', real);
    const stopB = new AbortController();
    const runB = b.start(stopB.signal);
    await eventually(
      async () => (await fetch(`http://${b.addresses.healthProbe}/readyz`)).status === 200,
      'standby b ready',
    );
    await sleepMs(300);
    expect(b.isLeader).toBe(false);
    expect(runs.get('b')).toBeUndefined();

    try {
      broken = true; // a can no longer renew
      expect(await runA).toBeInstanceOf(LeaderElectionLostError);
      expect(a.isLeader).toBe(false);
      await eventually(() => b.isLeader && (runs.get('b') ?? 0) > 0, 'b to take over', 10_000);
      stopB.abort();
      await runB;
      const lease = await real.get('team-b', 'test-leader');
      expect(lease?.spec?.holderIdentity ?? '').toBe(''); // released on stop
    } finally {
      stopA.abort();
      stopB.abort();
      await Promise.allSettled([runA, runB]);
    }
  }, 30_000);
});

describe('managerOptionsFromEnv', () => {
  it('reads flags over environment variables', () => {
    const opts = managerOptionsFromEnv(
      [
        '--leader-elect',
        '--metrics-bind-address=:9090',
        '--namespace',
        'a',
        '--namespace=b,c',
        '--log-level',
        'debug',
        '--graceful-shutdown-timeout=10s',
      ],
      {
        OPKIT_NAMESPACES: 'x',
        OPKIT_LOG_FORMAT: 'json',
        POD_NAMESPACE: 'ops',
        OPKIT_HEALTH_PROBE_BIND_ADDRESS: ':7070',
      },
    );
    expect(opts).toEqual({
      leaderElection: { id: 'opkit-manager-leader', namespace: 'ops' },
      metricsBindAddress: ':9090',
      healthProbeBindAddress: ':7070',
      namespaces: ['a', 'b', 'c'],
      logLevel: 'debug',
      logFormat: 'json',
      gracefulShutdownTimeoutMs: 10_000,
    });
    expect(managerOptionsFromEnv(['--leader-elect=false'], { OPKIT_NAMESPACES: 'x, y' })).toEqual({
      leaderElection: false,
      namespaces: ['x', 'y'],
    });
    expect(() => managerOptionsFromEnv(['--log-format', 'xml'], {})).toThrow(/log-format/);
  });
});
