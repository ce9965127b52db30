/**
 * Where the engine reports each step: core/v1 Events on the custom resource (as client-go's
 * record.EventRecorder writes them) and log lines.
 */
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../client/index.js';
import type { ClusterClient } from '../client/index.js';

/** Records an Event about an object. Must not throw: events are best effort. */
export interface EventSink {
  event(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

/** The log lines the engine writes; a winston Logger (core's `Logger`) satisfies it. */
export interface RunbookLogger {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

/** A logger that drops everything. */
export const silentRunbookLogger: RunbookLogger = { info: () => undefined, warn: () => undefined };

/** An EventSink that creates core/v1 Events through the cluster client. */
export function clusterEventSink(
  client: ClusterClient,
  component = 'opkit-statefulset',
  now: () => Date = () => new Date(),
): EventSink {
  return {
    async event(object, type, reason, message) {
      const time = now().toISOString();
      const namespace = object.metadata.namespace || 'default';
      try {
        await client.create({
          apiVersion: 'v1',
          kind: 'Event',
          // client-go names events <object>.<unique hex>
          metadata: {
            name: `${object.metadata.name ?? 'object'}.${randomBytes(8).toString('hex')}`,
            namespace,
          },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            namespace: object.metadata.namespace,
            uid: object.metadata.uid,
            resourceVersion: object.metadata.resourceVersion,
          },
          reason,
          message,
          type,
          source: { component },
          reportingComponent: component,
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
        });
      } catch {
        // events are best effort, as in client-go: a failed event never fails a reconcile
      }
    },
  };
}

/** An EventSink that keeps events in memory (tests). */
export class RecordedEvents implements EventSink {
  readonly events: { type: 'Normal' | 'Warning'; reason: string; message: string; object: string }[] = [];

  async event(
    object: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    this.events.push({
      type,
      reason,
      message,
      object: `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`,
    });
  }
}
