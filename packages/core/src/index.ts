/**
 * `@opkit/core`: the operator runtime. The path of one event through it reads in folder order:
 * `client` (talk to the API server) → `cache` (informers keep a local copy) → `handler`/`predicate`
 * (which events become which requests) → `queue` (rate-limited, deduplicated keys) → `controller`
 * (workers call your `Reconciler`) → `manager` (runs it all, with leader election, probes and metrics).
 */
export * from './clock/index.js';
export * from './queue/index.js';
export * from './client/index.js';
export * from './cache/index.js';
export * from './crd/index.js';
export * from './reconcile/index.js';
// The cache's `EventHandler` (informer callbacks) keeps its name; the handler folder's (events →
// requests, controller-runtime's handler.EventHandler) is exported as `RequestEventHandler`.
export {
  objectsOf,
  enqueueRequestForObject,
  enqueueRequestForOwner,
  enqueueRequestsFromMapFunc,
  handlerFuncs,
  type ObjectEvent,
  type EnqueueForOwnerOptions,
  type EventHandler as RequestEventHandler,
  type MapFunction,
  type OwnerKind,
  type RequestQueue,
} from './handler/index.js';
// `and`/`or`/`not` are too generic for the package root: predicates live in a namespace.
export * as predicates from './predicate/index.js';
export type { Predicate } from './predicate/index.js';
// Operator authors write the `@Controller` decorator; the class that runs a controller is `ControllerRunner`.
export {
  Controller as ControllerRunner,
  CacheSyncTimeoutError,
  ControllerStoppedError,
  ReconcileTimeoutError,
  ControllerBuilder,
  controllerFor,
  parseKindReference,
  ManualSource,
  informerSource,
  type ControllerOptions,
  type EventSink,
  type InformerLike,
  type Source,
  type ControllerBlueprint,
  type ControllerDependencies,
  type ControllerForOptions,
  type InformerProvider,
  type KindReference,
  type OwnsOptions,
} from './controller/index.js';
export * from './leaderelection/index.js';
export * from './metrics/index.js';
export * from './healthz/index.js';
export * from './log/index.js';
export * from './conditions/index.js';
export * from './ownership/index.js';
export * from './upsert/index.js';
export * from './status/index.js';
export * from './finalizer/index.js';
export * from './events/index.js';
export * from './decorators/index.js';
export * from './manager/index.js';
