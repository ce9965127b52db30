import type { KubeObject } from '../api/index.js';
import type { Change } from './change-history.js';
import { copyObject, deepFreeze } from './object-copy.js';
import type {
  BookmarkEvent,
  ObjectFilter,
  StoreEvent,
  StoreKey,
  StoreWatchEvent,
  WatchEventType,
} from './types.js';

/** A pending bookmark in a watcher's queue. */
interface BookmarkMark {
  bookmark: number;
  initialEventsEnd?: boolean;
}

type QueueItem = Change | BookmarkMark;

/**
 * Builds the event handed to a consumer. The objects are copied lazily, on first access, so that a
 * listener that only looks at `key` or `type` costs no copy; each consumer gets its own copies.
 * `shared`: the stored objects themselves, deeply frozen, identical for every consumer (so that a
 * serializer can memoize by identity).
 */
export function deliveredEvent(
  type: WatchEventType,
  key: StoreKey,
  revision: number,
  object: KubeObject,
  prev: KubeObject | undefined,
  shared = false,
): StoreEvent {
  if (shared) {
    return prev
      ? { type, key, revision, object: deepFreeze(object), prevObject: deepFreeze(prev) }
      : { type, key, revision, object: deepFreeze(object) };
  }
  let objectCopy: KubeObject | undefined;
  const event: StoreEvent = {
    type,
    key,
    revision,
    get object(): KubeObject {
      return (objectCopy ??= copyObject(object));
    },
    set object(value: KubeObject) {
      objectCopy = value;
    },
  };
  // Without a previous state the event has no `prevObject` member at all (not one reading undefined).
  if (prev) {
    let prevCopy: KubeObject | undefined;
    Object.defineProperty(event, 'prevObject', {
      enumerable: true,
      configurable: true,
      get: (): KubeObject | undefined => (prevCopy ??= copyObject(prev)),
      set: (value: KubeObject | undefined) => {
        prevCopy = value;
      },
    });
  }
  return event;
}

/** The object a filter transition reports as DELETED: the old state at the change's revision. */
function withResourceVersion(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

export interface StoreWatcherOptions {
  resource: string;
  namespace: string;
  filter?: ObjectFilter;
  /** Hand out the stored objects, deeply frozen, instead of copies. */
  shared: boolean;
  bufferSize: number;
  /**
   * The revision the client has seen: live changes at or below it are skipped and bookmarks never
   * report less (matters for a watch from a resourceVersion not reached yet).
   */
  minBookmarkRevision: number;
  /** Called once when the watch ends for any reason. */
  onEnd: (watcher: StoreWatcher) => void;
}

/**
 * One watch: a queue of references to immutable committed changes, drained by the consumer.
 * Writers only append a reference (O(1)); filtering and copying happen when the consumer pulls, so
 * a slow consumer never slows a writer. A consumer that falls `bufferSize` live events behind is
 * ended (its client re-watches from its last resourceVersion), as the watch cache terminates
 * unresponsive watchers (k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go).
 */
export class StoreWatcher implements AsyncIterableIterator<StoreWatchEvent> {
  readonly resource: string;
  readonly namespace: string;
  private readonly filter: ObjectFilter | undefined;
  private readonly shared: boolean;
  private queue: QueueItem[] = [];
  private head = 0;
  /** Queue positions below this hold the initial backlog, which does not count against the buffer. */
  private backlogEnd = 0;
  private waiting: ((result: IteratorResult<StoreWatchEvent>) => void) | undefined;
  private drainScheduled = false;
  private ended = false;
  /** True when the watch was ended because its consumer fell too far behind. */
  overflowed = false;

  constructor(private readonly opts: StoreWatcherOptions) {
    this.resource = opts.resource;
    this.namespace = opts.namespace;
    this.filter = opts.filter;
    this.shared = opts.shared;
  }

  /** Queues the initial events (synthetic ADDED or history) ahead of live ones. */
  enqueueBacklog(items: Change[], initialEventsEnd?: number): void {
    for (const item of items) this.queue.push(item);
    if (initialEventsEnd !== undefined)
      this.queue.push({ bookmark: initialEventsEnd, initialEventsEnd: true });
    this.backlogEnd = this.queue.length;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Appends a committed change (the caller has matched resource and namespace). */
  push(change: Change): void {
    if (this.ended || change.revision <= this.opts.minBookmarkRevision) return;
    this.queue.push(change);
    if (this.queue.length - Math.max(this.head, this.backlogEnd) > this.opts.bufferSize) {
      this.overflowed = true;
      this.end();
      return;
    }
    this.wake();
  }

  /** Appends a bookmark unless one is already the last thing queued. */
  pushBookmark(revision: number): void {
    if (this.ended) return;
    const last = this.queue.length > this.head ? this.queue[this.queue.length - 1] : undefined;
    if (last && 'bookmark' in last && !last.initialEventsEnd) {
      last.bookmark = Math.max(last.bookmark, revision, this.opts.minBookmarkRevision);
      return;
    }
    this.queue.push({ bookmark: Math.max(revision, this.opts.minBookmarkRevision) });
    this.wake();
  }

  private wake(): void {
    // Deliver in a microtask, not in the writer's call stack.
    if (this.waiting && !this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(() => {
        this.drainScheduled = false;
        this.drain();
      });
    }
  }

  private drain(): void {
    const resolve = this.waiting;
    if (!resolve) return;
    const event = this.take();
    if (event) {
      this.waiting = undefined;
      resolve({ value: event, done: false });
    }
  }

  /** Converts queued items until one is deliverable; undefined when the queue is drained. */
  private take(): StoreWatchEvent | undefined {
    while (this.head < this.queue.length) {
      const item = this.queue[this.head++]!;
      if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.backlogEnd = Math.max(0, this.backlogEnd - this.head);
        this.head = 0;
      }
      const event = 'bookmark' in item ? this.bookmarkEvent(item) : this.convert(item);
      if (event) return event;
    }
    return undefined;
  }

  private bookmarkEvent(mark: BookmarkMark): BookmarkEvent {
    return mark.initialEventsEnd
      ? { type: 'BOOKMARK', revision: mark.bookmark, initialEventsEnd: true }
      : { type: 'BOOKMARK', revision: mark.bookmark };
  }

  /**
   * Applies the filter the way the watch cache does (cacheWatcher.convertToWatchEvent): an update
   * into the filter is ADDED, out of it DELETED (carrying the old state at the new revision).
   */
  private convert(change: Change): StoreEvent | undefined {
    const { filter, shared } = this;
    if (!filter)
      return deliveredEvent(change.type, change.key, change.revision, change.object, change.prev, shared);
    const current = change.type !== 'DELETED' && filter(change.object);
    const previous = change.prev !== undefined && filter(change.prev);
    if (current && previous)
      return deliveredEvent('MODIFIED', change.key, change.revision, change.object, change.prev, shared);
    if (current)
      return deliveredEvent('ADDED', change.key, change.revision, change.object, undefined, shared);
    if (previous) {
      const gone =
        change.type === 'DELETED' ? change.object : withResourceVersion(change.prev!, change.revision);
      return deliveredEvent('DELETED', change.key, change.revision, gone, change.prev, shared);
    }
    return undefined;
  }

  next(): Promise<IteratorResult<StoreWatchEvent>> {
    const event = this.take();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiting)
      return Promise.reject(new Error('StoreWatcher.next() called while a previous next() is pending'));
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<StoreWatchEvent>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StoreWatchEvent> {
    return this;
  }

  /** Ends the watch: pending events are dropped and a waiting consumer sees the end. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.backlogEnd = 0;
    const resolve = this.waiting;
    this.waiting = undefined;
    this.opts.onEnd(this);
    resolve?.({ value: undefined, done: true });
  }
}
