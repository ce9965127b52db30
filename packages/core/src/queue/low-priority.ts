/**
 * The priority controller-runtime gives to events that carry no change
 * (pkg/handler eventhandler.go `LowPriority`): below the default 0, leaving room for user
 * priorities in between.
 */
export const LOW_PRIORITY = -100;

/** The informer event a handler is about to enqueue, as far as prioritisation cares. */
export type PrioritizedEvent =
  | { readonly type: 'create'; readonly isInInitialList: boolean }
  | { readonly type: 'update'; readonly oldResourceVersion?: string; readonly newResourceVersion?: string }
  | { readonly type: 'delete' }
  | { readonly type: 'generic' };

/**
 * controller-runtime's `WithLowPriorityWhenUnchanged` rule (pkg/handler/eventhandler.go), for the
 * event handlers to apply: a create from the informer's initial list, or an update whose
 * resourceVersion did not change (a resync), gets {@link LOW_PRIORITY}, so live changes are
 * reconciled first after a restart. Everything else gets `undefined` (no override: the default 0).
 *
 * Copied: the two conditions and the -100 value (current controller-runtime reads the informer's
 * `IsInInitialList`; older releases guessed "created more than a minute ago" instead — opkit uses
 * the exact flag). Not copied: the queue wrapper; callers pass the result as `{ priority }`.
 */
export function lowPriorityWhenUnchanged(event: PrioritizedEvent): number | undefined {
  switch (event.type) {
    case 'create':
      return event.isInInitialList ? LOW_PRIORITY : undefined;
    case 'update':
      return event.oldResourceVersion !== undefined && event.oldResourceVersion === event.newResourceVersion
        ? LOW_PRIORITY
        : undefined;
    default:
      return undefined;
  }
}
