/**
 * Controllers: sources feed events through predicates to event handlers, which queue requests for
 * workers that run a reconciler (controller-runtime pkg/controller, pkg/source, pkg/builder).
 * Describe one with {@link controllerFor}, or wire a {@link Controller} by hand.
 */
export {
  CacheSyncTimeoutError,
  Controller,
  ControllerStoppedError,
  ReconcileTimeoutError,
  type ControllerOptions,
} from './controller.js';
export { ManualSource, informerSource, type EventSink, type InformerLike, type Source } from './source.js';
export {
  ControllerBuilder,
  controllerFor,
  parseKindReference,
  type ControllerBlueprint,
  type ControllerDependencies,
  type ControllerForOptions,
  type InformerProvider,
  type KindReference,
  type OwnsOptions,
} from './builder.js';
