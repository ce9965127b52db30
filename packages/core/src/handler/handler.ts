import type { GroupVersionKind, KubeObject } from '../client/index.js';
import { parseApiVersion } from '../client/index.js';
import { requestForObject, requestKey, type Request } from '../reconcile/index.js';
import { objectsOf, type ObjectEvent } from './event.js';

/** Where an event handler puts requests (a controller's work queue, seen narrowly). */
export interface RequestQueue {
  /**
   * Queues a request. Without a priority, the controller's default for the event applies
   * (low for initial-list and resync events, else 0).
   */
  add(request: Request, options?: { priority?: number }): void;
  /** Queues a request after `delayMs`. */
  addAfter(request: Request, delayMs: number, options?: { priority?: number }): void;
}

/**
 * Turns events into requests (controller-runtime handler.EventHandler). A returned promise is
 * awaited by the controller only to report its rejection; handlers should be quick.
 */
export interface EventHandler<T extends KubeObject = KubeObject> {
  handle(event: ObjectEvent<T>, queue: RequestQueue): void | Promise<void>;
}

/**
 * Enqueues the object the event is about (controller-runtime EnqueueRequestForObject); on update
 * the new object (its name and namespace never change).
 */
export function enqueueRequestForObject<T extends KubeObject = KubeObject>(): EventHandler<T> {
  return {
    handle(event, queue) {
      const obj = event.type === 'update' ? event.objectNew : event.object;
      queue.add(requestForObject(obj));
    },
  };
}

/** Which owner an {@link enqueueRequestForOwner} handler follows. */
export interface OwnerKind {
  /** API group of the owner (`''` for core, `apps`, ...); any version matches. */
  group: string;
  kind: string;
}

/** Options of {@link enqueueRequestForOwner}. */
export interface EnqueueForOwnerOptions {
  /** Follow only the owner reference marked `controller: true`. Default true (as `Owns()` does). */
  onlyControllerOwner?: boolean;
  /** The owner kind is cluster-scoped: requests get namespace `''`. Default false. */
  clusterScopedOwner?: boolean;
}

/**
 * Enqueues the owners of the kind `owner` named in the object's ownerReferences — of both the old
 * and the new object on update (controller-runtime handler.EnqueueRequestForOwner /
 * OnlyControllerOwner). Owners are assumed to live in the object's namespace, as owner
 * references cannot cross namespaces.
 */
export function enqueueRequestForOwner<T extends KubeObject = KubeObject>(
  owner: OwnerKind | GroupVersionKind,
  { onlyControllerOwner = true, clusterScopedOwner = false }: EnqueueForOwnerOptions = {},
): EventHandler<T> {
  return {
    handle(event, queue) {
      const seen = new Set<string>();
      for (const obj of objectsOf(event)) {
        for (const ref of obj.metadata.ownerReferences ?? []) {
          if (ref.kind !== owner.kind || parseApiVersion(ref.apiVersion).group !== owner.group) continue;
          if (onlyControllerOwner && ref.controller !== true) continue;
          const request = {
            namespace: clusterScopedOwner ? '' : (obj.metadata.namespace ?? ''),
            name: ref.name,
          };
          const key = requestKey(request);
          if (seen.has(key)) continue;
          seen.add(key);
          queue.add(request);
        }
      }
    },
  };
}

/** Maps an object to the requests it should trigger. */
export type MapFunction<T extends KubeObject = KubeObject> = (obj: T) => Request[] | Promise<Request[]>;

/**
 * Enqueues whatever `map` returns for the object — for both the old and the new object on update,
 * deduplicated (controller-runtime handler.EnqueueRequestsFromMapFunc).
 */
export function enqueueRequestsFromMapFunc<T extends KubeObject = KubeObject>(
  map: MapFunction<T>,
): EventHandler<T> {
  return {
    async handle(event, queue) {
      const seen = new Set<string>();
      for (const obj of objectsOf(event)) {
        for (const request of await map(obj)) {
          const key = requestKey(request);
          if (seen.has(key)) continue;
          seen.add(key);
          queue.add(request);
        }
      }
    },
  };
}

/** An event handler from per-type functions; unset ones ignore their events (handler.Funcs). */
export function handlerFuncs<T extends KubeObject = KubeObject>(funcs: {
  [K in ObjectEvent<T>['type']]?: (
    event: Extract<ObjectEvent<T>, { type: K }>,
    queue: RequestQueue,
  ) => void | Promise<void>;
}): EventHandler<T> {
  return {
    handle(event, queue) {
      const fn = funcs[event.type] as
        ((e: ObjectEvent<T>, q: RequestQueue) => void | Promise<void>) | undefined;
      return fn?.(event, queue);
    },
  };
}
