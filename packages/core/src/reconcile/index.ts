/**
 * Reconcile: the request a controller hands to its reconciler, the result telling it what to do
 * next, the reconciler contract and the error that stops retries (controller-runtime pkg/reconcile).
 */
export {
  Reconciler,
  TerminalError,
  isTerminalError,
  reconcilerFrom,
  requestForObject,
  requestFromKey,
  requestKey,
  type ReconcileContext,
  type ReconcileFunction,
  type Request,
  type Result,
} from './reconcile.js';
