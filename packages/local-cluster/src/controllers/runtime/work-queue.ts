/**
 * A work queue with client-go's guarantees (k8s.io/client-go/util/workqueue queue.go and
 * delaying_queue.go): a key waiting in the queue is stored once (dirty set), a key being processed
 * is never handed out again until `done` (processing set; re-added keys wait until then), and
 * `addAfter` keeps only the earliest pending time of a key.
 */
import { systemClock, type Clock } from './clock.js';

/** A deduplicating FIFO of string keys with delayed adds. */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { at: number; handle: unknown }>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(private readonly clock: Clock = systemClock) {}

  /** Queues `key` unless it is already queued; a key being processed is queued again at `done`. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const getter = this.getters.shift();
    if (getter) {
      this.dirty.delete(key);
      this.processing.add(key);
      getter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Queues `key` after `ms`; an earlier pending time wins (delaying_queue.go). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const pending = this.waiting.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.clearTimeout(pending.handle);
    const handle = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, handle });
  }

  /** The next key (marked processing), or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Ends the processing of `key`; queues it again if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
    this.notifyIdle();
  }

  /** Keys queued, not counting delayed ones. */
  get length(): number {
    return this.queue.length;
  }

  /** True when nothing is queued or processing (delayed keys do not count). */
  get isIdle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0;
  }

  /** Resolves when {@link isIdle} holds. */
  idle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops queued and delayed keys; pending and future `get` calls return undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { handle } of this.waiting.values()) this.clock.clearTimeout(handle);
    this.waiting.clear();
    this.queue.length = 0;
    this.dirty.clear();
    for (const g of this.getters.splice(0)) g(undefined);
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (!this.isIdle && !this.shuttingDown) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
