import type { KubeObject } from '../client/index.js';
import type {
  EventHandler as InformerEventHandler,
  HandlerRegistration,
  WaitOptions,
} from '../cache/index.js';
import { objectOfDeleted, DeletedFinalStateUnknown } from '../cache/index.js';
import type { ObjectEvent } from '../handler/index.js';

/** Receives a source's events. */
export type EventSink<T extends KubeObject = KubeObject> = (event: ObjectEvent<T>) => void;

/**
 * Where a controller's events come from (controller-runtime pkg/source): an informer, a channel of
 * external events, ... `start` begins delivering events to `sink` until `signal` aborts.
 */
export interface Source<T extends KubeObject = KubeObject> {
  start(sink: EventSink<T>, signal: AbortSignal): void | Promise<void>;
  /** Resolves true once the source has delivered its initial state; false if `signal` aborts first. */
  waitForSync(signal: AbortSignal): Promise<boolean>;
  /** Names the source in logs. */
  toString(): string;
}

/**
 * The slice of a shared informer a {@link informerSource} needs (the cache's `SharedInformer`
 * fits it).
 */
export interface InformerLike<T extends KubeObject = KubeObject> {
  addEventHandler(handler: InformerEventHandler<T>): HandlerRegistration;
  waitUntil(cond: () => boolean, opts?: WaitOptions): Promise<boolean>;
  /** Starts the informer if it is not running (idempotent). */
  start(): void;
}

/**
 * A source over a shared informer (controller-runtime source.Kind): adds, updates and deletes
 * become create, update and delete events; initial-list adds are marked so the controller gives
 * them low priority. Starting the source starts the informer if needed; stopping removes only the
 * handler (informers are shared and stopped by their factory).
 */
export function informerSource<T extends KubeObject = KubeObject>(
  informer: InformerLike<T>,
  description = 'informer',
): Source<T> {
  let registration: HandlerRegistration | undefined;
  return {
    start(sink, signal) {
      if (registration) throw new Error(`source ${description} was started twice`);
      const reg = informer.addEventHandler({
        onAdd: (object, isInInitialList) => sink({ type: 'create', object, isInInitialList }),
        onUpdate: (objectOld, objectNew) => sink({ type: 'update', objectOld, objectNew }),
        onDelete: (deleted) =>
          sink({
            type: 'delete',
            object: objectOfDeleted(deleted),
            deleteStateUnknown: deleted instanceof DeletedFinalStateUnknown,
          }),
      });
      registration = reg;
      signal.addEventListener('abort', () => reg.remove(), { once: true });
      informer.start();
    },
    async waitForSync(signal) {
      const reg = registration;
      if (!reg) throw new Error(`source ${description} must be started before waitForSync`);
      return informer.waitUntil(() => reg.hasSynced(), { signal });
    },
    toString: () => description,
  };
}

/**
 * A source fed by the program (controller-runtime source.Channel): call `emit` to send generic
 * (or any) events, e.g. from a timer or an external system. Events emitted before the controller
 * starts are delivered when it starts.
 */
export class ManualSource<T extends KubeObject = KubeObject> implements Source<T> {
  private sink: EventSink<T> | undefined;
  private pending: ObjectEvent<T>[] = [];

  constructor(private readonly description = 'manual') {}

  /** Sends a generic event for `object`. */
  emitGeneric(object: T): void {
    this.emit({ type: 'generic', object });
  }

  /** Sends any event. */
  emit(event: ObjectEvent<T>): void {
    if (this.sink) this.sink(event);
    else this.pending.push(event);
  }

  start(sink: EventSink<T>, signal: AbortSignal): void {
    this.sink = sink;
    signal.addEventListener('abort', () => (this.sink = undefined), { once: true });
    const pending = this.pending;
    this.pending = [];
    for (const e of pending) sink(e);
  }

  waitForSync(): Promise<boolean> {
    return Promise.resolve(true);
  }

  toString(): string {
    return this.description;
  }
}
