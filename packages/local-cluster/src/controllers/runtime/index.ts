/**
 * The loop machinery of the simulated controllers: a deduplicating work queue, a controller loop
 * fed by store notifications, an injectable clock, and the small shared judgements (pod health,
 * owner references, selectors) every controller makes.
 */
export { systemClock, type Clock } from './clock.js';
export { WorkQueue } from './work-queue.js';
export { recordEvent, type EventType } from './events.js';
export {
  ControllerLoop,
  objectKey,
  splitKey,
  type ControllerDefinition,
  type ControllerLoopOptions,
  type ReconcileResult,
} from './controller-loop.js';
export { canonicalJson, fnv32a, safeEncodedHash } from './canonical-json.js';
export {
  isPodActive,
  isPodAvailable,
  isPodReady,
  isRunningAndReady,
  isTerminating,
  msUntilAvailable,
  podPhase,
} from './pod-health.js';
export {
  CONTROLLER_MANAGER,
  controllerOf,
  controllerRef,
  controllerTypes,
  deleteIgnoringMissing,
  getObject,
  listObjectKeys,
  listObjects,
  scaledValue,
  selectorMatcher,
  storeResource,
  writeStatus,
  type ControllerContext,
  type ControllerTypes,
} from './context.js';
