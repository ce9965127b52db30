import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import type { KubeObject } from '../api/index.js';
import { ApiCore } from '../apiserver/index.js';
import { findNssWrapper } from '../dns/index.js';
import { ResourceRegistry } from '../registry/index.js';
import { ProcessRuntime, RuntimeRegistry, SimulatedRuntime } from '../runtime/index.js';
import { ObjectStore } from '../storage/index.js';
import { startNodeAgents, type NodeAgents } from './index.js';

const running: NodeAgents[] = [];
afterEach(async () => {
  while (running.length) await running.pop()?.stop();
});

async function setup(
  runtimes?: RuntimeRegistry,
): Promise<{ core: ApiCore; agents: NodeAgents; events: KubeObject[] }> {
  const store = await ObjectStore.open();
  const core = new ApiCore({ store, registry: ResourceRegistry.withBuiltins() });
  await core.bootstrap();
  const events: KubeObject[] = [];
  store.subscribe((e) => {
    if (e.key.resource === '/pods') events.push(e.object);
  });
  const agents = await startNodeAgents(core, {
    timings: { timeScale: 0.01, containerCreatingSeconds: 2 },
    ...(runtimes ? { runtimes } : {}),
  });
  running.push(agents);
  return { core, agents, events };
}

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

type PodStatus = {
  phase?: string;
  podIP?: string;
  hostIP?: string;
  conditions?: { type: string; status: string; reason?: string }[];
  containerStatuses?: {
    name: string;
    ready: boolean;
    started?: boolean;
    restartCount: number;
    state: Record<string, { reason?: string; exitCode?: number }>;
    lastState: Record<string, { exitCode?: number }>;
  }[];
};

function statusOf(core: ApiCore, ns: string, name: string): PodStatus | undefined {
  return core.store.get({ resource: '/pods', namespace: ns, name })?.status as PodStatus | undefined;
}

function condition(s: PodStatus | undefined, type: string): string | undefined {
  return s?.conditions?.find((c) => c.type === type)?.status;
}

async function createPod(core: ApiCore, pod: Record<string, unknown>, ns = 'default'): Promise<KubeObject> {
  return core.create(core.typeOf('', 'v1', 'pods'), ns, { apiVersion: 'v1', kind: 'Pod', ...pod });
}

const nssWrapper = findNssWrapper();
const hasEtcd = (() => {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    execFileSync('etcdctl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('nodes and scheduling', () => {
  it('registers Ready nodes with leases and spreads pods over them', async () => {
    const { core } = await setup();
    const nodes = core.store.list('/nodes', {}).items;
    expect(nodes.map((n) => n.metadata.name)).toEqual(['local-node-1', 'local-node-2', 'local-node-3']);
    const status = nodes[0]?.status as {
      conditions: { type: string; status: string }[];
      addresses: { type: string; address: string }[];
      allocatable: Record<string, string>;
    };
    expect(status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(status.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.2' });
    expect(status.allocatable.pods).toBe('110');
    expect(
      core.store.get({
        resource: 'coordination.k8s.io/leases',
        namespace: 'kube-node-lease',
        name: 'local-node-2',
      }),
    ).toBeDefined();

    for (const i of [1, 2, 3])
      await createPod(core, {
        metadata: { name: `p${i}` },
        spec: { containers: [{ name: 'c', image: 'app:1' }] },
      });
    await createPod(core, {
      metadata: { name: 'pinned' },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': 'local-node-3' },
        containers: [{ name: 'c', image: 'app:1' }],
      },
    });
    await createPod(core, {
      metadata: { name: 'nowhere' },
      spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'app:1' }] },
    });
    const nodeOf = (n: string) =>
      (core.store.get({ resource: '/pods', namespace: 'default', name: n })?.spec as { nodeName?: string })
        .nodeName;
    await waitFor('scheduling', () => ['p1', 'p2', 'p3', 'pinned'].every((n) => nodeOf(n)));
    expect(new Set(['p1', 'p2', 'p3'].map(nodeOf)).size).toBe(3);
    expect(nodeOf('pinned')).toBe('local-node-3');
    const unschedulable = await waitFor('unschedulable', () =>
      statusOf(core, 'default', 'nowhere')?.conditions?.find(
        (c) => c.type === 'PodScheduled' && c.status === 'False',
      ),
    );
    expect(unschedulable.reason).toBe('Unschedulable');
  });

  it('keeps a pod with an unbound PVC pending until the claim is Bound', async () => {
    const { core } = await setup();
    const pvcType = core.typeOf('', 'v1', 'persistentvolumeclaims');
    await core.create(pvcType, 'default', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    await createPod(core, {
      metadata: { name: 'db' },
      spec: {
        containers: [{ name: 'c', image: 'app:1' }],
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }],
      },
    });
    await waitFor(
      'unschedulable',
      () => condition(statusOf(core, 'default', 'db'), 'PodScheduled') === 'False',
    );
    const pvc = core.store.get({
      resource: '/persistentvolumeclaims',
      namespace: 'default',
      name: 'data',
    }) as KubeObject;
    await core.update(
      pvcType,
      'default',
      'data',
      { ...pvc, status: { phase: 'Bound' } },
      { subresource: 'status' },
    );
    await waitFor('running', () => statusOf(core, 'default', 'db')?.phase === 'Running');
  });
});

describe('pod lifecycle', () => {
  it('runs a simulated pod through ContainerCreating to Running and Ready', async () => {
    const runtimes = new RuntimeRegistry(new SimulatedRuntime({ readyAfterMs: 50 }));
    const { core, events } = await setup(runtimes);
    await createPod(core, {
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'app', image: 'nginx:1' }] },
    });
    await waitFor('ready', () => condition(statusOf(core, 'default', 'web'), 'Ready') === 'True');
    const s = statusOf(core, 'default', 'web') as PodStatus;
    expect(s.phase).toBe('Running');
    expect(s.podIP).toMatch(/^127\.1\d\d\.\d+\.\d+$/);
    expect(s.hostIP).toMatch(/^127\.0\.0\.\d$/);
    expect(s.conditions?.map((c) => c.type)).toEqual([
      'PodReadyToStartContainers',
      'Initialized',
      'Ready',
      'ContainersReady',
      'PodScheduled',
    ]);
    expect(s.containerStatuses?.[0]).toMatchObject({
      name: 'app',
      ready: true,
      started: true,
      restartCount: 0,
    });
    const creating = events.some(
      (p) => (p.status as PodStatus).containerStatuses?.[0]?.state.waiting?.reason === 'ContainerCreating',
    );
    expect(creating).toBe(true);
    const unready = events.some(
      (p) =>
        (p.status as PodStatus).phase === 'Running' && condition(p.status as PodStatus, 'Ready') === 'False',
    );
    expect(unready).toBe(true);
  });

  it('runs a process pod whose log is readable, restarts it when killed and keeps the previous log', async () => {
    const { core, agents } = await setup();
    await createPod(core, {
      metadata: { name: 'hello' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'echo hi from $(POD_NAME) on $NODE; sleep 30'],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            ],
          },
        ],
      },
    });
    await waitFor('running', () => statusOf(core, 'default', 'hello')?.containerStatuses?.[0]?.state.running);
    let text = '';
    for (let i = 0; i < 200 && !text; i++) {
      text = await agents.logs.read('default', 'hello');
      if (!text) await new Promise((r) => setTimeout(r, 10));
    }
    expect(text).toMatch(/^hi from hello on local-node-\d\n$/);
    const exec = await agents.exec('default', 'hello', 'main', ['sh', '-c', 'echo $HOSTNAME; exit 3']);
    expect(exec).toEqual({ stdout: 'hello\n', stderr: '', exitCode: 3 });
    agents.faults.killContainer('default', 'hello');
    const restarted = await waitFor('restart', () => {
      const cs = statusOf(core, 'default', 'hello')?.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state.running ? cs : undefined;
    });
    expect(restarted.lastState.terminated?.exitCode).toBe(137);
    const previous = await agents.logs.read('default', 'hello', { previous: true, timestamps: true });
    expect(previous).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z hi from hello/);
    await expect(agents.logs.read('default', 'nope')).rejects.toMatchObject({ code: 404 });
  });

  it('shows CrashLoopBackOff for a crashing container, then terminates a Never pod as Failed', async () => {
    const { core } = await setup();
    await createPod(core, {
      metadata: { name: 'crash' },
      spec: { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 2'] }] },
    });
    const waiting = await waitFor('backoff', () => {
      const cs = statusOf(core, 'default', 'crash')?.containerStatuses?.[0];
      return cs?.state.waiting?.reason === 'CrashLoopBackOff' ? cs : undefined;
    });
    expect(waiting.lastState.terminated?.exitCode).toBe(2);
    expect(waiting.restartCount).toBeGreaterThanOrEqual(1);
    await createPod(core, {
      metadata: { name: 'once' },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 1'] }],
      },
    });
    await waitFor('failed', () => statusOf(core, 'default', 'once')?.phase === 'Failed');
    await createPod(core, {
      metadata: { name: 'ok' },
      spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] },
    });
    await waitFor('succeeded', () => statusOf(core, 'default', 'ok')?.phase === 'Succeeded');
  });

  it('runs readiness and liveness probes for real', async () => {
    const { core, agents } = await setup();
    await createPod(core, {
      metadata: { name: 'probed' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sh', '-c', 'sleep 30'],
            readinessProbe: { exec: { command: ['test', '-f', '/data/ready'] }, periodSeconds: 2 },
            livenessProbe: {
              exec: { command: ['test', '!', '-f', '/data/dead'] },
              periodSeconds: 2,
              failureThreshold: 2,
            },
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    });
    await waitFor('running', () => statusOf(core, 'default', 'probed')?.phase === 'Running');
    await new Promise((r) => setTimeout(r, 100));
    expect(condition(statusOf(core, 'default', 'probed'), 'Ready')).toBe('False');
    await agents.exec('default', 'probed', 'c', ['touch', '/data/ready']);
    await waitFor('ready', () => condition(statusOf(core, 'default', 'probed'), 'Ready') === 'True');
    agents.faults.setUnready('default', 'probed');
    await waitFor('unready fault', () => condition(statusOf(core, 'default', 'probed'), 'Ready') === 'False');
    agents.faults.setUnready('default', 'probed', false);
    await agents.exec('default', 'probed', 'c', ['touch', '/data/dead']);
    await waitFor(
      'liveness restart',
      () => (statusOf(core, 'default', 'probed')?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
    );
  });

  it('terminates gracefully: preStop, SIGTERM, then the pod object is deleted', async () => {
    const { core, agents } = await setup();
    await createPod(core, {
      metadata: { name: 'graceful' },
      spec: {
        terminationGracePeriodSeconds: 100,
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: [
              'sh',
              '-c',
              'trap "echo got TERM >> /data/log; exit 0" TERM; while true; do sleep 0.05; done',
            ],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /data/log'] } } },
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
        volumes: [{ name: 'data', hostPath: { path: `${agents.dataDir}/graceful` } }],
      },
    });
    await waitFor(
      'running',
      () => statusOf(core, 'default', 'graceful')?.containerStatuses?.[0]?.state.running,
    );
    const podType = core.typeOf('', 'v1', 'pods');
    const marked = (await core.delete(podType, 'default', 'graceful')) as KubeObject;
    expect(marked.metadata.deletionTimestamp).toBeDefined();
    await waitFor(
      'deleted',
      () => !core.store.get({ resource: '/pods', namespace: 'default', name: 'graceful' }),
    );
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${agents.dataDir}/graceful/log`, 'utf8')).toBe('prestop\ngot TERM\n');
  });

  it('loses a node: pods turn Ready=False and stay; recovery runs them again', async () => {
    const { core, agents } = await setup();
    await createPod(core, {
      metadata: { name: 'member' },
      spec: { nodeName: 'local-node-2', containers: [{ name: 'c', image: 'app:1' }] },
    });
    await waitFor('ready', () => condition(statusOf(core, 'default', 'member'), 'Ready') === 'True');
    await agents.faults.loseNode('local-node-2');
    const node = core.store.get({ resource: '/nodes', namespace: '', name: 'local-node-2' });
    expect(
      (node?.status as { conditions: { type: string; status: string }[] }).conditions.find(
        (c) => c.type === 'Ready',
      )?.status,
    ).toBe('Unknown');
    expect(condition(statusOf(core, 'default', 'member'), 'Ready')).toBe('False');
    await core.delete(core.typeOf('', 'v1', 'pods'), 'default', 'member');
    await new Promise((r) => setTimeout(r, 100));
    expect(
      core.store.get({ resource: '/pods', namespace: 'default', name: 'member' })?.metadata.deletionTimestamp,
    ).toBeDefined();
    await agents.faults.recoverNode('local-node-2');
    await waitFor(
      'deleted after recovery',
      () => !core.store.get({ resource: '/pods', namespace: 'default', name: 'member' }),
    );
  });
});

describe('cluster DNS', () => {
  it('resolves a pod behind a headless Service from a process and from Node', async () => {
    if (!nssWrapper && process.env.CI !== 'true') {
      process.stdout.write('skipped: libnss_wrapper.so not found (apt-get install libnss-wrapper)\n');
      return;
    }
    const { core, agents } = await setup();
    await core.create(core.typeOf('', 'v1', 'services'), 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db' },
      spec: {
        clusterIP: 'None',
        selector: { app: 'db' },
        publishNotReadyAddresses: true,
        ports: [{ port: 2379 }],
      },
    });
    await createPod(core, {
      metadata: { name: 'db-0', labels: { app: 'db' } },
      spec: {
        hostname: 'db-0',
        subdomain: 'db',
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '30'] }],
      },
    });
    const ip = await waitFor('pod IP', () => statusOf(core, 'default', 'db-0')?.podIP);
    await waitFor('record', () => agents.resolver.lookup('db-0.db.default.svc.cluster.local') === ip);
    expect(agents.resolver.lookup('db-0.db')).toBe(ip);
    await createPod(core, {
      metadata: { name: 'client' },
      spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '30'] }] },
    });
    await waitFor(
      'client running',
      () => statusOf(core, 'default', 'client')?.containerStatuses?.[0]?.state.running,
    );
    const full = await agents.exec('default', 'client', 'c', [
      'getent',
      'hosts',
      'db-0.db.default.svc.cluster.local',
    ]);
    expect(full.stdout.split(/\s+/)[0]).toBe(ip);
    const short = await agents.exec('default', 'client', 'c', ['getent', 'hosts', 'db-0.db']);
    expect(short.stdout.split(/\s+/)[0]).toBe(ip);
  });
});

describe('etcd from pods', () => {
  it('runs a 3-member etcd cluster that answers etcdctl by DNS name', async () => {
    if ((!hasEtcd || !nssWrapper) && process.env.CI !== 'true') {
      process.stdout.write(
        'skipped: etcd/etcdctl or libnss_wrapper not installed (apt-get install etcd-server etcd-client libnss-wrapper)\n',
      );
      return;
    }
    const runtimes = new RuntimeRegistry(new SimulatedRuntime())
      .register('quay.io/coreos/etcd:*', new ProcessRuntime())
      .register('busybox*', new ProcessRuntime());
    const { core, agents } = await setup(runtimes);
    await core.create(core.typeOf('', 'v1', 'services'), 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'etcd' },
      spec: {
        clusterIP: 'None',
        selector: { app: 'etcd' },
        publishNotReadyAddresses: true,
        ports: [
          { name: 'client', port: 2379 },
          { name: 'peer', port: 2380 },
        ],
      },
    });
    const peers = [0, 1, 2]
      .map((i) => `etcd-${i}=http://etcd-${i}.etcd.default.svc.cluster.local:2380`)
      .join(',');
    for (const i of [0, 1, 2]) {
      await createPod(core, {
        metadata: { name: `etcd-${i}`, labels: { app: 'etcd' } },
        spec: {
          hostname: `etcd-${i}`,
          subdomain: 'etcd',
          containers: [
            {
              name: 'etcd',
              image: 'quay.io/coreos/etcd:v3.4.34',
              command: ['/usr/local/bin/etcd'],
              args: [
                '--name=$(POD_NAME)',
                '--data-dir=/var/lib/etcd',
                '--listen-peer-urls=http://0.0.0.0:2380',
                '--listen-client-urls=http://0.0.0.0:2379',
                '--advertise-client-urls=http://$(POD_NAME).etcd.default.svc.cluster.local:2379',
                '--initial-advertise-peer-urls=http://$(POD_NAME).etcd.default.svc.cluster.local:2380',
                `--initial-cluster=${peers}`,
                '--initial-cluster-state=new',
              ],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }],
            },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      });
    }
    await waitFor(
      'members running',
      () =>
        [0, 1, 2].every((i) => statusOf(core, 'default', `etcd-${i}`)?.containerStatuses?.[0]?.state.running),
      30_000,
    );
    await createPod(core, {
      metadata: { name: 'client' },
      spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '60'] }] },
    });
    await waitFor(
      'client running',
      () => statusOf(core, 'default', 'client')?.containerStatuses?.[0]?.state.running,
    );
    const endpoints = [0, 1, 2].map((i) => `http://etcd-${i}.etcd.default.svc.cluster.local:2379`).join(',');
    let health = { stdout: '', stderr: '', exitCode: -1 };
    const end = Date.now() + 20000;
    while (Date.now() < end) {
      health = await agents.exec(
        'default',
        'client',
        'c',
        ['etcdctl', `--endpoints=${endpoints}`, 'put', 'greeting', 'hello'],
        { timeoutMs: 5000 },
      );
      if (health.exitCode === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(health.stdout.trim()).toBe('OK');
    const got = await agents.exec('default', 'client', 'c', [
      'etcdctl',
      '--endpoints=http://etcd-2.etcd:2379',
      'get',
      'greeting',
      '--print-value-only',
    ]);
    expect(got.stdout.trim()).toBe('hello');
  }, 40000);
});
