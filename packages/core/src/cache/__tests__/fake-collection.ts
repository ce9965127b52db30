/**
 * A scriptable in-memory collection for reflector and informer tests: list pages, watches the test
 * can feed, cut, fail or leave silent, a compactable history for 410s.
 */
import type { KubeObject, ObjectList, Status, WatchEvent } from '../../client/index.js';
import { GoneError } from '../../client/index.js';
import type { ListerWatcher } from '../reflector.js';

export function cm(name: string, namespace = 'default', extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, ...extra };
}

/** An async iterable fed by the test. */
export class Channel<T> implements AsyncIterable<T> {
  private queue: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failWith: ((err: unknown) => void) | undefined;
  private closed = false;
  private error: unknown;

  constructor(signal: AbortSignal) {
    // a watch opened on an already-aborted signal ends at once, as the HTTP transport's does
    if (signal.aborted) this.closed = true;
    else signal.addEventListener('abort', () => this.close(), { once: true });
  }
  push(v: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      this.failWith = undefined;
      w({ value: v, done: false });
    } else this.queue.push(v);
  }
  close(): void {
    this.closed = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }
  fail(err: unknown): void {
    this.error = err;
    this.closed = true;
    if (this.failWith) {
      const f = this.failWith;
      this.waiting = undefined;
      this.failWith = undefined;
      f(err);
    }
  }
  get isClosed(): boolean {
    return this.closed;
  }
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
        if (this.error !== undefined) return Promise.reject(this.error);
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = resolve;
          this.failWith = reject;
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

function gone(): GoneError {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason: 'Expired',
    code: 410,
    message: 'too old resource version',
  };
  return new GoneError(status);
}

/** The collection: objects, a revision counter, a history of events since `compactedAt`. */
export class FakeCollection implements ListerWatcher {
  rev = 100;
  objects = new Map<string, KubeObject>();
  history: { rev: number; event: WatchEvent }[] = [];
  compactedAt = 0;
  watches: Channel<WatchEvent>[] = [];
  listCalls: { limit: number; continue?: string; resourceVersion?: string }[] = [];
  watchCalls: { resourceVersion: string; timeoutSeconds: number }[] = [];
  /** Errors the next list / watch calls throw (consumed in order). */
  listErrors: unknown[] = [];
  watchErrors: unknown[] = [];

  private key(o: KubeObject): string {
    return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  }
  private emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    const event = { type, object: obj } as WatchEvent;
    this.history.push({ rev: this.rev, event });
    for (const w of this.watches) w.push(event);
  }
  upsert(o: KubeObject): KubeObject {
    const obj = { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rev) } };
    const existed = this.objects.has(this.key(obj));
    this.objects.set(this.key(obj), obj);
    this.emit(existed ? 'MODIFIED' : 'ADDED', obj);
    return obj;
  }
  /** Changes state without telling open watches (as if the watch were down). */
  upsertQuietly(o: KubeObject): KubeObject {
    const obj = { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rev) } };
    this.objects.set(this.key(obj), obj);
    return obj;
  }
  remove(name: string, namespace = 'default', quietly = false): void {
    const k = `${namespace}/${name}`;
    const old = this.objects.get(k);
    if (!old) throw new Error(`no ${k}`);
    this.objects.delete(k);
    const obj = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rev) } };
    if (!quietly) this.emit('DELETED', obj);
  }
  /** Forgets history up to now: watches from older versions get 410. */
  compact(): void {
    this.compactedAt = this.rev;
    this.history = [];
  }
  bookmark(): void {
    for (const w of this.watches)
      w.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.rev) } } });
  }
  get lastWatch(): Channel<WatchEvent> {
    return this.watches[this.watches.length - 1]!;
  }

  async list(opts: { limit: number; continue?: string; resourceVersion?: string }): Promise<ObjectList> {
    this.listCalls.push(opts);
    const err = this.listErrors.shift();
    if (err) throw err;
    const all = [...this.objects.values()].sort((a, b) => this.key(a).localeCompare(this.key(b)));
    const start = opts.continue ? Number(opts.continue.split(':')[1]) : 0;
    const snapshot = opts.continue ? opts.continue.split(':')[0]! : String(this.rev);
    const items = all.slice(start, start + opts.limit);
    const more = start + opts.limit < all.length;
    return {
      metadata: {
        resourceVersion: snapshot,
        ...(more ? { continue: `${snapshot}:${start + opts.limit}` } : {}),
      },
      items,
    };
  }

  watch(
    opts: { resourceVersion: string; allowWatchBookmarks: boolean; timeoutSeconds: number },
    signal: AbortSignal,
  ): AsyncIterable<WatchEvent> {
    this.watchCalls.push({ resourceVersion: opts.resourceVersion, timeoutSeconds: opts.timeoutSeconds });
    const err = this.watchErrors.shift();
    if (err) throw err;
    const from = Number(opts.resourceVersion);
    if (from < this.compactedAt) throw gone();
    const ch = new Channel<WatchEvent>(signal);
    for (const h of this.history) if (h.rev > from) ch.push(h.event);
    this.watches.push(ch);
    return ch;
  }
}

export { gone };
