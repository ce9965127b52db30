/**
 * The simulated runtime: containers "run" with no process. A container is ready after a delay, or
 * as a behaviour object decides; a behaviour may listen on the pod's IP and speak a real protocol
 * (how simulated database members are written).
 */
import { errors } from '../api/index.js';
import { bufferedExecSession } from './exec-session.js';
import type {
  ContainerContext,
  ContainerExit,
  ContainerRuntime,
  ExecOptions,
  ExecResult,
  RunningContainer,
} from './types.js';

/** What a behaviour sees: the container's context, an abort signal for its end, and a way to exit. */
export interface SimulatedContainerContext extends ContainerContext {
  /** Aborted when the container is stopped or killed. */
  readonly signal: AbortSignal;
  /** Ends the container with this exit code (a crash when non-zero). */
  exit(exitCode: number, message?: string): void;
}

/** The program of a simulated container. */
export interface SimulatedBehaviour {
  /** Starts the container's work (e.g. listen on `ctx.podIP`); a rejection is a crash (exit code 1). */
  start(ctx: SimulatedContainerContext): Promise<void>;
  /** Readiness as the readiness probe reports it; without it the container is ready after `readyAfterMs`. */
  ready?(ctx: SimulatedContainerContext): boolean;
  /** Liveness as the liveness probe reports it (default: alive). */
  live?(ctx: SimulatedContainerContext): boolean;
  /** Called on SIGTERM and SIGKILL: release what start() took (sockets, timers). */
  stop(): Promise<void> | void;
  /** Answers `exec` in the container. */
  exec?(command: string[], opts?: ExecOptions): Promise<ExecResult>;
}

/** Options of {@link SimulatedRuntime}. */
export interface SimulatedRuntimeOptions {
  /** Runtime name shown in containerIDs (default `simulated`). */
  name?: string;
  /** Milliseconds after start before a container without a behaviour `ready()` counts as ready (default 0). */
  readyAfterMs?: number;
  /** Makes the program of each container; without it containers just idle. */
  behaviour?: (ctx: SimulatedContainerContext) => SimulatedBehaviour;
  /**
   * Run httpGet/tcpSocket/exec probes for real (against a behaviour that listens) instead of asking
   * the behaviour (default false).
   */
  realProbes?: boolean;
}

/** A runtime whose containers are simulated in process. */
export class SimulatedRuntime implements ContainerRuntime {
  readonly name: string;

  constructor(private readonly opts: SimulatedRuntimeOptions = {}) {
    this.name = opts.name ?? 'simulated';
  }

  async start(base: ContainerContext): Promise<RunningContainer> {
    const abort = new AbortController();
    let finish!: (exit: ContainerExit) => void;
    let ended = false;
    const exited = new Promise<ContainerExit>((resolve) => {
      finish = (exit) => {
        if (ended) return;
        ended = true;
        abort.abort();
        resolve(exit);
      };
    });
    const startedAt = Date.now();
    let started = false;
    const ctx: SimulatedContainerContext = Object.assign(Object.create(base) as ContainerContext, {
      signal: abort.signal,
      exit: (exitCode: number, message?: string) =>
        finish({ exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', ...(message ? { message } : {}) }),
    }) as SimulatedContainerContext;
    const behaviour = this.opts.behaviour?.(ctx);
    const stopBehaviour = async (): Promise<void> => {
      try {
        await behaviour?.stop();
      } catch {
        // a failing stop() still ends the container
      }
    };
    if (behaviour) {
      try {
        await behaviour.start(ctx);
        started = true;
      } catch (e) {
        await stopBehaviour();
        finish({ exitCode: 1, reason: 'Error', message: e instanceof Error ? e.message : String(e) });
      }
    } else {
      started = true;
    }
    const checkExec = (): void => {
      if (!behaviour?.exec) {
        throw errors.badRequest(
          `container ${base.container.name} of pod ${base.podName} is simulated (image ${base.container.image ?? ''}) and its behaviour has no exec hook: exec is not supported`,
        );
      }
    };
    const readyAfter = this.opts.readyAfterMs ?? 0;
    const realProbes = this.opts.realProbes === true;
    return {
      exited,
      signal(signal) {
        if (ended) return;
        // a simulated program handles SIGTERM by stopping cleanly (exit 0); SIGKILL is 128+9
        void stopBehaviour().then(() =>
          finish(
            signal === 'SIGKILL'
              ? { exitCode: 137, signal, reason: 'Error' }
              : { exitCode: 0, reason: 'Completed' },
          ),
        );
        if (signal === 'SIGKILL') finish({ exitCode: 137, signal, reason: 'Error' });
      },
      async exec(command, execOpts) {
        if (behaviour?.exec) return behaviour.exec(command, execOpts);
        return {
          stdout: '',
          stderr: `exec ${JSON.stringify(command)}: not supported by the simulated container\n`,
          exitCode: 126,
        };
      },
      checkExec,
      execStream(command, streamOpts) {
        checkExec();
        const hook = (execOpts: ExecOptions): Promise<ExecResult> =>
          behaviour?.exec
            ? behaviour.exec(command, execOpts)
            : Promise.resolve({ stdout: '', stderr: '', exitCode: 126 });
        return bufferedExecSession(hook, streamOpts);
      },
      probe(kind) {
        if (realProbes) return undefined;
        if (!started || ended) return false;
        if (kind === 'liveness') return behaviour?.live ? behaviour.live(ctx) : true;
        if (behaviour?.ready) return behaviour.ready(ctx);
        return Date.now() - startedAt >= readyAfter;
      },
    };
  }
}
