import type { KubeObject } from '../client/index.js';

/**
 * A change to one object as a controller sees it (controller-runtime pkg/event): what sources
 * emit, predicates filter and event handlers turn into requests.
 */
export type ObjectEvent<T extends KubeObject = KubeObject> =
  | {
      readonly type: 'create';
      readonly object: T;
      /** True when the object came from the informer's initial list (not a live creation). */
      readonly isInInitialList: boolean;
    }
  | { readonly type: 'update'; readonly objectOld: T; readonly objectNew: T }
  | {
      readonly type: 'delete';
      readonly object: T;
      /** True when the deletion was noticed by a relist and `object` may be stale (a tombstone). */
      readonly deleteStateUnknown: boolean;
    }
  | {
      /** An event from outside the cluster (a timer, a webhook, another system). */
      readonly type: 'generic';
      readonly object: T;
    };

/** The objects an event concerns: old and new for an update, else the one object. */
export function objectsOf<T extends KubeObject>(event: ObjectEvent<T>): T[] {
  return event.type === 'update' ? [event.objectOld, event.objectNew] : [event.object];
}
