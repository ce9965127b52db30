/**
 * Events from the controllers, as client-go's legacy recorder (k8s.io/client-go/tools/record) writes
 * them for kube-controller-manager: core/v1 Events named `<object>.<hex UnixNano>`, with
 * `source.component` the controller's name, and identical repeats folded into one Event whose
 * `count` and `lastTimestamp` grow (events_cache.go EventCorrelator). Recording never fails the
 * caller: upstream's broadcaster writes asynchronously and drops what the server refuses (for
 * example an Event in a terminating namespace).
 */
import type { KubeObject } from '../../api/index.js';
import type { ControllerContext } from './context.js';

/** `Normal` or `Warning` (core/v1 EventTypeNormal, EventTypeWarning). */
export type EventType = 'Normal' | 'Warning';

interface Folded {
  name: string;
  namespace: string;
  count: number;
}

const folded = new WeakMap<object, Map<string, Folded>>();
let sequence = 0;

function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Records an Event about `involved` from `component` (e.g. `statefulset-controller`), as
 * `recorder.Event(obj, type, reason, message)` does.
 */
export async function recordEvent(
  ctx: ControllerContext,
  component: string,
  involved: KubeObject,
  type: EventType,
  reason: string,
  message: string,
): Promise<void> {
  const namespace = involved.metadata.namespace || 'default';
  const now = rfc3339Seconds(ctx.clock.now());
  const key = [
    component,
    involved.kind,
    namespace,
    involved.metadata.name,
    involved.metadata.uid,
    type,
    reason,
    message,
  ].join('\u0000');
  let cache = folded.get(ctx.core);
  if (!cache) folded.set(ctx.core, (cache = new Map()));
  const eventsType = ctx.core.typeOf('', 'v1', 'events');
  try {
    const previous = cache.get(key);
    if (previous) {
      const existing = ctx.core.store.get({
        resource: '/events',
        namespace: previous.namespace,
        name: previous.name,
      });
      if (existing) {
        previous.count++;
        await ctx.core.patch(
          eventsType,
          previous.namespace,
          previous.name,
          JSON.stringify({ count: previous.count, lastTimestamp: now }),
          'application/strategic-merge-patch+json',
          { fieldManager: component },
        );
        return;
      }
    }
    // makeEvent: the name is the object's plus the time in nanoseconds, in hex
    const nanos = (BigInt(ctx.clock.now()) * 1_000_000n + BigInt(sequence++ % 1_000_000)).toString(16);
    const name = `${involved.metadata.name ?? ''}.${nanos}`;
    await ctx.core.create(
      eventsType,
      namespace,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          kind: involved.kind,
          namespace,
          name: involved.metadata.name,
          uid: involved.metadata.uid,
          apiVersion: involved.apiVersion,
          resourceVersion: involved.metadata.resourceVersion,
        },
        reason,
        message,
        source: { component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: '',
      } as KubeObject,
      { fieldManager: component },
    );
    cache.set(key, { name, namespace, count: 1 });
    if (cache.size > 4096) cache.delete(cache.keys().next().value as string);
  } catch (e) {
    ctx.logger.debug('event dropped', { reason, message, error: e instanceof Error ? e.message : String(e) });
  }
}
