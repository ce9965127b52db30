import { hostname } from 'node:os';
import { isNotFound, type KubeObject } from '../client/index.js';
import { realClock, type Clock } from '../clock/index.js';
import { silentLogger, type Logger } from '../log/index.js';

/** `Normal` or `Warning`, the two core/v1 Event types. */
export type EventType = 'Normal' | 'Warning';

/** core/v1 ObjectReference, as events carry it in `involvedObject`. */
export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** core/v1 Event (the fields the recorder writes). */
export interface CoreEvent extends KubeObject {
  involvedObject: InvolvedObject;
  reason: string;
  message: string;
  type: EventType;
  source: { component?: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  reportingComponent: string;
  reportingInstance: string;
}

/** The writes an {@link EventRecorder} makes (`KubeClient` fits). */
export interface EventWriteClient {
  create<T extends KubeObject>(obj: T, opts?: { signal?: AbortSignal }): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    gvk: { group: string; version: string; kind: string },
    name: string,
    patch: unknown,
    opts?: { namespace?: string; signal?: AbortSignal },
  ): Promise<T>;
}

/** Options of {@link EventRecorder}; every field but `client` and `component` has a default. */
export interface EventRecorderOptions {
  client: EventWriteClient;
  /** `source.component` and `reportingComponent`: the controller or operator name. */
  component: string;
  /** `source.host` and `reportingInstance`. Default: the host name. */
  host?: string;
  clock?: Clock;
  logger?: Logger;
  /** Similar events (same object, type, reason) within `aggregateIntervalMs` before they are combined. Default 10. */
  aggregateMaxEvents?: number;
  /** Default 600 000 (10 min). */
  aggregateIntervalMs?: number;
  /** Events one object may emit at once before the rate limit applies. Default 25. */
  spamBurst?: number;
  /** Tokens per second refilling that burst. Default 1/300 (one event every 5 minutes). */
  spamQps?: number;
  /** Distinct event keys remembered. Default 4096. */
  cacheSize?: number;
}

const EVENT_GVK = { group: '', version: 'v1', kind: 'Event' };
const COMBINED_PREFIX = '(combined from similar events): ';

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

interface Aggregate {
  messages: Set<string>;
  lastMs: number;
}

interface Bucket {
  tokens: number;
  lastMs: number;
}

/**
 * Records core/v1 Events about objects, as client-go tools/record's recorder with its
 * EventCorrelator does (events_cache.go):
 *
 * - a repeat of an event (same object, type, reason, message, source) patches the existing Event:
 *   `count` + 1 and a new `lastTimestamp`, instead of creating another;
 * - once more than `aggregateMaxEvents` distinct messages for the same object, type and reason
 *   arrive within `aggregateIntervalMs`, they are combined into one Event whose message starts with
 *   "(combined from similar events): ";
 * - a token bucket per object (burst 25, one token every 5 min) drops floods.
 *
 * Writes run in the background in order; recording never throws or blocks. {@link flush} waits for them.
 */
export class EventRecorder {
  private readonly client: EventWriteClient;
  private readonly component: string;
  private readonly host: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly aggregateMaxEvents: number;
  private readonly aggregateIntervalMs: number;
  private readonly spamBurst: number;
  private readonly spamQps: number;
  private readonly cacheSize: number;
  private readonly seen = new Map<string, Seen>();
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly buckets = new Map<string, Bucket>();
  private pending: Promise<void> = Promise.resolve();
  private lastNanos = 0n;

  constructor(options: EventRecorderOptions) {
    this.client = options.client;
    this.component = options.component;
    this.host = options.host ?? hostname();
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger();
    this.aggregateMaxEvents = options.aggregateMaxEvents ?? 10;
    this.aggregateIntervalMs = options.aggregateIntervalMs ?? 600_000;
    this.spamBurst = options.spamBurst ?? 25;
    this.spamQps = options.spamQps ?? 1 / 300;
    this.cacheSize = options.cacheSize ?? 4096;
  }

  /** Records an event about `object` (record.EventRecorder.Event). */
  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    this.record(object, type, reason, message);
  }

  /** Records an event with a printf-free template: `args` are appended with spaces (Eventf without format verbs). */
  eventf(object: KubeObject, type: EventType, reason: string, message: string, ...args: unknown[]): void {
    this.record(object, type, reason, [message, ...args.map(String)].join(' '));
  }

  /** Records an event with annotations on the Event (record.EventRecorder.AnnotatedEventf). */
  annotatedEvent(
    object: KubeObject,
    annotations: Record<string, string>,
    type: EventType,
    reason: string,
    message: string,
  ): void {
    this.record(object, type, reason, message, annotations);
  }

  /** Resolves when every event recorded so far has been written (or failed and been logged). */
  flush(): Promise<void> {
    return this.pending;
  }

  private record(
    object: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    annotations?: Record<string, string>,
  ): void {
    const now = this.clock.now();
    const ref = referenceTo(object);
    const objectKey = JSON.stringify([
      this.component,
      this.host,
      ref.kind,
      ref.namespace,
      ref.name,
      ref.uid,
      ref.apiVersion,
    ]);
    if (!this.takeToken(objectKey, now)) {
      this.logger.debug('event dropped by the rate limit', { reason, object: ref.name });
      return;
    }
    // aggregation, as EventAggregator: count distinct messages per (object, type, reason)
    const aggregateKey = JSON.stringify([objectKey, type, reason]);
    let aggregate = this.aggregates.get(aggregateKey);
    if (!aggregate || now - aggregate.lastMs > this.aggregateIntervalMs) {
      aggregate = { messages: new Set(), lastMs: now };
      this.remember(this.aggregates, aggregateKey, aggregate);
    }
    aggregate.messages.add(message);
    aggregate.lastMs = now;
    let key = JSON.stringify([aggregateKey, message]);
    let text = message;
    if (aggregate.messages.size >= this.aggregateMaxEvents) {
      key = aggregateKey;
      text = COMBINED_PREFIX + message;
    }
    const timestamp = formatTime(now);
    const previous = this.seen.get(key);
    const namespace = ref.namespace || 'default';
    if (previous) {
      previous.count += 1;
      const snapshot = { ...previous };
      this.enqueue(() =>
        this.writeRepeat(snapshot, text, timestamp, () =>
          this.build(ref, namespace, type, reason, text, timestamp, annotations, key),
        ),
      );
      return;
    }
    const event = this.build(ref, namespace, type, reason, text, timestamp, annotations, key);
    this.enqueue(() => this.create(event));
  }

  private build(
    ref: InvolvedObject,
    namespace: string,
    type: EventType,
    reason: string,
    message: string,
    timestamp: string,
    annotations: Record<string, string> | undefined,
    key: string,
  ): CoreEvent {
    const name = `${ref.name ?? 'unknown'}.${this.uniqueNanos().toString(16)}`;
    this.remember(this.seen, key, { name, namespace, count: 1, firstTimestamp: timestamp });
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
      involvedObject: ref,
      reason,
      message,
      type,
      source: { component: this.component, host: this.host },
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host,
    };
  }

  private async create(event: CoreEvent): Promise<void> {
    await this.client.create(event);
  }

  // as recordToSink: patch count/lastTimestamp/message; if the Event is gone, create it anew
  private async writeRepeat(
    seen: Seen,
    message: string,
    timestamp: string,
    rebuild: () => CoreEvent,
  ): Promise<void> {
    try {
      await this.client.patch(
        EVENT_GVK,
        seen.name,
        { count: seen.count, lastTimestamp: timestamp, message },
        { namespace: seen.namespace },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.create(rebuild());
    }
  }

  private enqueue(write: () => Promise<void>): void {
    this.pending = this.pending.then(write).catch((err: unknown) => {
      this.logger.error('could not write event', { error: err instanceof Error ? err.message : String(err) });
    });
  }

  // EventSourceObjectSpamFilter: a token bucket per source + involved object
  private takeToken(key: string, now: number): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.spamBurst, lastMs: now };
      this.remember(this.buckets, key, bucket);
    }
    bucket.tokens = Math.min(this.spamBurst, bucket.tokens + ((now - bucket.lastMs) / 1000) * this.spamQps);
    bucket.lastMs = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  // a bounded map: the oldest entry goes first (client-go uses LRU caches of 4096)
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.cacheSize) map.delete(map.keys().next().value as string);
  }

  // event names are `<object>.<unix nanos in hex>`, as client-go makeEvent; kept strictly increasing
  private uniqueNanos(): bigint {
    const nanos = BigInt(Date.now()) * 1_000_000n;
    this.lastNanos = nanos > this.lastNanos ? nanos : this.lastNanos + 1n;
    return this.lastNanos;
  }
}

function referenceTo(object: KubeObject): InvolvedObject {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    uid: object.metadata.uid,
    resourceVersion: object.metadata.resourceVersion,
  };
}

function formatTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
