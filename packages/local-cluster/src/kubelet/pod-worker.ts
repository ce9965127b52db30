/**
 * One pod on one simulated node: the kubelet's pod worker (pkg/kubelet/pod_workers.go) and the parts
 * of kuberuntime it drives. Pending -> ContainerCreating -> Running; init containers in order;
 * restarts by restartPolicy with CrashLoopBackOff (10 s doubling to 5 min,
 * pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff); startup, liveness and readiness probes
 * (pkg/kubelet/prober/worker.go); graceful termination (preStop, SIGTERM, grace period, SIGKILL,
 * then the final delete with gracePeriodSeconds 0 and the pod's uid as precondition, as
 * pkg/kubelet/status/status_manager.go does).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, rfc3339, type KubeObject } from '../api/index.js';
import type { ApiCore } from '../apiserver/index.js';
import type {
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  RunningContainer,
  VolumeDirectory,
} from '../runtime/index.js';
import { ContainerConfigError, containerEnvironment } from './env.js';
import { ContainerLogFile, type ContainerLogState } from './logs.js';
import { runProbe, type ProbeSpec } from './probes.js';
import { containerMounts, prepareVolumes } from './volumes.js';

/** Durations a pod worker uses, already in milliseconds. */
export interface WorkerTimings {
  /** Converts spec seconds (probes, grace periods) to milliseconds. */
  seconds(s: number): number;
  containerCreatingMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Retry period for volumes and container config that are not there yet. */
  retryMs: number;
  /**
   * Time between a terminated pod's final status and its removal from the API. Upstream the final
   * delete waits for volume teardown and the kubelet's housekeeping pass (housekeepingPeriod, 2 s, in
   * pkg/kubelet/kubelet.go), so a deleted pod is visible as Terminating for about a second; clients
   * such as `kubectl delete` (which lists and then watches for the DELETED event) rely on that.
   */
  podCleanupMs?: number;
}

/** What a worker needs from its node agent. */
export interface WorkerHost {
  core: ApiCore;
  nodeName: string;
  hostIP: string;
  podDir: string;
  volumesDir: string;
  timings: WorkerTimings;
  runtimeFor(image: string): ContainerRuntime;
  dnsEnv(namespace: string): Record<string, string>;
  /** Extra start delay injected by the faults API (ms). */
  startDelay(namespace: string, pod: string): number;
  now(): Date;
}

interface ContainerFullSpec extends ContainerSpec {
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: ProbeSpec;
  livenessProbe?: ProbeSpec;
  startupProbe?: ProbeSpec;
  lifecycle?: { preStop?: ProbeSpec; postStart?: ProbeSpec };
  restartPolicy?: string;
}

type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | {
      terminated: {
        exitCode: number;
        reason: string;
        message?: string;
        signal?: number;
        startedAt: string;
        finishedAt: string;
        containerID: string;
      };
    };

let containerSeq = 0;

/** One container of the pod and its current instance. */
class ContainerRecord implements ContainerLogState {
  restartCount = 0;
  instance: RunningContainer | undefined;
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState | undefined;
  ready = false;
  started = false;
  containerID = '';
  startedAtMs = 0;
  current: ContainerLogFile | undefined;
  previousPath: string | undefined;
  backoffMs = 0;
  unready = false;
  /** Instances started so far (the first one is not a restart). */
  starts = 0;
  readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly spec: ContainerFullSpec,
    readonly init: boolean,
  ) {}

  get waitingReason(): string | undefined {
    return 'waiting' in this.state ? this.state.waiting.reason : undefined;
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** Runs one pod. */
export class PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  pod: KubeObject;
  readonly containers: ContainerRecord[];
  readonly initContainers: ContainerRecord[];
  private initialized = false;
  private terminating = false;
  private stopped = false;
  private terminalPhase: 'Succeeded' | 'Failed' | undefined;
  private readonly startTime: string;
  private volumeDirs = new Map<string, string>();
  private statusQueued = false;
  private statusWrite: Promise<void> = Promise.resolve();
  private readonly transitions = new Map<string, { status: string; time: string }>();
  private graceDeadline = 0;
  private wake: (() => void) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly host: WorkerHost,
    pod: KubeObject,
    readonly podIP: string,
  ) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? '';
    this.namespace = pod.metadata.namespace ?? '';
    this.name = pod.metadata.name ?? '';
    const spec = (pod.spec ?? {}) as {
      containers?: ContainerFullSpec[];
      initContainers?: ContainerFullSpec[];
    };
    const previous =
      ((pod.status ?? {}) as { containerStatuses?: { name: string; restartCount?: number }[] })
        .containerStatuses ?? [];
    this.containers = (spec.containers ?? []).map((c) => {
      const r = new ContainerRecord(c, false);
      // a kubelet that takes a pod over (node recovered) continues its restart counts
      const prev = previous.find((p) => p.name === c.name);
      if (prev) {
        r.restartCount = prev.restartCount ?? 0;
        r.starts = 1;
      }
      return r;
    });
    this.initContainers = (spec.initContainers ?? []).map((c) => new ContainerRecord(c, true));
    for (const r of this.initContainers) r.state = { waiting: { reason: 'PodInitializing' } };
    if (this.initContainers.length)
      for (const r of this.containers) r.state = { waiting: { reason: 'PodInitializing' } };
    this.startTime = ((pod.status ?? {}) as { startTime?: string }).startTime ?? rfc3339(host.now());
  }

  /** The container record by name (regular or init). */
  container(name: string): ContainerRecord | undefined {
    return (
      this.containers.find((c) => c.spec.name === name) ??
      this.initContainers.find((c) => c.spec.name === name)
    );
  }

  private get restartPolicy(): string {
    return ((this.pod.spec ?? {}) as { restartPolicy?: string }).restartPolicy ?? 'Always';
  }

  private later(ms: number, fn: () => void, owner?: ContainerRecord): void {
    const set = owner?.timers ?? this.timers;
    const t = setTimeout(
      () => {
        set.delete(t);
        if (!this.stopped) fn();
      },
      Math.max(0, ms),
    );
    set.add(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms, resolve));
  }

  /** Starts the pod: status, volumes, init containers, containers. */
  async run(): Promise<void> {
    mkdirSync(join(this.host.podDir, 'volumes'), { recursive: true });
    this.queueStatus();
    for (;;) {
      if (this.stopped || this.terminating) return;
      try {
        this.volumeDirs = prepareVolumes(
          this.pod,
          { get: (r, ns, n) => this.host.core.store.get({ resource: r, namespace: ns, name: n }) },
          this.host.podDir,
          this.host.volumesDir,
          this.podIP,
          this.host.hostIP,
        );
        break;
      } catch (e) {
        if (!(e instanceof ContainerConfigError)) throw e;
        await this.sleep(this.host.timings.retryMs);
      }
    }
    await this.sleep(this.host.timings.containerCreatingMs);
    for (const init of this.initContainers) {
      for (;;) {
        if (this.stopped || this.terminating) return;
        const exit = await this.runToCompletion(init);
        if (exit === undefined) return;
        if (exit.exitCode === 0) break;
        if (this.restartPolicy === 'Never') {
          this.terminalPhase = 'Failed';
          for (const c of this.containers) c.state = { waiting: { reason: 'PodInitializing' } };
          this.queueStatus();
          return;
        }
        await this.backoff(init);
      }
    }
    this.initialized = true;
    this.queueStatus();
    for (const c of this.containers) void this.startContainer(c);
  }

  private async runToCompletion(rec: ContainerRecord): Promise<ContainerExit | undefined> {
    const instance = await this.startInstance(rec);
    if (!instance) return undefined;
    return instance.exited;
  }

  /** Waits out the container's back-off in CrashLoopBackOff (kuberuntime_manager.go doBackOff). */
  private async backoff(rec: ContainerRecord): Promise<void> {
    const t = this.host.timings;
    const ranMs = Date.now() - rec.startedAtMs;
    if (rec.backoffMs && ranMs > 2 * t.backoffMaxMs) rec.backoffMs = 0;
    if (rec.backoffMs === 0) {
      rec.backoffMs = t.backoffBaseMs;
      return;
    }
    const delay = rec.backoffMs;
    rec.backoffMs = Math.min(rec.backoffMs * 2, t.backoffMaxMs);
    const shown = Math.round(delay / t.seconds(1));
    const display =
      shown >= 60 ? `${Math.floor(shown / 60)}m${shown % 60 ? `${shown % 60}s` : ''}` : `${shown}s`;
    rec.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${display} restarting failed container=${rec.spec.name} pod=${this.name}_${this.namespace}(${this.uid})`,
      },
    };
    this.queueStatus();
    await new Promise<void>((resolve) => this.later(delay, resolve, rec));
  }

  private async startContainer(rec: ContainerRecord): Promise<void> {
    const instance = await this.startInstance(rec);
    if (!instance) return;
    const exit = await instance.exited;
    if (rec.instance !== instance || this.stopped || this.terminating) return;
    const restart =
      this.restartPolicy === 'Always' || (this.restartPolicy === 'OnFailure' && exit.exitCode !== 0);
    if (!restart) {
      this.checkTerminal();
      this.queueStatus();
      return;
    }
    await this.backoff(rec);
    if (this.stopped || this.terminating) return;
    void this.startContainer(rec);
  }

  /** Starts one instance of a container; undefined when the pod stopped meanwhile. */
  private async startInstance(rec: ContainerRecord): Promise<RunningContainer | undefined> {
    for (;;) {
      if (this.stopped || this.terminating) return undefined;
      const extra = this.host.startDelay(this.namespace, this.name);
      if (extra > 0) await this.sleep(extra);
      let env: Record<string, string>;
      try {
        env = containerEnvironment(
          this.pod,
          rec.spec as Parameters<typeof containerEnvironment>[1],
          { get: (r, ns, n) => this.host.core.store.get({ resource: r, namespace: ns, name: n }) },
          this.podIP,
          this.host.hostIP,
        );
      } catch (e) {
        if (!(e instanceof ContainerConfigError)) throw e;
        rec.state = { waiting: { reason: 'CreateContainerConfigError', message: e.message } };
        this.queueStatus();
        await this.sleep(this.host.timings.retryMs);
        continue;
      }
      if (this.stopped || this.terminating) return undefined;
      if (rec.starts > 0) rec.restartCount++;
      rec.starts++;
      const logPath = join(this.host.podDir, 'logs', rec.spec.name, `${rec.restartCount}.log`);
      if (rec.current) rec.previousPath = rec.current.path;
      else if (
        rec.restartCount > 0 &&
        existsSync(join(this.host.podDir, 'logs', rec.spec.name, `${rec.restartCount - 1}.log`))
      ) {
        rec.previousPath = join(this.host.podDir, 'logs', rec.spec.name, `${rec.restartCount - 1}.log`);
      }
      const log = new ContainerLogFile(logPath);
      rec.current = log;
      const runtime = this.host.runtimeFor(rec.spec.image ?? '');
      const volumes: VolumeDirectory[] = containerMounts(rec.spec as { volumeMounts?: [] }, this.volumeDirs);
      const spec = (this.pod.spec ?? {}) as { hostname?: string };
      let instance: RunningContainer;
      try {
        instance = await runtime.start({
          pod: this.pod,
          namespace: this.namespace,
          podName: this.name,
          container: rec.spec,
          podIP: this.podIP,
          nodeName: this.host.nodeName,
          hostname: spec.hostname ?? this.name,
          env,
          volumes,
          dnsEnv: this.host.dnsEnv(this.namespace),
          scratchDirectory: join(this.host.podDir, 'volumes'),
          restartCount: rec.restartCount,
          log: (stream, chunk) => log.append(stream, chunk),
        });
      } catch (e) {
        instance = {
          exited: Promise.resolve({
            exitCode: 128,
            reason: 'StartError',
            message: e instanceof Error ? e.message : String(e),
          }),
          signal() {},
          async exec() {
            return { stdout: '', stderr: 'container is not running\n', exitCode: 126 };
          },
        };
      }
      if (this.stopped) {
        instance.signal('SIGKILL');
        return undefined;
      }
      rec.instance = instance;
      rec.containerID = `${runtime.name}://${(++containerSeq).toString(16).padStart(12, '0')}${this.uid.replace(/-/g, '').slice(0, 20)}`;
      rec.startedAtMs = Date.now();
      const startedAt = rfc3339(this.host.now());
      rec.state = { running: { startedAt } };
      rec.started = !rec.spec.startupProbe;
      rec.ready = false;
      void instance.exited.then((exit) => this.onExit(rec, instance, exit, startedAt));
      if (!rec.init) this.startProbes(rec, instance);
      this.queueStatus();
      return instance;
    }
  }

  private onExit(
    rec: ContainerRecord,
    instance: RunningContainer,
    exit: ContainerExit,
    startedAt: string,
  ): void {
    if (rec.instance !== instance) return;
    rec.clearTimers();
    rec.current?.close();
    rec.ready = false;
    rec.started = false;
    rec.state = {
      terminated: {
        exitCode: exit.exitCode,
        reason: exit.reason,
        ...(exit.message ? { message: exit.message } : {}),
        startedAt,
        finishedAt: rfc3339(this.host.now()),
        containerID: rec.containerID,
      },
    };
    rec.lastState = rec.state;
    if (!this.stopped) this.queueStatus();
    this.wake?.();
  }

  /** Probes of a running instance (pkg/kubelet/prober/worker.go). */
  private startProbes(rec: ContainerRecord, instance: RunningContainer): void {
    const s = this.host.timings.seconds;
    const alive = (): boolean =>
      rec.instance === instance && !this.stopped && !this.terminating && 'running' in rec.state;
    const target = {
      podIP: this.podIP,
      ports: Object.fromEntries(
        (rec.spec.ports ?? []).filter((p) => p.name).map((p) => [p.name ?? '', p.containerPort]),
      ),
      exec: (command: string[], opts: { timeoutMs: number }) => instance.exec(command, opts),
    };
    const check = async (kind: 'readiness' | 'liveness' | 'startup', probe: ProbeSpec): Promise<boolean> => {
      if (kind === 'readiness' && rec.unready) return false;
      const verdict = instance.probe?.(kind);
      if (verdict !== undefined) return verdict;
      return runProbe(probe, target, s(probe.timeoutSeconds ?? 1));
    };
    const loop = (
      kind: 'readiness' | 'liveness' | 'startup',
      probe: ProbeSpec,
      onResult: (ok: boolean) => boolean | void,
    ): void => {
      let successes = 0;
      let failures = 0;
      const tick = async (): Promise<void> => {
        if (!alive()) return;
        if (kind !== 'startup' && !rec.started) {
          this.later(s(probe.periodSeconds ?? 10), () => void tick(), rec);
          return;
        }
        const ok = await check(kind, probe);
        if (!alive()) return;
        if (ok) {
          successes++;
          failures = 0;
        } else {
          failures++;
          successes = 0;
        }
        const threshold = ok
          ? kind === 'readiness'
            ? (probe.successThreshold ?? 1)
            : 1
          : (probe.failureThreshold ?? 3);
        const count = ok ? successes : failures;
        let done = false;
        if (count >= threshold) done = onResult(ok) === true;
        if (!done) this.later(s(probe.periodSeconds ?? 10), () => void tick(), rec);
      };
      this.later(s(probe.initialDelaySeconds ?? 0), () => void tick(), rec);
    };
    const kill = (): void => {
      // a failed liveness/startup probe kills the container; restartPolicy decides what follows
      void this.stopInstance(rec, instance, s(this.graceSeconds()));
    };
    if (rec.spec.startupProbe) {
      loop('startup', rec.spec.startupProbe, (ok) => {
        if (ok) {
          rec.started = true;
          if (!rec.spec.readinessProbe && !instance.probe) rec.ready = true;
          this.queueStatus();
          return true;
        }
        kill();
        return true;
      });
    }
    if (rec.spec.livenessProbe)
      loop('liveness', rec.spec.livenessProbe, (ok) => (ok ? undefined : (kill(), true)));
    // without a readiness probe a container is ready once started; a simulated one may still say it is not
    const readiness = rec.spec.readinessProbe ?? (instance.probe ? { periodSeconds: 1 } : undefined);
    if (readiness) {
      loop('readiness', readiness, (ok) => {
        if (rec.ready !== ok) {
          rec.ready = ok;
          this.queueStatus();
        }
      });
    } else if (rec.started) {
      rec.ready = !rec.unready;
    }
  }

  private graceSeconds(): number {
    const meta = this.pod.metadata;
    return (
      meta.deletionGracePeriodSeconds ??
      ((this.pod.spec ?? {}) as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ??
      30
    );
  }

  /** preStop, SIGTERM, wait until the grace deadline, SIGKILL (kuberuntime_container.go killContainer). */
  private async stopInstance(
    rec: ContainerRecord,
    instance: RunningContainer,
    graceMs: number,
  ): Promise<void> {
    const deadline = Date.now() + graceMs;
    this.graceDeadline = Math.max(this.graceDeadline, deadline);
    let exited = false;
    void instance.exited.then(() => (exited = true));
    const preStop = rec.spec.lifecycle?.preStop;
    if (preStop && !exited) {
      const target = {
        podIP: this.podIP,
        ports: Object.fromEntries(
          (rec.spec.ports ?? []).filter((p) => p.name).map((p) => [p.name ?? '', p.containerPort]),
        ),
        exec: (command: string[], opts: { timeoutMs: number }) => instance.exec(command, opts),
      };
      await Promise.race([
        runProbe(preStop, target, Math.max(1, deadline - Date.now()), (ms) =>
          this.sleep(this.host.timings.seconds(ms / 1000)),
        ),
        this.sleep(Math.max(0, deadline - Date.now())),
      ]);
    }
    if (!exited) instance.signal('SIGTERM');
    for (;;) {
      if (exited) return;
      const wait = Math.min(deadline, this.graceDeadline) - Date.now();
      if (wait <= 0) break;
      await Promise.race([
        instance.exited,
        new Promise<void>((resolve) => {
          this.wake = resolve;
          this.later(wait, resolve);
        }),
      ]);
    }
    if (!exited) instance.signal('SIGKILL');
    await instance.exited;
  }

  /** Sets the terminal phase when no container will run again. */
  private checkTerminal(): void {
    const all = this.containers;
    if (!all.length || !all.every((c) => 'terminated' in c.state)) return;
    const failed = all.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0);
    this.terminalPhase = failed ? 'Failed' : 'Succeeded';
  }

  /** Whether the pod has reached Succeeded or Failed. */
  get terminal(): boolean {
    return this.terminalPhase !== undefined;
  }

  /** A new version of the pod object: starts graceful termination when it gets a deletionTimestamp. */
  update(pod: KubeObject): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp) {
      const graceMs = this.host.timings.seconds(pod.metadata.deletionGracePeriodSeconds ?? 30);
      if (this.terminating) {
        // a shorter grace period (delete --grace-period) moves the deadline forward
        const deadline = Date.now() + graceMs;
        if (deadline < this.graceDeadline) {
          this.graceDeadline = deadline;
          this.wake?.();
        }
        return;
      }
      void this.terminate(graceMs);
    }
  }

  /** Graceful termination, then the final delete. */
  async terminate(graceMs: number): Promise<void> {
    if (this.terminating || this.stopped) return;
    this.terminating = true;
    this.graceDeadline = Date.now() + graceMs;
    const all = [...this.initContainers, ...this.containers];
    for (const c of all) c.clearTimers();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(
      all.map(async (c) => {
        const inst = c.instance;
        if (inst && 'running' in c.state) await this.stopInstance(c, inst, graceMs);
      }),
    );
    for (const c of all) {
      if ('waiting' in c.state) {
        // never-started containers end as ContainerStatusUnknown upstream; Completed is close enough here
        c.ready = false;
      }
    }
    if (this.stopped) return;
    if (!this.terminalPhase) {
      const failed = this.containers.some(
        (c) => !('terminated' in c.state) || c.state.terminated.exitCode !== 0,
      );
      this.terminalPhase = failed ? 'Failed' : 'Succeeded';
    }
    this.queueStatus();
    await this.flushStatus();
    if (this.host.timings.podCleanupMs)
      await new Promise((r) => setTimeout(r, this.host.timings.podCleanupMs));
    if (this.stopped) return;
    try {
      const podType = this.host.core.typeOf('', 'v1', 'pods');
      await this.host.core.delete(podType, this.namespace, this.name, {
        gracePeriodSeconds: 0,
        preconditions: { uid: this.uid },
      });
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
    }
  }

  /** Ends every container at once with no API writes (force delete, node lost, agent stop). */
  async kill(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const all = [...this.initContainers, ...this.containers];
    for (const c of all) c.clearTimers();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(
      all.map(async (c) => {
        c.instance?.signal('SIGKILL');
        await c.instance?.exited;
        c.current?.close();
      }),
    );
  }

  /** Removes the pod's directory (emptyDirs, logs). */
  cleanup(): void {
    rmSync(this.host.podDir, { recursive: true, force: true });
  }

  /** Kills a container's instance as a crash would (faults API). */
  killContainer(name: string | undefined, signal: 'SIGKILL' | 'SIGTERM'): void {
    for (const c of this.containers) if (!name || c.spec.name === name) c.instance?.signal(signal);
  }

  /** Forces readiness false (or back to what the probes say). */
  setUnready(name: string | undefined, unready: boolean): void {
    for (const c of this.containers) {
      if (name && c.spec.name !== name) continue;
      c.unready = unready;
      if (unready) c.ready = false;
      else if (!c.spec.readinessProbe && c.started && 'running' in c.state && !c.instance?.probe)
        c.ready = true;
    }
    this.queueStatus();
  }

  // ------------------------------------------------------------------ status

  private queueStatus(): void {
    if (this.statusQueued || this.stopped) return;
    this.statusQueued = true;
    setImmediate(() => {
      this.statusQueued = false;
      this.statusWrite = this.statusWrite.then(() => this.writeStatus()).catch(() => undefined);
    });
  }

  private async flushStatus(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.statusWrite;
  }

  private transition(
    type: string,
    status: string,
    now: string,
    previous: { type: string; status: string; lastTransitionTime?: string }[],
  ): string {
    const mine = this.transitions.get(type);
    if (mine && mine.status === status) return mine.time;
    const prev = previous.find((c) => c.type === type);
    const time = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    this.transitions.set(type, { status, time });
    return time;
  }

  private containerStatus(c: ContainerRecord): Record<string, unknown> {
    return {
      name: c.spec.name,
      state: c.state,
      lastState: c.lastState && c.lastState !== c.state ? c.lastState : {},
      ready: c.ready,
      restartCount: c.restartCount,
      image: c.spec.image ?? '',
      imageID: `${c.spec.image ?? ''}@sha256:${'0'.repeat(64)}`,
      ...(c.containerID ? { containerID: c.containerID } : {}),
      started: c.started,
    };
  }

  /** The pod status the kubelet reports (kubelet_pods.go generateAPIPodStatus). */
  buildStatus(current: KubeObject): Record<string, unknown> {
    const now = rfc3339(this.host.now());
    const old = (current.status ?? {}) as {
      conditions?: { type: string; status: string; lastTransitionTime?: string }[];
      qosClass?: string;
    };
    const prevConditions = old.conditions ?? [];
    const phase =
      this.terminalPhase ??
      (this.initialized && this.containers.some((c) => 'running' in c.state || c.starts > 0)
        ? 'Running'
        : 'Pending');
    const unready = this.containers.filter((c) => !c.ready).map((c) => c.spec.name);
    const incompleteInit = this.initialized
      ? []
      : this.initContainers
          .filter((c) => !('terminated' in c.state && c.state.terminated.exitCode === 0))
          .map((c) => c.spec.name);
    const terminal = !!this.terminalPhase;
    const readyStatus = !terminal && unready.length === 0 ? 'True' : 'False';
    const cond = (
      type: string,
      status: string,
      extra: Record<string, string> = {},
    ): Record<string, unknown> => ({
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: this.transition(type, status, now, prevConditions),
      ...extra,
    });
    const notReady: Record<string, string> = terminal
      ? { reason: 'PodCompleted' }
      : { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
    const sandboxReady =
      !this.stopped && !(terminal && this.containers.every((c) => !c.instance || 'terminated' in c.state));
    const conditions = [
      cond('PodReadyToStartContainers', sandboxReady ? 'True' : 'False'),
      cond(
        'Initialized',
        incompleteInit.length ? 'False' : 'True',
        incompleteInit.length
          ? {
              reason: 'ContainersNotInitialized',
              message: `containers with incomplete status: [${incompleteInit.join(' ')}]`,
            }
          : terminal && this.initContainers.length
            ? { reason: 'PodCompleted' }
            : {},
      ),
      cond('Ready', readyStatus, readyStatus === 'True' ? {} : notReady),
      cond('ContainersReady', readyStatus, readyStatus === 'True' ? {} : notReady),
      ...prevConditions.filter(
        (c) => !['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'].includes(c.type),
      ),
    ];
    return {
      ...(old as Record<string, unknown>),
      phase,
      conditions,
      hostIP: this.host.hostIP,
      hostIPs: [{ ip: this.host.hostIP }],
      podIP: this.podIP,
      podIPs: [{ ip: this.podIP }],
      startTime: this.startTime,
      ...(this.initContainers.length
        ? { initContainerStatuses: this.initContainers.map((c) => this.containerStatus(c)) }
        : {}),
      containerStatuses: this.containers.map((c) => this.containerStatus(c)),
    };
  }

  private async writeStatus(): Promise<void> {
    if (this.stopped) return;
    const podType = this.host.core.typeOf('', 'v1', 'pods');
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = this.host.core.store.get({
        resource: '/pods',
        namespace: this.namespace,
        name: this.name,
      });
      if (!current || current.metadata.uid !== this.uid) return;
      const status = this.buildStatus(current);
      try {
        await this.host.core.update(
          podType,
          this.namespace,
          this.name,
          { ...current, status },
          { subresource: 'status', fieldManager: 'kubelet' },
        );
        return;
      } catch (e) {
        if (e instanceof ApiError && e.code === 409) continue;
        if (e instanceof ApiError && e.code === 404) return;
        throw e;
      }
    }
  }
}
