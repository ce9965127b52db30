/**
 * Container runtimes of the local cluster's nodes, chosen per image by a {@link RuntimeRegistry}:
 * {@link SimulatedRuntime} (no process; readiness by delay or behaviour object) and
 * {@link ProcessRuntime} (the container's command as a real local process).
 */
export type {
  ContainerContext,
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  ExecOptions,
  ExecResult,
  ExecSession,
  ExecStreamOptions,
  RunningContainer,
  VolumeDirectory,
} from './types.js';
export { RuntimeRegistry, imageMatches, type ImagePattern } from './registry.js';
export {
  SimulatedRuntime,
  type SimulatedBehaviour,
  type SimulatedContainerContext,
  type SimulatedRuntimeOptions,
} from './simulated.js';
export {
  ProcessRuntime,
  defaultProcessImages,
  rewriteLoopback,
  rewriteMountPaths,
  volumeEnvName,
  type ProcessImage,
  type ProcessRuntimeOptions,
} from './process.js';
export { expandVariables } from './expansion.js';
export { bufferedExecSession } from './exec-session.js';
