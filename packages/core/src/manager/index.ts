/**
 * The manager: runs controllers with shared informers, a cached client, leader election, health
 * probes, metrics, events and an inversify container for dependencies (controller-runtime
 * pkg/manager), and {@link runManager}, an operator's one-call `main`.
 */
export {
  CacheSyncFailedError,
  LeaderElectionLostError,
  Manager,
  type LeaderElectionOptions,
  type ManagerOptions,
  type ManagerPhase,
} from './manager.js';
export { NamespacedInformerProvider } from './namespaced-informers.js';
export { managerOptionsFromEnv, parseDurationMs } from './options-from-env.js';
export { runManager, signalHandler, type RunManagerOptions } from './run-manager.js';
export { ManagerTokens } from './tokens.js';
