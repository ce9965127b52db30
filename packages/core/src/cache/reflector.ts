/**
 * The reflector keeps a store in step with the server: list (in pages) then watch from the list's
 * resourceVersion, forever. Its failure handling follows client-go tools/cache/reflector.go and
 * kube-rs kube-runtime watcher.rs:
 * - lists are consistent reads (resourceVersion unset), in pages of `pageSize`;
 * - watches ask for bookmarks and a server timeout drawn from [min, 2·min] so that many
 *   reflectors do not reconnect in lockstep;
 * - 410 Gone/Expired (on opening or as an ERROR event) relists at once and replaces the store;
 * - other failures back off 800 ms → 30 s with jitter, reset after 2 min without failures;
 * - a watchdog restarts a watch that has been silent (no event, no bookmark) for too long,
 *   since a half-open TCP connection otherwise stalls the cache forever.
 */
import {
  ApiStatusError,
  errorFromStatus,
  isGone,
  type KubeObject,
  type ObjectList,
  type WatchEvent,
} from '../client/index.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { realClock, sleep, type Clock } from './clock.js';

/** Lists and watches one collection; the reflector's only view of the server. */
export interface ListerWatcher<T extends KubeObject = KubeObject> {
  /** One page of the collection. */
  list(
    opts: { limit: number; continue?: string; resourceVersion?: string },
    signal: AbortSignal,
  ): Promise<ObjectList<T>>;
  /**
   * Optional: every page of the collection, `limit` at a time, in order; the reflector prefers it
   * to `list` so that an implementation can pipeline page requests. Must throw as `list` does.
   */
  listPages?(opts: { limit: number }, signal: AbortSignal): AsyncIterable<ObjectList<T>>;
  /**
   * A watch from `resourceVersion`. Ends when the server closes the stream; ends quietly (or
   * throws) when `signal` aborts; throws when the watch cannot be opened.
   */
  watch(
    opts: { resourceVersion: string; allowWatchBookmarks: boolean; timeoutSeconds: number },
    signal: AbortSignal,
  ): AsyncIterable<WatchEvent<T>>;
}

/** Where a reflector writes what it learns. */
export interface ReflectorStore<T extends KubeObject = KubeObject> {
  /** The complete state at `resourceVersion` (after a list). */
  replace(items: T[], resourceVersion: string): void;
  added(obj: T, resourceVersion: string): void;
  modified(obj: T, resourceVersion: string): void;
  deleted(obj: T, resourceVersion: string): void;
  /** Nothing changed up to `resourceVersion`. */
  bookmark(resourceVersion: string): void;
}

/** Options of {@link Reflector}. */
export interface ReflectorOptions {
  /** Page size of lists. Default 500. */
  pageSize?: number;
  /** Lower bound of the watch timeout; the timeout is drawn from [min, 2·min]. Default 300 s. */
  minWatchTimeoutSeconds?: number;
  /**
   * Restart a watch that delivered nothing (not even a bookmark) for this long. kube-apiserver
   * sends bookmarks about once a minute, so the default is 90 s. 0 disables the watchdog.
   */
  watchSilenceTimeoutMs?: number;
  /** Backoff on errors. Default 800 ms → 30 s, ×2, jitter 1.0, reset after 2 min. */
  backoff?: BackoffOptions;
  /** Time source. */
  clock?: Clock;
  /** Random source in [0, 1) (watch timeouts). */
  random?: () => number;
  /** Told of every failure the reflector recovers from (for logs and metrics). */
  onError?: (err: unknown) => void;
  /** A name for messages. */
  name?: string;
}

/** The watch was silent for longer than the watchdog allows. */
export class WatchSilenceError extends Error {
  constructor(ms: number) {
    super(`watch delivered no event or bookmark for ${ms} ms; restarting it`);
    this.name = 'WatchSilenceError';
  }
}

/** A watch closed at once without delivering anything (treated as a failure, so it backs off). */
export class WatchClosedEarlyError extends Error {
  constructor() {
    super('watch closed immediately without events');
    this.name = 'WatchClosedEarlyError';
  }
}

type WatchOutcome = 'relist' | 'rewatch' | 'stopped';

/** Keeps a {@link ReflectorStore} in step with a collection on the server. */
export class Reflector<T extends KubeObject = KubeObject> {
  private readonly pageSize: number;
  private readonly minWatchTimeoutSeconds: number;
  private readonly silenceMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: Backoff;
  private rv = '';
  /** Number of complete lists so far (tests and metrics). */
  listCount = 0;
  /** Number of watches opened so far. */
  watchCount = 0;

  constructor(
    private readonly lw: ListerWatcher<T>,
    private readonly store: ReflectorStore<T>,
    private readonly opts: ReflectorOptions = {},
  ) {
    this.pageSize = opts.pageSize ?? 500;
    this.minWatchTimeoutSeconds = opts.minWatchTimeoutSeconds ?? 300;
    this.silenceMs = opts.watchSilenceTimeoutMs ?? 90_000;
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.backoff = new Backoff(this.clock, { random: this.random, ...opts.backoff });
  }

  /** The resourceVersion the store is at ('' before the first list). */
  get lastSyncResourceVersion(): string {
    return this.rv;
  }

  /** Lists and watches until `signal` aborts; never rejects for server failures (it retries them). */
  async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.listAll(signal);
          needList = false;
        }
        const outcome = await this.watchOnce(signal);
        if (outcome === 'relist') needList = true;
      } catch (err) {
        if (signal.aborted) break;
        this.opts.onError?.(err);
        // a Gone watch relists at once; anything else (including a Gone continue token) backs off
        if (isGone(err) && !needList) {
          needList = true;
          continue;
        }
        try {
          await sleep(this.clock, this.backoff.next(), signal);
        } catch {
          break;
        }
      }
    }
  }

  private async listAll(signal: AbortSignal): Promise<void> {
    let items: T[] | undefined;
    let rv = '';
    const pages = this.lw.listPages
      ? this.lw.listPages({ limit: this.pageSize }, signal)
      : this.pagesOf(signal);
    for await (const page of pages) {
      signal.throwIfAborted();
      if (items === undefined) {
        // the first page's resourceVersion is the snapshot every continued page belongs to
        rv = page.metadata?.resourceVersion ?? '';
        items = page.items ?? [];
      } else {
        for (const item of page.items ?? []) items.push(item);
      }
    }
    signal.throwIfAborted();
    this.rv = rv;
    this.listCount++;
    this.store.replace(items ?? [], rv);
  }

  /** The pages of a collection through {@link ListerWatcher.list}, one request at a time. */
  private async *pagesOf(signal: AbortSignal): AsyncGenerator<ObjectList<T>> {
    let cont: string | undefined;
    do {
      const page = await this.lw.list({ limit: this.pageSize, continue: cont }, signal);
      cont = page.metadata?.continue || undefined;
      yield page;
    } while (cont);
  }

  private async watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    // `run` may be stopped between the list and this call (stop() right after waitForSync() does
    // exactly that): an 'abort' listener added to an already-aborted signal never fires, so the
    // watch would be opened on a signal nothing aborts, and `run` (so stop()) would hang for as
    // long as the server keeps the watch open.
    if (signal.aborted) return 'stopped';
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let silent = false;
    let timer: unknown;
    // The watchdog timer is not re-armed per event (clearing and creating a Node timer costs more
    // than decoding a small event); each event only records the time, and the timer, when it
    // fires, sleeps again for whatever is left of the silence allowance.
    let lastActivity = this.clock.now();
    const check = (): void => {
      timer = undefined;
      const quietMs = this.clock.now() - lastActivity;
      if (quietMs >= this.silenceMs) {
        silent = true;
        ctrl.abort(new WatchSilenceError(this.silenceMs));
      } else {
        timer = this.clock.setTimeout(check, this.silenceMs - quietMs);
      }
    };
    if (this.silenceMs > 0) timer = this.clock.setTimeout(check, this.silenceMs);
    const timeoutSeconds = Math.floor(this.minWatchTimeoutSeconds * (1 + this.random()));
    const started = this.clock.now();
    let events = 0;
    this.watchCount++;
    try {
      const stream = this.lw.watch(
        { resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds },
        ctrl.signal,
      );
      for await (const event of stream) {
        if (ctrl.signal.aborted) break;
        events++;
        lastActivity = this.clock.now();
        if (event.type === 'ERROR') {
          const err = errorFromStatus(event.object);
          if (isGone(err)) {
            this.opts.onError?.(err);
            return 'relist';
          }
          throw err;
        }
        const rv = event.object?.metadata?.resourceVersion ?? '';
        switch (event.type) {
          case 'ADDED':
            this.store.added(event.object, rv);
            break;
          case 'MODIFIED':
            this.store.modified(event.object, rv);
            break;
          case 'DELETED':
            this.store.deleted(event.object, rv);
            break;
          case 'BOOKMARK':
            this.store.bookmark(rv);
            break;
          default:
            throw new ApiStatusError({
              kind: 'Status',
              apiVersion: 'v1',
              message: `unexpected watch event type ${String((event as { type: unknown }).type)}`,
              code: 500,
            });
        }
        if (rv) this.rv = rv;
      }
    } catch (err) {
      if (signal.aborted) return 'stopped';
      if (!silent) throw err;
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      ctrl.abort();
    }
    if (signal.aborted) return 'stopped';
    if (silent) throw new WatchSilenceError(this.silenceMs);
    // a stream the server ends at once, over and over, would spin: count it as a failure
    if (events === 0 && this.clock.now() - started < 1000) throw new WatchClosedEarlyError();
    return 'rewatch';
  }
}
