/**
 * The local cluster's nodes: for each simulated node a kubelet that runs the pods bound to it,
 * plus the scheduler and cluster DNS, started together by {@link startNodeAgents}.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errors, type KubeObject } from '../api/index.js';
import type { ApiCore } from '../apiserver/index.js';
import { ClusterDns, ClusterResolver } from '../dns/index.js';
import {
  ProcessRuntime,
  RuntimeRegistry,
  SimulatedRuntime,
  bufferedExecSession,
  type ExecOptions,
  type ExecResult,
  type ExecSession,
  type ExecStreamOptions,
  type RunningContainer,
} from '../runtime/index.js';
import { Scheduler } from '../scheduler/index.js';
import { PodLogs, type ContainerLogState, type PodLogSource } from './logs.js';
import { SimulatedNode } from './nodes.js';
import { PodWorker, type WorkerHost, type WorkerTimings } from './pod-worker.js';
import { claimDirectory } from './volumes.js';

/** Durations of the simulation, in seconds of the simulated cluster (multiplied by `timeScale`). */
export interface NodeAgentTimings {
  /** Multiplies every duration, spec ones included (probe periods, grace periods): 0.01 makes 10 s 100 ms. Default 1. */
  timeScale?: number;
  /** How long a pod shows ContainerCreating before its containers start (default 0.5). */
  containerCreatingSeconds?: number;
  /** First CrashLoopBackOff delay (default 10, as the kubelet). */
  backoffBaseSeconds?: number;
  /** Longest CrashLoopBackOff delay (default 300). */
  backoffMaxSeconds?: number;
  /** Lease renewal period (default 10, as the kubelet's nodeLeaseDurationSeconds/4). */
  leaseRenewSeconds?: number;
  /** Node status report period (default 60). */
  nodeStatusSeconds?: number;
  /** Retry period for missing ConfigMaps, Secrets and PVCs (default 1). */
  retrySeconds?: number;
  /** Time a terminated pod stays Terminating before the kubelet's final delete (default 1; see WorkerTimings). */
  podCleanupSeconds?: number;
}

/** Options of {@link startNodeAgents}. Every field has a default. */
export interface NodeAgentOptions {
  /** Node names, or how many `local-node-N` to make (default 3). */
  nodes?: number | string[];
  /** Where pod directories, logs, PVC data and hosts files go (default: a new temporary directory, removed on stop). */
  dataDir?: string;
  /** Image -> runtime (default: `busybox*` and etcd images run as processes, everything else simulated). */
  runtimes?: RuntimeRegistry;
  timings?: NodeAgentTimings;
  /** Run the scheduler (default true). */
  scheduler?: boolean;
  /** The cluster domain (default cluster.local). */
  clusterDomain?: string;
  now?: () => Date;
}

/** Fault injection for tests of failure handling. */
export interface Faults {
  /** Kills a pod's container processes (all containers, or the one named) as a crash would. */
  killContainer(namespace: string, pod: string, container?: string, signal?: 'SIGKILL' | 'SIGTERM'): void;
  /** Makes a pod's containers report unready (readiness probes fail) until called with false. */
  setUnready(namespace: string, pod: string, unready?: boolean, container?: string): void;
  /**
   * Loses a node: its kubelet stops (its containers die, no more heartbeats), the Node turns Ready=Unknown
   * and its pods Ready=False, as the node lifecycle controller marks them; the pods are not deleted.
   */
  loseNode(node: string): Promise<void>;
  /** Brings a lost node back: Ready again, its kubelet restarts the pods still bound to it. */
  recoverNode(node: string): Promise<void>;
  /** Deletes the data of a PVC (the directory stays, empty). */
  wipeVolume(namespace: string, claim: string): void;
  /** Delays every container start of the pod by `delayMs` (0 removes the delay); the pod need not exist yet. */
  slowStart(namespace: string, pod: string, delayMs: number): void;
}

/** What {@link startNodeAgents} returns. */
export interface NodeAgents {
  /** Stops everything: containers are killed, nothing more is written. */
  stop(): Promise<void>;
  readonly faults: Faults;
  readonly logs: PodLogs;
  /** Runs a command in a running container, in its environment. */
  exec(
    namespace: string,
    pod: string,
    container: string | undefined,
    command: string[],
    opts?: ExecOptions,
  ): Promise<ExecResult>;
  /**
   * Starts a command in a running container with its streams handed to the caller (`kubectl exec`);
   * throws an ApiError (400) when the container is not running or cannot exec.
   */
  execStream(
    namespace: string,
    pod: string,
    container: string | undefined,
    command: string[],
    opts?: ExecStreamOptions,
  ): ExecSession;
  /** Throws the ApiError {@link execStream} would throw for this container, without running anything. */
  checkExec(namespace: string, pod: string, container: string | undefined): void;
  readonly dns: ClusterDns;
  /** Resolves cluster names for code outside the cluster. */
  readonly resolver: ClusterResolver;
  readonly nodeNames: string[];
  readonly dataDir: string;
}

/** The default runtimes: busybox and etcd images as processes, everything else simulated. */
export function defaultRuntimes(): RuntimeRegistry {
  const processes = new ProcessRuntime();
  return new RuntimeRegistry(new SimulatedRuntime())
    .register('busybox*', processes)
    .register('quay.io/coreos/etcd:v3.4*', processes);
}

const PODS = { group: '', resource: 'pods' };

/**
 * Hands out pod IPs 127.<base+node>.B.C, never 127.0.x.x (the host's own loopback). Each cluster starts
 * at a random B, so that two local clusters on one machine (parallel test workers, a test beside
 * `opkit dev`) do not hand the same address, and so the same listening port, to two real processes.
 */
class PodAddresses {
  private readonly used = new Set<string>();
  private readonly start = randomInt(0, 256);

  allocate(prefix: string, wanted?: string): string {
    if (wanted && wanted.startsWith(`${prefix}.`) && !this.used.has(wanted)) {
      this.used.add(wanted);
      return wanted;
    }
    for (let i = 0; i < 256; i++) {
      const b = (this.start + i) % 256;
      for (let c = 1; c < 255; c++) {
        const ip = `${prefix}.${b}.${c}`;
        if (!this.used.has(ip)) {
          this.used.add(ip);
          return ip;
        }
      }
    }
    throw errors.internal(new Error(`no pod addresses left in ${prefix}.0.0/16`));
  }

  release(ip: string): void {
    this.used.delete(ip);
  }
}

/**
 * Starts the simulated nodes: registers the Nodes, renews their Leases, schedules pending pods and
 * runs the pods bound to each node with the runtime their images map to.
 */
export async function startNodeAgents(core: ApiCore, opts: NodeAgentOptions = {}): Promise<NodeAgents> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'opkit-nodes-'));
  mkdirSync(dataDir, { recursive: true });
  const now = opts.now ?? (() => new Date());
  const t = opts.timings ?? {};
  const scale = t.timeScale ?? 1;
  const seconds = (s: number): number => s * 1000 * scale;
  const timings: WorkerTimings = {
    seconds,
    containerCreatingMs: seconds(t.containerCreatingSeconds ?? 0.5),
    backoffBaseMs: seconds(t.backoffBaseSeconds ?? 10),
    backoffMaxMs: seconds(t.backoffMaxSeconds ?? 300),
    retryMs: seconds(t.retrySeconds ?? 1),
    podCleanupMs: seconds(t.podCleanupSeconds ?? 1),
  };
  const names = Array.isArray(opts.nodes)
    ? opts.nodes
    : Array.from({ length: opts.nodes ?? 3 }, (_, i) => `local-node-${i + 1}`);
  const nodes = new Map<string, SimulatedNode>();
  names.forEach((name, i) =>
    nodes.set(name, new SimulatedNode(core, name, `127.0.0.${i + 2}`, `127.${100 + i}.0.0/16`, now)),
  );
  const runtimes = opts.runtimes ?? defaultRuntimes();
  const volumesDir = join(dataDir, 'volumes');
  const dns = ClusterDns.start(core, {
    directory: join(dataDir, 'dns'),
    clusterDomain: opts.clusterDomain,
    extraRecords: () => [...nodes.values()].map((n) => ({ name: n.name, addresses: [n.internalIP] })),
  });
  const addresses = new PodAddresses();
  const workers = new Map<string, PodWorker>();
  const lost = new Set<string>();
  const slow = new Map<string, number>();
  let stopped = false;

  const keyOf = (ns: string, name: string): string => `${ns}/${name}`;
  const podDirOf = (pod: KubeObject): string =>
    join(dataDir, 'pods', `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);

  const hostFor = (node: SimulatedNode, pod: KubeObject): WorkerHost => ({
    core,
    nodeName: node.name,
    hostIP: node.internalIP,
    podDir: podDirOf(pod),
    volumesDir,
    timings,
    runtimeFor: (image) => runtimes.resolve(image),
    dnsEnv: (ns) => dns.processEnv(ns),
    startDelay: (ns, name) => slow.get(keyOf(ns, name)) ?? 0,
    now,
  });

  const retire = async (key: string, worker: PodWorker): Promise<void> => {
    if (workers.get(key) === worker) workers.delete(key);
    await worker.kill();
    worker.cleanup();
    addresses.release(worker.podIP);
  };

  /** Brings the kubelets' view of one pod in line with the API (syncPod / HandlePodRemoves). */
  const syncPod = (ns: string, name: string): void => {
    if (stopped) return;
    const key = keyOf(ns, name);
    const pod = core.store.get({ resource: '/pods', namespace: ns, name });
    const worker = workers.get(key);
    if (!pod || (worker && worker.uid !== pod.metadata.uid)) {
      if (worker) void retire(key, worker);
      if (!pod) return;
    }
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    const node = nodeName ? nodes.get(nodeName) : undefined;
    if (!node || lost.has(node.name)) return;
    const current = workers.get(key);
    if (current) {
      current.update(pod);
      return;
    }
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (pod.metadata.deletionTimestamp) {
      // nothing runs for it here: the kubelet confirms the deletion at once
      void core
        .delete(core.typeOf('', 'v1', 'pods'), ns, name, {
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid },
        })
        .catch(() => undefined);
      return;
    }
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const prefix = node.podCIDR.split('.').slice(0, 2).join('.');
    const ip = addresses.allocate(prefix, (pod.status as { podIP?: string } | undefined)?.podIP);
    const w = new PodWorker(hostFor(node, pod), pod, ip);
    workers.set(key, w);
    void w.run().catch(() => undefined);
  };

  const pendingKeys = new Set<string>();
  let flushQueued = false;
  const unsubscribe = core.store.subscribe(
    (e) => {
      if (e.key.resource !== '/pods') return;
      pendingKeys.add(keyOf(e.key.namespace, e.key.name));
      if (flushQueued) return;
      flushQueued = true;
      setImmediate(() => {
        flushQueued = false;
        const keys = [...pendingKeys];
        pendingKeys.clear();
        for (const k of keys) {
          const i = k.indexOf('/');
          syncPod(k.slice(0, i), k.slice(i + 1));
        }
      });
    },
    { shared: true },
  );

  for (const node of nodes.values()) await node.register();
  const timers: NodeJS.Timeout[] = [];
  timers.push(
    setInterval(
      () => {
        for (const n of nodes.values()) if (!lost.has(n.name)) void n.renewLease().catch(() => undefined);
      },
      seconds(t.leaseRenewSeconds ?? 10),
    ),
    setInterval(
      () => {
        for (const n of nodes.values()) if (!lost.has(n.name)) void n.postStatus(true).catch(() => undefined);
      },
      seconds(t.nodeStatusSeconds ?? 60),
    ),
  );
  for (const timer of timers) timer.unref();
  const scheduler = opts.scheduler === false ? undefined : Scheduler.start(core, { now });
  for (const p of core.store.list('/pods', {}).items)
    syncPod(p.metadata.namespace ?? '', p.metadata.name ?? '');

  const workerOf = (ns: string, pod: string): PodWorker => {
    const w = workers.get(keyOf(ns, pod));
    if (!w) {
      if (!core.store.get({ resource: '/pods', namespace: ns, name: pod })) throw errors.notFound(PODS, pod);
      throw errors.badRequest(`pod ${pod} is not running on a node`);
    }
    return w;
  };

  /** The running instance of a pod's container, with the kubelet's errors (pkg/kubelet/server). */
  const runningInstance = (ns: string, pod: string, container: string | undefined): RunningContainer => {
    const w = workerOf(ns, pod);
    const names = w.containers.map((c) => c.spec.name);
    const name = container ?? (names.length === 1 ? names[0] : undefined);
    if (!name)
      throw errors.badRequest(
        `a container name must be specified for pod ${pod}, choose one of: [${names.join(' ')}]`,
      );
    const rec = w.container(name);
    if (!rec) throw errors.badRequest(`container ${name} is not valid for pod ${pod}`);
    if (!rec.instance || !('running' in rec.state))
      throw errors.badRequest(`unable to upgrade connection: container not found ("${name}")`);
    return rec.instance;
  };

  const logSource: PodLogSource = {
    podExists: (ns, pod) => !!core.store.get({ resource: '/pods', namespace: ns, name: pod }),
    containersOf: (ns, pod) => {
      const w = workers.get(keyOf(ns, pod));
      const obj = core.store.get({ resource: '/pods', namespace: ns, name: pod });
      const spec = (obj?.spec ?? {}) as {
        containers?: { name: string }[];
        initContainers?: { name: string }[];
      };
      return {
        names: (spec.containers ?? []).map((c) => c.name),
        initNames: (spec.initContainers ?? []).map((c) => c.name),
        state: (name: string): ContainerLogState | undefined => w?.container(name),
      };
    },
  };

  const markPodsNotReady = async (nodeName: string): Promise<void> => {
    // pkg/controller/nodelifecycle: MarkPodsNotReady sets Ready=False on the pods of an unreachable node
    const podType = core.typeOf('', 'v1', 'pods');
    for (const p of core.store.list('/pods', {}).items) {
      if ((p.spec as { nodeName?: string } | undefined)?.nodeName !== nodeName) continue;
      const status = structuredClone(
        (p.status ?? {}) as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] },
      );
      let changed = false;
      for (const c of status.conditions ?? []) {
        if (c.type === 'Ready' && c.status !== 'False') {
          c.status = 'False';
          c.lastTransitionTime = now()
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z');
          changed = true;
        }
      }
      if (!changed) continue;
      await core
        .update(
          podType,
          p.metadata.namespace ?? '',
          p.metadata.name ?? '',
          { ...p, status },
          { subresource: 'status', fieldManager: 'node-controller' },
        )
        .catch(() => undefined);
    }
  };

  const faults: Faults = {
    killContainer: (ns, pod, container, signal = 'SIGKILL') =>
      workerOf(ns, pod).killContainer(container, signal),
    setUnready: (ns, pod, unready = true, container) => workerOf(ns, pod).setUnready(container, unready),
    async loseNode(name) {
      const node = nodes.get(name);
      if (!node) throw errors.notFound({ group: '', resource: 'nodes' }, name);
      lost.add(name);
      const victims = [...workers.entries()].filter(
        ([, w]) => (w.pod.spec as { nodeName?: string }).nodeName === name,
      );
      // the node is gone with its processes; the pod directories stay for a recovery
      await Promise.all(
        victims.map(async ([key, w]) => {
          workers.delete(key);
          await w.kill();
          addresses.release(w.podIP);
        }),
      );
      await node.postStatus(false);
      await markPodsNotReady(name);
    },
    async recoverNode(name) {
      const node = nodes.get(name);
      if (!node) throw errors.notFound({ group: '', resource: 'nodes' }, name);
      lost.delete(name);
      await node.postStatus(true);
      await node.renewLease();
      for (const p of core.store.list('/pods', {}).items) {
        if ((p.spec as { nodeName?: string } | undefined)?.nodeName === name)
          syncPod(p.metadata.namespace ?? '', p.metadata.name ?? '');
      }
    },
    wipeVolume(ns, claim) {
      const dir = claimDirectory(
        { get: (r, n, nm) => core.store.get({ resource: r, namespace: n, name: nm }) },
        volumesDir,
        ns,
        claim,
      );
      if (!dir) throw errors.notFound({ group: '', resource: 'persistentvolumeclaims' }, claim);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    },
    slowStart(ns, pod, delayMs) {
      if (delayMs > 0) slow.set(keyOf(ns, pod), delayMs);
      else slow.delete(keyOf(ns, pod));
    },
  };

  return {
    faults,
    logs: new PodLogs(logSource),
    dns,
    resolver: new ClusterResolver(() => dns.records),
    nodeNames: names,
    dataDir,
    async exec(ns, pod, container, command, execOpts) {
      return runningInstance(ns, pod, container).exec(command, execOpts);
    },
    checkExec(ns, pod, container) {
      runningInstance(ns, pod, container).checkExec?.();
    },
    execStream(ns, pod, container, command, streamOpts) {
      const instance = runningInstance(ns, pod, container);
      if (instance.execStream) return instance.execStream(command, streamOpts);
      return bufferedExecSession((o) => instance.exec(command, o), streamOpts);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      scheduler?.stop();
      dns.stop();
      for (const timer of timers) clearInterval(timer);
      await Promise.all([...workers.values()].map((w) => w.kill()));
      workers.clear();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
