/**
 * The operator as a child process: started with KUBECONFIG pointing at the target cluster, its output
 * handed over line by line, stopped with SIGTERM and then SIGKILL after a grace period (what the
 * kubelet does to a container: terminationGracePeriodSeconds, k8s.io/kubernetes/pkg/kubelet/kuberuntime).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How the operator ended. */
export interface OperatorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when {@link OperatorProcess.stop} asked for it. */
  requested: boolean;
}

/** Options of {@link OperatorProcess}. */
export interface OperatorProcessOptions {
  /** The compiled entry point, e.g. `<project>/dist/main.js`. */
  entryPoint: string;
  /** Working directory (the project). */
  cwd: string;
  /** The kubeconfig the operator uses (set as KUBECONFIG). */
  kubeconfigPath: string;
  /** Extra arguments for the entry point. */
  args?: readonly string[];
  /** Extra environment (POD_NAMESPACE, WATCH_NAMESPACE, ...). */
  env?: Readonly<Record<string, string>>;
  /** Time between SIGTERM and SIGKILL. Default 10 s. */
  gracePeriodMs?: number;
  /** Receives each line the operator writes. */
  output: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Called when the operator exits, asked to or not. */
  onExit?: (exit: OperatorExit) => void;
}

/** One operator process at a time: start, stop, restart. */
export class OperatorProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<OperatorExit> | undefined;
  private stopRequested = false;
  private readonly killOnExit = (): void => {
    // Last resort if this process ends without stop(): never leave an orphan operator behind.
    if (this.child?.pid && this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };

  constructor(private readonly options: OperatorProcessOptions) {}

  /** The running process's id, if one runs. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Whether an operator process is running. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the operator (no-op when one runs). */
  start(): void {
    if (this.running) return;
    const o = this.options;
    this.stopRequested = false;
    // Own process group (detached): Ctrl-C in the terminal then reaches only opkit, which stops the
    // operator in order (SIGTERM, grace, SIGKILL) before the cluster.
    const child = spawn(process.execPath, [o.entryPoint, ...(o.args ?? [])], {
      cwd: o.cwd,
      env: { ...process.env, ...o.env, KUBECONFIG: o.kubeconfigPath },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    this.child = child;
    process.on('exit', this.killOnExit);
    createInterface({ input: child.stdout! }).on('line', (line) => o.output(line, 'stdout'));
    createInterface({ input: child.stderr! }).on('line', (line) => o.output(line, 'stderr'));
    this.exited = new Promise<OperatorExit>((resolve) => {
      child.on('error', (err) => {
        o.output(`cannot start the operator: ${err.message}`, 'stderr');
      });
      child.on('close', (code, signal) => {
        process.off('exit', this.killOnExit);
        const exit = { code, signal, requested: this.stopRequested };
        resolve(exit);
        o.onExit?.(exit);
      });
    });
  }

  /** Stops the operator: SIGTERM, then SIGKILL after the grace period. Resolves when it has exited. */
  async stop(): Promise<OperatorExit | undefined> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return undefined;
    if (!this.running) return exited;
    this.stopRequested = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, this.options.gracePeriodMs ?? 10_000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the running operator (if any) and starts a new one. */
  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }
}
