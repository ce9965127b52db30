/**
 * Event handlers: turn object events into reconcile requests — for the object itself, for its
 * controlling owner, or through a mapping function (controller-runtime pkg/handler and pkg/event).
 */
export { objectsOf, type ObjectEvent } from './event.js';
export {
  enqueueRequestForObject,
  enqueueRequestForOwner,
  enqueueRequestsFromMapFunc,
  handlerFuncs,
  type EnqueueForOwnerOptions,
  type EventHandler,
  type MapFunction,
  type OwnerKind,
  type RequestQueue,
} from './handler.js';
