/**
 * One simulated controller: store change notifications mapped to keys, a {@link WorkQueue}, one
 * worker calling `reconcile(key)`, rate-limited retries on errors and a periodic resync — the shape
 * of a kube-controller-manager controller (informer event handlers → queue → worker → syncHandler),
 * reading the store directly instead of an informer cache, so no "expectations" are needed.
 */
import { ApiError } from '../../api/index.js';
import type { ObjectStore, StoreEvent } from '../../storage/index.js';
import { silentLogger, type Logger } from '../../logging/index.js';
import { systemClock, type Clock } from './clock.js';
import { WorkQueue } from './work-queue.js';

/** What a reconcile asks for: nothing, or another run after a delay. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** The parts a controller provides. */
export interface ControllerDefinition {
  /** For logs. */
  name: string;
  /**
   * The keys a store change concerns. Called synchronously inside the store's write: it must only
   * read the (frozen) event, never write.
   */
  keysFor(event: StoreEvent): string[];
  /** Every key to look at on start and at each resync. */
  listKeys(): string[];
  /** Brings the world one step closer to what `key` asks for. Throwing retries it with backoff. */
  reconcile(key: string): Promise<ReconcileResult | void>;
}

/** Timings of a {@link ControllerLoop}; every field has a default. */
export interface ControllerLoopOptions {
  clock?: Clock;
  logger?: Logger;
  /** Re-queue every key this often (ms); 0 disables. Default 30 000. */
  resyncMs?: number;
  /** First retry delay after an error (ms), doubled per failure (ItemExponentialFailureRateLimiter). Default 5. */
  retryBaseMs?: number;
  /** Longest retry delay (ms). Default 10 000 (client-go: 1000 s, too long for a local cluster). */
  retryMaxMs?: number;
}

/** Runs one {@link ControllerDefinition}. */
export class ControllerLoop {
  readonly queue: WorkQueue;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly resyncMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly failures = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  private worker: Promise<void> | undefined;
  private resyncHandle: unknown;
  private stopped = false;

  constructor(
    private readonly definition: ControllerDefinition,
    private readonly store: ObjectStore,
    opts: ControllerLoopOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger();
    this.resyncMs = opts.resyncMs ?? 30_000;
    this.retryBaseMs = opts.retryBaseMs ?? 5;
    this.retryMaxMs = opts.retryMaxMs ?? 10_000;
    this.queue = new WorkQueue(this.clock);
  }

  /** Subscribes to changes, queues every existing key and starts the worker. */
  start(): void {
    this.unsubscribe = this.store.subscribe(
      (event) => {
        for (const key of this.definition.keysFor(event)) this.queue.add(key);
      },
      { shared: true },
    );
    this.resync();
    this.worker = this.work();
  }

  /** Queues `key` now (for callers outside the store's notifications). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Resolves once nothing is queued or running (delayed keys do not count). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  get isIdle(): boolean {
    return this.queue.isIdle;
  }

  /** Stops after the running reconcile, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.resyncHandle !== undefined) this.clock.clearTimeout(this.resyncHandle);
    this.queue.shutDown();
    await this.worker;
  }

  private resync(): void {
    if (this.stopped) return;
    for (const key of this.definition.listKeys()) this.queue.add(key);
    if (this.resyncMs > 0) this.resyncHandle = this.clock.setTimeout(() => this.resync(), this.resyncMs);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const result = await this.definition.reconcile(key);
        this.failures.delete(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (e) {
        const n = this.failures.get(key) ?? 0;
        this.failures.set(key, n + 1);
        // a write conflict or a missing object only means the world moved on: retry at once
        const benign = e instanceof ApiError && (e.code === 409 || e.code === 404);
        const delay = benign && n < 3 ? 0 : Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** n);
        if (!benign)
          this.logger.debug(`controller ${this.definition.name}: sync of ${key} failed`, {
            error: (e as Error).message,
          });
        if (!this.stopped) this.queue.addAfter(key, delay);
      } finally {
        this.queue.done(key);
      }
    }
  }
}

/** `namespace/name`, the key of a namespaced object. */
export function objectKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

/** Splits a key made by {@link objectKey}. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
