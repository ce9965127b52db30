import { ApiError, errors, jsonEqual, type KubeObject, type ResourceRef } from '../api/index.js';
import { ChangeHistory, type Change } from './change-history.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { copyObject, jsonSafeCopy } from './object-copy.js';
import { insertSorted, lowerBound, removeSorted, upperBound } from './sorted-ids.js';
import { StoreFiles, type LoadedRecord, type SnapshotContent } from './store-files.js';
import { StoreWatcher, deliveredEvent } from './store-watcher.js';
import type {
  ObjectStoreOptions,
  StoreEvent,
  StoreKey,
  StoreListOptions,
  StoreListResult,
  StoreWatchEvent,
  StoreWatchOptions,
  StoreWriteOptions,
} from './types.js';

/** The objects of one resource, keyed by `namespace/name` (or `name`), as etcd keys them. */
interface ResourceTable {
  objects: Map<string, KubeObject>;
  /** Ids in ascending order; built on the first list, then maintained incrementally. */
  sorted: string[] | undefined;
  /** Revision of the last change to this resource (lets lists skip history scans). */
  lastChange: number;
}

const conflictMessage =
  'the object has been modified; please apply your changes to the latest version and try again';

// Messages as k8s.io/apiserver/pkg/storage/etcd3/store.go words them.
const expiredListMessage = 'The resourceVersion for the provided list is too old.';
const inconsistentContinueMessage =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
  'without the continue parameter, or use the continue token in this response to retrieve the remainder of the ' +
  'results. Continuing with the provided token results in an inconsistent list - objects that were created, ' +
  'modified, or deleted between the time the first chunk was returned and now may show up in the list.';

function idOf(key: StoreKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}

function keyOf(resource: string, id: string): StoreKey {
  const slash = id.indexOf('/');
  return Object.freeze(
    slash < 0
      ? { resource, namespace: '', name: id }
      : { resource, namespace: id.slice(0, slash), name: id.slice(slash + 1) },
  );
}

/** "apps/statefulsets" -> { group: 'apps', resource: 'statefulsets' }; "/pods" -> { group: '', ... }. */
function refOf(resource: string): ResourceRef {
  const slash = resource.indexOf('/');
  return slash < 0
    ? { group: '', resource }
    : { group: resource.slice(0, slash), resource: resource.slice(slash + 1) };
}

/** Parses a resourceVersion parameter; 400 as kube-apiserver answers an unparsable one. */
function parseResourceVersion(value: string): number {
  if (!/^\d+$/.test(value)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(value)}`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(value)}`);
  return n;
}

/** 504 with the ResourceVersionTooLarge cause (k8s.io/apiserver/pkg/storage/errors.go). */
function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Timeout: Too large resource version: ${requested}, current: ${current}`,
    reason: 'Timeout',
    details: {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    },
    code: 504,
  });
}

/** The caller's object as a stored, JSON-safe copy. */
function storedCopy(object: KubeObject): KubeObject {
  const stored = jsonSafeCopy(object);
  if (typeof stored.metadata !== 'object' || stored.metadata === null || Array.isArray(stored.metadata))
    stored.metadata = {};
  return stored;
}

/**
 * The storage of the local API server: one monotonic revision shared by every resource (etcd's
 * revision), stamped into `metadata.resourceVersion` on every write; a bounded history of changes
 * that serves watches from a resourceVersion and consistent paginated lists; optional persistence
 * to an append-only log plus snapshots.
 *
 * Everything handed out is a deep copy; stored objects are never mutated in place (a write
 * replaces the object), so history entries and watcher queues can share them safely.
 */
export class ObjectStore {
  private currentRevision = 0;
  private readonly tables = new Map<string, ResourceTable>();
  private history: ChangeHistory;
  private readonly watchers = new Map<string, Set<StoreWatcher>>();
  private watcherCount = 0;
  /** Listener -> whether it takes shared frozen objects. */
  private readonly listeners = new Map<(e: StoreEvent) => void, boolean>();
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private readonly bookmarkIntervalMs: number;
  private readonly watchBufferSize: number;
  private files: StoreFiles | undefined;
  private closed = false;

  private constructor(
    private readonly options: { historySize: number; bookmarkIntervalMs: number; watchBufferSize: number },
  ) {
    this.history = new ChangeHistory(options.historySize);
    this.bookmarkIntervalMs = options.bookmarkIntervalMs;
    this.watchBufferSize = options.watchBufferSize;
  }

  /**
   * Opens a store. With `dataDir`, loads what a previous store in that directory persisted
   * (objects, revision, history) and keeps persisting to it.
   */
  static async open(opts: ObjectStoreOptions = {}): Promise<ObjectStore> {
    const {
      dataDir,
      historySize = 10_000,
      bookmarkIntervalMs = 60_000,
      watchBufferSize = 10_000,
      flushIntervalMs = 50,
      compactEvery,
    } = opts;
    if (!(historySize >= 1)) throw new RangeError('historySize must be at least 1');
    const store = new ObjectStore({ historySize, bookmarkIntervalMs, watchBufferSize });
    if (dataDir) {
      const files = new StoreFiles(
        dataDir,
        flushIntervalMs,
        () => store.captureSnapshot(),
        () => compactEvery ?? Math.max(50_000, 2 * (historySize + store.objectCount())),
      );
      files.load((record) => store.replay(record));
      store.files = files;
      files.startSegment(store.currentRevision + 1);
    }
    return store;
  }

  private objectCount(): number {
    let count = 0;
    for (const table of this.tables.values()) count += table.objects.size;
    return count;
  }

  /** The last assigned resourceVersion (monotonic, shared by all resources). */
  get revision(): number {
    return this.currentRevision;
  }

  /** The highest revision no longer in the history: watches and Exact lists need a later one. */
  get compactedRevision(): number {
    return this.history.compactedRevision;
  }

  /** A deep copy of the stored object, or undefined. */
  get(key: StoreKey): KubeObject | undefined {
    const object = this.tables.get(key.resource)?.objects.get(idOf(key));
    return object ? copyObject(object) : undefined;
  }

  /** Stores a new object, stamping `metadata.resourceVersion`; 409 AlreadyExists when the key is taken. */
  create(key: StoreKey, obj: KubeObject): KubeObject {
    this.assertOpen();
    const table = this.table(key.resource);
    const id = idOf(key);
    if (table.objects.has(id)) throw errors.alreadyExists(refOf(key.resource), key.name);
    const stored = storedCopy(obj);
    const revision = this.currentRevision + 1;
    stored.metadata.resourceVersion = String(revision);
    this.commit({ revision, type: 'ADDED', key: Object.freeze({ ...key }), id, object: stored }, table);
    return copyObject(stored);
  }

  /**
   * Replaces a stored object. 404 when missing; 409 Conflict when `expectedResourceVersion` is set
   * and stale. An update that changes nothing is not written (no new revision, no event), as
   * etcd3's GuaranteedUpdate skips identical bytes.
   */
  update(key: StoreKey, obj: KubeObject, opts: StoreWriteOptions = {}): KubeObject {
    this.assertOpen();
    const table = this.tables.get(key.resource);
    const id = idOf(key);
    const prev = table?.objects.get(id);
    if (!table || !prev) throw errors.notFound(refOf(key.resource), key.name);
    this.checkPrecondition(key, prev, opts);
    const stored = storedCopy(obj);
    stored.metadata.resourceVersion = prev.metadata.resourceVersion;
    if (jsonEqual(stored, prev)) return copyObject(prev);
    const revision = this.currentRevision + 1;
    stored.metadata.resourceVersion = String(revision);
    this.commit(
      { revision, type: 'MODIFIED', key: Object.freeze({ ...key }), id, object: stored, prev },
      table,
    );
    return copyObject(stored);
  }

  /** Removes an object; the returned (deleted) object carries the delete's new resourceVersion. */
  delete(key: StoreKey, opts: StoreWriteOptions = {}): KubeObject {
    this.assertOpen();
    const table = this.tables.get(key.resource);
    const id = idOf(key);
    const prev = table?.objects.get(id);
    if (!table || !prev) throw errors.notFound(refOf(key.resource), key.name);
    this.checkPrecondition(key, prev, opts);
    const revision = this.currentRevision + 1;
    const object: KubeObject = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(revision) } };
    this.commit({ revision, type: 'DELETED', key: Object.freeze({ ...key }), id, object, prev }, table);
    return copyObject(object);
  }

  /**
   * Lists one resource, sorted by key like etcd. Supports `limit`/`continue` pagination over a
   * consistent snapshot (the revision of the first page), and the resourceVersion semantics of
   * https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions.
   */
  list(resource: string, opts: StoreListOptions = {}): StoreListResult {
    const namespace = opts.namespace ?? '';
    const prefix = namespace ? `${namespace}/` : '';
    const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : 0;
    let revision = this.currentRevision;
    let start = prefix;
    if (opts.continue) {
      // as etcd3 store.GetList refuses
      if (opts.resourceVersion && opts.resourceVersion !== '0') {
        throw errors.badRequest('specifying resource version is not allowed when using continue');
      }
      const position = decodeContinue(opts.continue);
      start = prefix + position.start;
      if (position.revision > 0) {
        if (position.revision < this.history.compactedRevision) {
          const err = errors.gone(inconsistentContinueMessage);
          // A token to continue at the latest revision, as handleCompactedErrorForPaging offers.
          err.status.metadata.continue = encodeContinue({ revision: -1, start: position.start });
          throw err;
        }
        if (position.revision > this.currentRevision)
          throw tooLargeResourceVersion(position.revision, this.currentRevision);
        revision = position.revision;
      }
    } else if (opts.resourceVersion) {
      const requested = parseResourceVersion(opts.resourceVersion);
      if (opts.resourceVersionMatch === 'Exact') {
        if (requested > this.currentRevision) throw tooLargeResourceVersion(requested, this.currentRevision);
        if (requested < this.history.compactedRevision) throw errors.gone(expiredListMessage);
        revision = requested;
      } else if (requested > this.currentRevision) {
        // NotOlderThan a revision not reached yet: writes are synchronous, so waiting cannot help.
        throw tooLargeResourceVersion(requested, this.currentRevision);
      }
    }
    const table = this.tables.get(resource);
    if (!table) return { items: [], resourceVersion: String(revision) };
    return this.listTable(resource, table, revision, prefix, start, limit, opts.filter);
  }

  private listTable(
    resource: string,
    table: ResourceTable,
    revision: number,
    prefix: string,
    start: string,
    limit: number,
    filter: ((o: KubeObject) => boolean) | undefined,
  ): StoreListResult {
    const sorted = (table.sorted ??= [...table.objects.keys()].sort());
    // The end of the namespace's key range: '0' is the character after '/'.
    const rangeEnd = prefix ? lowerBound(sorted, `${prefix.slice(0, -1)}0`) : sorted.length;
    const overrides = table.lastChange > revision ? this.stateOverrides(resource, revision) : undefined;
    const inRange = (id: string) => id >= start && (!prefix || id.startsWith(prefix));
    const extra = overrides
      ? [...overrides]
          .filter(([id, o]) => o !== null && !table.objects.has(id) && inRange(id))
          .map(([id]) => id)
          .sort()
      : [];
    const items: KubeObject[] = [];
    let lastId: string | undefined;
    let hasMore = false;
    let i = lowerBound(sorted, start);
    let j = 0;
    while (i < rangeEnd || j < extra.length) {
      let id: string;
      if (j >= extra.length || (i < rangeEnd && sorted[i]! < extra[j]!)) id = sorted[i++]!;
      else id = extra[j++]!;
      const object = overrides?.has(id) ? overrides.get(id) : table.objects.get(id);
      if (!object) continue;
      if (limit && items.length === limit) {
        hasMore = true;
        break;
      }
      if (filter && !filter(object)) continue;
      items.push(copyObject(object));
      lastId = id;
    }
    const result: StoreListResult = { items, resourceVersion: String(revision) };
    if (hasMore && lastId !== undefined) {
      result.continue = encodeContinue({ revision, start: `${lastId.slice(prefix.length)}\u0000` });
      if (!filter) {
        let remaining = rangeEnd - upperBound(sorted, lastId);
        for (const [id, o] of overrides ?? []) {
          if (id <= lastId || !inRange(id)) continue;
          const current = table.objects.has(id);
          if (current && o === null) remaining--;
          else if (!current && o !== null) remaining++;
        }
        result.remainingItemCount = remaining;
      }
    }
    return result;
  }

  /** For each key of `resource` changed after `revision`: its state at `revision` (null: absent). */
  private stateOverrides(resource: string, revision: number): Map<string, KubeObject | null> {
    const overrides = new Map<string, KubeObject | null>();
    for (const change of this.history.since(revision)) {
      if (change.key.resource === resource && !overrides.has(change.id))
        overrides.set(change.id, change.prev ?? null);
    }
    return overrides;
  }

  /**
   * Watches one resource. resourceVersion unset or "0": synthetic ADDED events for the current
   * state first; "N": every change after N from the history, then live ones. Throws ApiError 410
   * Expired when N is older than the history (the HTTP layer sends it as an ERROR event).
   * Bookmarks come every `bookmarkIntervalMs`; the HTTP layer drops them unless asked for.
   */
  watch(resource: string, opts: StoreWatchOptions): AsyncIterableIterator<StoreWatchEvent> {
    const namespace = opts.namespace ?? '';
    const rv = opts.resourceVersion;
    const fromNow = rv === undefined || rv === '' || rv === '0';
    const sendInitial = opts.sendInitial ?? fromNow;
    let backlog: Change[] = [];
    let startRevision = this.currentRevision;
    if (sendInitial) {
      if (!fromNow) {
        const requested = parseResourceVersion(rv);
        if (requested > this.currentRevision) throw tooLargeResourceVersion(requested, this.currentRevision);
      }
      backlog = this.initialEvents(resource, namespace);
    } else if (!fromNow) {
      const requested = parseResourceVersion(rv);
      // as watchCache.getAllEventsSinceLocked words it: "too old resource version: N (oldest-1)"
      if (requested < this.history.compactedRevision) {
        throw errors.gone(`too old resource version: ${requested} (${this.history.compactedRevision})`);
      }
      startRevision = Math.max(requested, this.currentRevision);
      for (const change of this.history.since(requested)) {
        if (change.key.resource === resource && (!namespace || change.key.namespace === namespace))
          backlog.push(change);
      }
    }
    const watcher = new StoreWatcher({
      resource,
      namespace,
      filter: opts.filter,
      shared: opts.shared === true,
      bufferSize: this.watchBufferSize,
      minBookmarkRevision: startRevision,
      onEnd: (w) => this.removeWatcher(w),
    });
    watcher.enqueueBacklog(backlog, opts.sendInitial === true ? this.currentRevision : undefined);
    if (opts.signal.aborted || this.closed) {
      watcher.end();
      return watcher;
    }
    let set = this.watchers.get(resource);
    if (!set) this.watchers.set(resource, (set = new Set()));
    set.add(watcher);
    this.watcherCount++;
    watchOnAbort(opts.signal, watcher);
    this.ensureBookmarkTimer();
    return watcher;
  }

  private initialEvents(resource: string, namespace: string): Change[] {
    const table = this.tables.get(resource);
    if (!table) return [];
    const sorted = (table.sorted ??= [...table.objects.keys()].sort());
    const prefix = namespace ? `${namespace}/` : '';
    const from = prefix ? lowerBound(sorted, prefix) : 0;
    const to = prefix ? lowerBound(sorted, `${namespace}0`) : sorted.length;
    const events: Change[] = [];
    for (let i = from; i < to; i++) {
      const id = sorted[i]!;
      const object = table.objects.get(id)!;
      events.push({
        revision: Number(object.metadata.resourceVersion),
        type: 'ADDED',
        key: keyOf(resource, id),
        id,
        object,
      });
    }
    return events;
  }

  private removeWatcher(watcher: StoreWatcher): void {
    const set = this.watchers.get(watcher.resource);
    if (set?.delete(watcher)) {
      this.watcherCount--;
      if (set.size === 0) this.watchers.delete(watcher.resource);
    }
    forgetOnAbort(watcher);
    if (this.watcherCount === 0 && this.bookmarkTimer) {
      clearInterval(this.bookmarkTimer);
      this.bookmarkTimer = undefined;
    }
  }

  private ensureBookmarkTimer(): void {
    if (this.bookmarkTimer || this.bookmarkIntervalMs <= 0 || !Number.isFinite(this.bookmarkIntervalMs))
      return;
    this.bookmarkTimer = setInterval(() => this.sendBookmarks(), this.bookmarkIntervalMs);
    this.bookmarkTimer.unref();
  }

  /** Queues a BOOKMARK at the current revision on every watch (the watch cache does so about once a minute). */
  sendBookmarks(): void {
    for (const set of this.watchers.values()) for (const w of set) w.pushBookmark(this.currentRevision);
  }

  /**
   * Calls `listener` synchronously after every committed change, of every resource. Returns the
   * unsubscribe. The event's objects are copied on first access; with `shared: true` they are the
   * stored objects themselves, deeply frozen (no copy at all; never mutate them).
   */
  subscribe(listener: (e: StoreEvent) => void, opts: { shared?: boolean } = {}): () => void {
    this.listeners.set(listener, opts.shared === true);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Ends every watch and flushes persistence. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const set of [...this.watchers.values()]) for (const w of [...set]) w.end();
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    this.bookmarkTimer = undefined;
    await this.files?.close();
  }

  private assertOpen(): void {
    if (this.closed) throw errors.internal(new Error('the object store is closed'));
    const failure = this.files?.failure;
    if (failure) throw errors.internal(failure);
  }

  private checkPrecondition(key: StoreKey, prev: KubeObject, opts: StoreWriteOptions): void {
    const expected = opts.expectedResourceVersion;
    if (expected !== undefined && expected !== '' && expected !== prev.metadata.resourceVersion) {
      throw errors.conflict(refOf(key.resource), key.name, conflictMessage);
    }
  }

  private table(resource: string): ResourceTable {
    let table = this.tables.get(resource);
    if (!table) this.tables.set(resource, (table = { objects: new Map(), sorted: undefined, lastChange: 0 }));
    return table;
  }

  /** Applies a change to the tables and the history (shared by live writes and replay). */
  private apply(change: Change, table: ResourceTable): void {
    this.currentRevision = change.revision;
    this.history.push(change);
    table.lastChange = change.revision;
    if (change.type === 'DELETED') {
      table.objects.delete(change.id);
      if (table.sorted) removeSorted(table.sorted, change.id);
    } else {
      if (change.type === 'ADDED' && table.sorted) insertSorted(table.sorted, change.id);
      table.objects.set(change.id, change.object);
    }
  }

  private commit(change: Change, table: ResourceTable): void {
    this.apply(change, table);
    this.files?.append(change);
    const set = this.watchers.get(change.key.resource);
    if (set) {
      for (const w of set) if (!w.namespace || w.namespace === change.key.namespace) w.push(change);
    }
    for (const [listener, shared] of this.listeners) {
      try {
        listener(
          deliveredEvent(change.type, change.key, change.revision, change.object, change.prev, shared),
        );
      } catch (err) {
        // The write is committed; a failing listener must not turn it into an error for the writer.
        process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'ObjectStoreListenerError');
      }
    }
  }

  /** Replays one persisted record while loading. */
  private replay(record: LoadedRecord): void {
    if (record.kind === 'start') {
      this.currentRevision = record.revision;
      this.history = new ChangeHistory(this.options.historySize, record.revision);
      return;
    }
    if (record.kind === 'base') {
      const table = this.table(record.key.resource);
      table.objects.set(idOf(record.key), record.object);
      table.lastChange = this.currentRevision;
      return;
    }
    if (record.revision <= this.currentRevision) return;
    if (record.revision !== this.currentRevision + 1) {
      // A gap (a lost record): the history before it cannot be served consistently any more.
      this.history = new ChangeHistory(this.options.historySize, record.revision - 1);
    }
    const key = Object.freeze({ ...record.key });
    const table = this.table(key.resource);
    const id = idOf(key);
    const prev = table.objects.get(id);
    if (record.type === 'DELETED') {
      if (!prev) return void (this.currentRevision = record.revision);
      const object: KubeObject = {
        ...prev,
        metadata: { ...prev.metadata, resourceVersion: String(record.revision) },
      };
      this.apply({ revision: record.revision, type: 'DELETED', key, id, object, prev }, table);
      return;
    }
    const object = record.object!;
    if (typeof object.metadata !== 'object' || object.metadata === null) object.metadata = {};
    object.metadata.resourceVersion = String(record.revision);
    const type = prev ? 'MODIFIED' : 'ADDED';
    this.apply(
      prev
        ? { revision: record.revision, type, key, id, object, prev }
        : { revision: record.revision, type, key, id, object },
      table,
    );
  }

  /** Everything a snapshot needs, captured synchronously (references to immutable objects). */
  private captureSnapshot(): SnapshotContent {
    const compacted = this.history.compactedRevision;
    const base: [StoreKey, KubeObject][] = [];
    for (const [resource, table] of this.tables) {
      const overrides = table.lastChange > compacted ? this.stateOverrides(resource, compacted) : undefined;
      for (const [id, object] of table.objects) {
        const atBase = overrides?.has(id) ? overrides.get(id) : object;
        if (atBase) base.push([keyOf(resource, id), atBase]);
      }
      for (const [id, object] of overrides ?? []) {
        if (object && !table.objects.has(id)) base.push([keyOf(resource, id), object]);
      }
    }
    return { compacted, revision: this.currentRevision, base, changes: [...this.history.all()] };
  }
}

/**
 * One abort listener per signal, not per watch: many watches often share a signal (a client's
 * informers), and EventTarget warns beyond 10 listeners.
 */
const watchersBySignal = new WeakMap<AbortSignal, Set<StoreWatcher>>();
const signalOfWatcher = new WeakMap<StoreWatcher, AbortSignal>();

function watchOnAbort(signal: AbortSignal, watcher: StoreWatcher): void {
  let set = watchersBySignal.get(signal);
  if (!set) {
    const watchers = (set = new Set());
    watchersBySignal.set(signal, watchers);
    signal.addEventListener(
      'abort',
      () => {
        watchersBySignal.delete(signal);
        for (const w of [...watchers]) w.end();
      },
      { once: true },
    );
  }
  set.add(watcher);
  signalOfWatcher.set(watcher, signal);
}

function forgetOnAbort(watcher: StoreWatcher): void {
  const signal = signalOfWatcher.get(watcher);
  if (signal) watchersBySignal.get(signal)?.delete(watcher);
  signalOfWatcher.delete(watcher);
}
