/**
 * Finalizers: keep an object from disappearing until its controller has cleaned up after it
 * (controller-runtime controllerutil's finalizer helpers, plus the whole pattern in
 * {@link handleFinalizer}).
 */
export {
  addFinalizer,
  containsFinalizer,
  deleteFinalizer,
  ensureFinalizer,
  handleFinalizer,
  isBeingDeleted,
  removeFinalizer,
  type FinalizerOptions,
  type FinalizerOutcome,
} from './finalizers.js';
