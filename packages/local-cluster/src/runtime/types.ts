/**
 * The contract between the simulated kubelet and a container runtime (the role of the CRI in a real
 * node, k8s.io/cri-api): the kubelet resolves everything a container needs (environment, volume
 * directories, pod IP, log sink) and a runtime only starts it and reports how it ends.
 */
import type { Readable, Writable } from 'node:stream';
import type { KubeObject } from '../api/index.js';

/** The fields of a pod's container the runtimes read (core/v1 Container). */
export interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  [key: string]: unknown;
}

/** One volume mounted into a container: where the pod expects it and the local directory behind it. */
export interface VolumeDirectory {
  /** The volume's name in the pod spec. */
  name: string;
  /** The container's volumeMounts[].mountPath. */
  mountPath: string;
  /** The local directory (emptyDir, PVC or projected configMap/secret files). */
  directory: string;
  /** volumeMounts[].readOnly (not enforced on processes). */
  readOnly?: boolean;
}

/** How a container instance ended. */
export interface ContainerExit {
  exitCode: number;
  /** The signal that ended a process, e.g. `SIGKILL`. */
  signal?: string;
  /** containerStatuses[].state.terminated.reason: `Completed`, `Error`, `OOMKilled`, `ContainerCannotRun`. */
  reason: string;
  message?: string;
}

/** The result of running a command in a container (`kubectl exec`, exec probes, exec hooks). */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Options of an exec. */
export interface ExecOptions {
  /** Written to the command's standard input, then closed. */
  stdin?: string;
  /** Killed (exit code 137) after this many milliseconds. */
  timeoutMs?: number;
}

/** Options of a streaming exec (`kubectl exec`). */
export interface ExecStreamOptions {
  /** Give the caller the command's standard input; without it the command reads end-of-file at once. */
  stdin?: boolean;
}

/**
 * A command running in a container whose streams the caller drives (what the CRI's streaming Exec
 * gives the kubelet). Read `stdout` and `stderr` to their end; `exited` then tells the exit code.
 */
export interface ExecSession {
  /** The command's standard input (end it to send end-of-file); null when not asked for. */
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** The exit code, once the command has ended and its output has been written to the streams. */
  readonly exited: Promise<number>;
  /** Ends the command (and whatever it started) at once. */
  kill(): void;
}

/** Everything a runtime gets to start one container instance. */
export interface ContainerContext {
  readonly pod: KubeObject;
  readonly namespace: string;
  readonly podName: string;
  readonly container: ContainerSpec;
  /** The pod's own loopback address (127.A.B.C): what it listens on. */
  readonly podIP: string;
  readonly nodeName: string;
  /** The pod's hostname (spec.hostname or the pod name). */
  readonly hostname: string;
  /** The container's resolved environment, in order (env, envFrom, service links). */
  readonly env: Record<string, string>;
  readonly volumes: VolumeDirectory[];
  /** A directory of this pod the runtime may use (the working directory of a process without one). */
  readonly scratchDirectory: string;
  /** Environment that makes cluster DNS names resolve for a process (nss_wrapper). */
  readonly dnsEnv: Record<string, string>;
  /** How many times this container has been restarted before this instance. */
  readonly restartCount: number;
  /** Writes to the container's log (the pod log): one call per chunk, newlines split lines. */
  log(stream: 'stdout' | 'stderr', chunk: string | Buffer): void;
}

/** A started container instance. */
export interface RunningContainer {
  /** Resolves once the instance has ended, however it ended. */
  readonly exited: Promise<ContainerExit>;
  /** Sends a signal: SIGTERM to ask it to stop, SIGKILL to end it at once. */
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** Runs a command in the container's environment. */
  exec(command: string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Starts a command whose streams the caller drives (`kubectl exec`); throws an ApiError when the
   * container cannot run one. Without it the kubelet runs {@link exec} and streams its buffered result.
   */
  execStream?(command: string[], opts?: ExecStreamOptions): ExecSession;
  /** Throws the ApiError {@link execStream} would throw, without running anything. */
  checkExec?(): void;
  /**
   * For simulated containers: what a probe of this kind decides without touching the network;
   * undefined lets the kubelet run the probe for real.
   */
  probe?(kind: 'readiness' | 'liveness' | 'startup'): boolean | undefined;
}

/** A container runtime: starts containers of the images it is chosen for. */
export interface ContainerRuntime {
  /** Shown in containerID (`<name>://<id>`) and node.status.nodeInfo.containerRuntimeVersion. */
  readonly name: string;
  start(ctx: ContainerContext): Promise<RunningContainer>;
}
