import type { KubeObject } from '../client/index.js';
import type { Logger } from '../log/index.js';

/**
 * What to reconcile: the name and namespace of an object (controller-runtime reconcile.Request).
 * `namespace` is `''` for cluster-scoped objects.
 */
export interface Request {
  readonly namespace: string;
  readonly name: string;
}

/**
 * What to do after a reconcile (controller-runtime reconcile.Result). An empty result (or none)
 * means done until the next change. `requeueAfter` (ms) wins over `requeue`.
 */
export interface Result {
  /** Reconcile again, after the rate limiter's backoff. */
  requeue?: boolean;
  /** Reconcile again after this many milliseconds (the backoff is reset). */
  requeueAfter?: number;
}

/** What a reconcile gets besides its request. */
export interface ReconcileContext {
  /** Aborts when the per-reconcile timeout passes or the controller shuts down. */
  readonly signal: AbortSignal;
  /** Carries `controller`, `namespace`, `name` and `reconcileID` fields. */
  readonly logger: Logger;
  /** A fresh UUID per reconcile, to correlate its log lines and span. */
  readonly reconcileID: string;
  /** The controller's name. */
  readonly controllerName: string;
}

/**
 * The logic of a controller: bring the world in line with the object named by the request.
 * Must be idempotent; is never run twice at once for the same request.
 *
 * @typeParam T the kind of object this reconciler is for; used by the controller builder to
 * check that the reconciler given to `complete` matches the kind given to `controllerFor`.
 */
export abstract class Reconciler<T extends KubeObject = KubeObject> {
  /** Type-level marker for `T`; never set. */
  declare protected readonly objectType?: T;

  /**
   * Reconciles one object. Throw (or reject) to retry with backoff, or throw a
   * {@link TerminalError} to give up until the next change.
   */
  abstract reconcile(request: Request, context: ReconcileContext): Promise<Result | void>;
}

/** A reconcile function, for callers who prefer a function over a class. */
export type ReconcileFunction = (request: Request, context: ReconcileContext) => Promise<Result | void>;

/** Wraps a function as a {@link Reconciler}. */
export function reconcilerFrom<T extends KubeObject = KubeObject>(fn: ReconcileFunction): Reconciler<T> {
  return new (class extends Reconciler<T> {
    reconcile(request: Request, context: ReconcileContext): Promise<Result | void> {
      return fn(request, context);
    }
  })();
}

/**
 * An error that retrying will not fix (controller-runtime reconcile.TerminalError): the controller
 * counts and logs it but does not requeue the request.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }

  /** Wraps any thrown value (an Error keeps its message and becomes the cause). */
  static wrap(cause: unknown): TerminalError {
    if (cause instanceof TerminalError) return cause;
    return new TerminalError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** Whether `err`, or an error in its `cause` chain, is a {@link TerminalError} (Go's errors.Is). */
export function isTerminalError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 32; depth++) {
    if (e instanceof TerminalError) return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

/** The queue key of a request: `namespace/name`, or `name` when cluster-scoped (client-go MetaNamespaceKeyFunc). */
export function requestKey(request: Request): string {
  return request.namespace ? `${request.namespace}/${request.name}` : request.name;
}

/** The request a queue key stands for (inverse of {@link requestKey}). */
export function requestFromKey(key: string): Request {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The request for an object (its namespace and name). */
export function requestForObject(obj: KubeObject): Request {
  return { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
}
