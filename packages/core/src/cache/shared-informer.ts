/**
 * A shared informer: one reflector filling one {@link Indexer}, and any number of event handlers
 * told of every change, as client-go tools/cache/shared_informer.go. Node runs one thing at a
 * time, so the DeltaFIFO between reflector and indexer is unnecessary: each change updates the
 * indexer and is then handed to the handlers, in order, synchronously. Handlers should be quick
 * (typically: enqueue a key).
 */
import { compareResourceVersions, type KubeObject } from '../client/index.js';
import { realClock, type Clock } from './clock.js';
import { Reflector, type ListerWatcher, type ReflectorOptions, type ReflectorStore } from './reflector.js';
import { DeletedFinalStateUnknown, Indexer, objectKey, type DeletedObject, type IndexFunc } from './store.js';

/** Callbacks for changes; each is optional. A returned promise's rejection is reported, not awaited. */
export interface EventHandler<T extends KubeObject = KubeObject> {
  /** An object appeared. `isInInitialList` is true for the initial list and for a late handler's catch-up. */
  onAdd?(obj: T, isInInitialList: boolean): void | Promise<void>;
  /** An object changed (or a resync: then `oldObj === newObj`). */
  onUpdate?(oldObj: T, newObj: T): void | Promise<void>;
  /** An object was deleted; a {@link DeletedFinalStateUnknown} when only a relist noticed. */
  onDelete?(obj: DeletedObject<T>): void | Promise<void>;
}

/** A handler's registration. */
export interface HandlerRegistration {
  /** Stops delivering to this handler. */
  remove(): void;
  /** True once the informer has synced and this handler has been told of the initial state. */
  hasSynced(): boolean;
}

/** Options of {@link SharedInformer}. */
export interface SharedInformerOptions<T extends KubeObject = KubeObject> {
  /** Default resync period of handlers (0: never). */
  resyncPeriodMs?: number;
  /** Custom indexes besides `namespace`. */
  indexers?: Record<string, IndexFunc<T>>;
  /** Options of the reflector (clock, backoff, watchdog, ...). */
  reflector?: ReflectorOptions;
  /** Time source (also given to the reflector unless it has its own). */
  clock?: Clock;
  /** Told of handler exceptions and of failures the reflector recovers from. Default: process warnings for handler exceptions only. */
  onError?: (err: unknown, context: 'handler' | 'reflector') => void;
}

/** Options of {@link SharedInformer.waitUntil}. */
export interface WaitOptions {
  /** Give up after this long (resolve false). Unset: wait until the signal aborts or the informer stops. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Listener<T extends KubeObject> {
  handler: EventHandler<T>;
  synced: boolean;
  resyncPeriodMs: number;
  resyncTimer?: unknown;
}

interface Waiter {
  cond: () => boolean;
  resolve: (ok: boolean) => void;
}

/** One cache of one collection, shared by every handler interested in it. */
export class SharedInformer<T extends KubeObject = KubeObject> {
  /** The cache; read it, never write it. */
  readonly indexer: Indexer<T>;
  private readonly reflector: Reflector<T>;
  private readonly clock: Clock;
  private readonly listeners = new Set<Listener<T>>();
  private waiters = new Set<Waiter>();
  private synced = false;
  private rv = '';
  private runController: AbortController | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    lw: ListerWatcher<T>,
    private readonly opts: SharedInformerOptions<T> = {},
  ) {
    this.indexer = new Indexer<T>(opts.indexers);
    this.clock = opts.clock ?? opts.reflector?.clock ?? realClock;
    const store: ReflectorStore<T> = {
      replace: (items, rv) => this.onReplace(items, rv),
      added: (obj, rv) => this.onUpsert(obj, rv),
      modified: (obj, rv) => this.onUpsert(obj, rv),
      deleted: (obj, rv) => this.onDeleted(obj, rv),
      bookmark: (rv) => this.progress(rv),
    };
    this.reflector = new Reflector(lw, store, {
      clock: this.clock,
      ...opts.reflector,
      onError: (err) => {
        opts.reflector?.onError?.(err);
        opts.onError?.(err, 'reflector');
      },
    });
  }

  /** Whether the initial list has been stored. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Whether {@link start} (or {@link run}) was called and {@link stop} was not. */
  get isRunning(): boolean {
    return this.running !== undefined && !this.stopped;
  }

  /** The newest resourceVersion the cache has seen (list, event or bookmark). */
  get lastSyncResourceVersion(): string {
    return this.rv;
  }

  /** The reflector feeding this informer (for its counters). */
  get reflectorStats(): { listCount: number; watchCount: number } {
    return { listCount: this.reflector.listCount, watchCount: this.reflector.watchCount };
  }

  /**
   * Adds a handler, at any time: a handler added to a running informer is first told of every
   * cached object as an add (as client-go does for late handlers).
   */
  addEventHandler(handler: EventHandler<T>, opts: { resyncPeriodMs?: number } = {}): HandlerRegistration {
    const listener: Listener<T> = {
      handler,
      synced: false,
      resyncPeriodMs: opts.resyncPeriodMs ?? this.opts.resyncPeriodMs ?? 0,
    };
    this.listeners.add(listener);
    if (this.indexer.size > 0 || this.synced) {
      for (const obj of this.indexer.list()) this.call(listener, 'onAdd', obj, true);
    }
    listener.synced = this.synced;
    if (this.running && !this.stopped) this.scheduleResync(listener);
    return {
      remove: () => {
        this.listeners.delete(listener);
        if (listener.resyncTimer !== undefined) this.clock.clearTimeout(listener.resyncTimer);
      },
      hasSynced: () => listener.synced,
    };
  }

  /** Starts the informer in the background (no-op when running). */
  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.synced = false;
    this.runController = new AbortController();
    this.running = this.reflector.run(this.runController.signal);
    for (const l of this.listeners) this.scheduleResync(l);
  }

  /** Runs until `signal` aborts (then stops). */
  async run(signal: AbortSignal): Promise<void> {
    this.start();
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await this.stop();
  }

  /** Stops the informer: its watch is closed; waiters resolve false. The cache keeps its content. */
  async stop(): Promise<void> {
    if (!this.running || this.stopped) return;
    this.stopped = true;
    this.runController?.abort();
    for (const l of this.listeners) {
      if (l.resyncTimer !== undefined) this.clock.clearTimeout(l.resyncTimer);
      l.resyncTimer = undefined;
    }
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const w of waiters) w.resolve(false);
    await this.running;
    this.running = undefined;
  }

  /** Resolves true once synced; false if the signal aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    return this.waitUntil(() => this.synced, { signal });
  }

  /**
   * Resolves true when `cond()` holds (checked now and after every change the informer applies),
   * false on timeout, abort, or stop.
   */
  waitUntil(cond: () => boolean, opts: WaitOptions = {}): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    if (this.stopped || opts.signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: unknown;
      const finish = (ok: boolean) => {
        this.waiters.delete(waiter);
        if (timer !== undefined) this.clock.clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const waiter: Waiter = { cond, resolve: finish };
      const onAbort = () => finish(false);
      this.waiters.add(waiter);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs !== undefined) timer = this.clock.setTimeout(() => finish(false), opts.timeoutMs);
    });
  }

  /** True when the cache has seen resourceVersion `rv` or later (undefined when versions are not comparable). */
  hasSeenResourceVersion(rv: string): boolean | undefined {
    if (!this.rv) return false;
    const cmp = compareResourceVersions(this.rv, rv);
    return cmp === undefined ? undefined : cmp >= 0;
  }

  private onReplace(items: T[], rv: string): void {
    const previous = this.indexer.replace(items);
    const initial = !this.synced;
    for (const obj of items) {
      // the first list has nothing to diff against: skip computing keys
      const old = previous.size > 0 ? previous.get(objectKey(obj)) : undefined;
      if (old === undefined) this.dispatchAdd(obj, initial);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.dispatchUpdate(old, obj);
    }
    if (previous.size > 0) {
      // objects the relist no longer returns were deleted while the watch was down
      const present = new Set<string>();
      for (const obj of items) present.add(objectKey(obj));
      for (const [key, old] of previous) {
        if (!present.has(key)) this.dispatchDelete(new DeletedFinalStateUnknown(key, old));
      }
    }
    if (!this.synced) {
      this.synced = true;
      for (const l of this.listeners) l.synced = true;
    }
    this.progress(rv);
  }

  private onUpsert(obj: T, rv: string): void {
    const old = this.indexer.upsert(obj);
    if (old === undefined) this.dispatchAdd(obj, false);
    else this.dispatchUpdate(old, obj);
    this.progress(rv);
  }

  private onDeleted(obj: T, rv: string): void {
    // a delete of something the cache never had (already removed by a relist) is not news
    if (this.indexer.delete(obj) !== undefined) this.dispatchDelete(obj);
    this.progress(rv);
  }

  private progress(rv: string): void {
    if (rv) this.rv = rv;
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) if (w.cond()) w.resolve(true);
  }

  private dispatchAdd(obj: T, initial: boolean): void {
    for (const l of this.listeners) this.call(l, 'onAdd', obj, initial);
  }

  private dispatchUpdate(old: T, obj: T): void {
    for (const l of this.listeners) this.call(l, 'onUpdate', old, obj);
  }

  private dispatchDelete(obj: DeletedObject<T>): void {
    for (const l of this.listeners) this.call(l, 'onDelete', obj);
  }

  private call<K extends keyof EventHandler<T>>(
    l: Listener<T>,
    method: K,
    ...args: Parameters<NonNullable<EventHandler<T>[K]>>
  ): void {
    const fn = l.handler[method] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (!fn) return;
    try {
      const result = fn.apply(l.handler, args);
      if (result && typeof (result as Promise<void>).catch === 'function') {
        (result as Promise<void>).catch((err: unknown) => this.reportHandlerError(err));
      }
    } catch (err) {
      this.reportHandlerError(err);
    }
  }

  private reportHandlerError(err: unknown): void {
    if (this.opts.onError) this.opts.onError(err, 'handler');
    else
      process.emitWarning(`informer event handler failed: ${err instanceof Error ? err.stack : String(err)}`);
  }

  private scheduleResync(l: Listener<T>): void {
    if (l.resyncPeriodMs <= 0 || l.resyncTimer !== undefined) return;
    l.resyncTimer = this.clock.setTimeout(() => {
      l.resyncTimer = undefined;
      if (this.stopped || !this.listeners.has(l)) return;
      if (this.synced) for (const obj of this.indexer.list()) this.call(l, 'onUpdate', obj, obj);
      this.scheduleResync(l);
    }, l.resyncPeriodMs);
  }
}
