import { KubeClient } from '../client/index.js';
import type { ControllerBlueprint } from '../controller/index.js';
import type { ReconcilerClass } from '../decorators/index.js';
import { Manager, type LeaderElectionOptions, type ManagerOptions } from './manager.js';
import { managerOptionsFromEnv } from './options-from-env.js';

/** Options of {@link runManager}: the manager's options plus what to run. */
export interface RunManagerOptions extends Omit<ManagerOptions, 'leaderElection'> {
  /** The controllers: blueprints or `@Controller`-decorated reconciler classes. */
  controllers: (ControllerBlueprint | ReconcilerClass)[];
  /** Leader election with this Lease (namespace defaults as in {@link LeaderElectionOptions}); off when unset. */
  leaderElection?: { id: string; namespace?: string } | LeaderElectionOptions | false;
  /** One namespace to watch (joined with `namespaces`); unset: all. */
  namespace?: string;
  /** Command-line arguments read by {@link managerOptionsFromEnv}. Default `process.argv.slice(2)`. */
  argv?: readonly string[];
  /** Environment read by {@link managerOptionsFromEnv}. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Call `process.exit` with the exit code when done. Default true. */
  exit?: boolean;
}

/**
 * Stops a program cleanly on SIGTERM or SIGINT (controller-runtime SetupSignalHandler): the first
 * signal aborts the returned signal; a second exits the process at once with code 1.
 */
export function signalHandler(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(1);
    controller.abort(new Error(`received ${name}`));
  };
  for (const s of signals) process.on(s, onSignal);
  return controller.signal;
}

/**
 * The one-call entry point of an operator: reads flags and environment
 * ({@link managerOptionsFromEnv}; options given here win), creates a {@link Manager}, adds the
 * controllers, runs until SIGTERM/SIGINT and exits 0 after a clean stop, 1 after a failure (a lost
 * lease, caches that never sync, a port in use). Resolves to the exit code when `exit` is false.
 */
export async function runManager(options: RunManagerOptions): Promise<number> {
  const { controllers, namespace, argv, env, exit = true, leaderElection, ...explicit } = options;
  const fromEnv = managerOptionsFromEnv(argv ?? process.argv.slice(2), env ?? process.env);
  const { kubeconfigPath, ...envOptions } = fromEnv;
  const merged: ManagerOptions = { ...envOptions };
  for (const [key, value] of Object.entries(explicit)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  if (leaderElection !== undefined) merged.leaderElection = leaderElection;
  const namespaces = [...(namespace ? [namespace] : []), ...(explicit.namespaces ?? [])];
  if (namespaces.length > 0) merged.namespaces = [...new Set(namespaces)];
  if (!merged.client && merged.kubeconfig === undefined && kubeconfigPath)
    merged.client = KubeClient.fromFile(kubeconfigPath);
  const signal = signalHandler();
  let code = 0;
  let manager: Manager | undefined;
  try {
    manager = Manager.create(merged);
    for (const c of controllers) manager.add(c);
    await manager.start(signal);
  } catch (err) {
    code = 1;
    const message = err instanceof Error ? err.message : String(err);
    if (manager) manager.logger.error('manager exited with an error', { error: message });
    else process.stderr.write(`manager failed to start: ${message}\n`);
  }
  if (exit) process.exit(code);
  return code;
}
