import { randomUUID } from 'node:crypto';
import { SpanStatusCode, context as otelContext, trace, type Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import type { KubeObject } from '../client/index.js';
import { realClock, type Clock, type ClockTimer } from '../clock/index.js';
import type { EventHandler, ObjectEvent, RequestQueue } from '../handler/index.js';
import { reconcileLogger, silentLogger, type Logger } from '../log/index.js';
import { controllerMetrics, type ControllerMetrics } from '../metrics/index.js';
import type { Predicate } from '../predicate/index.js';
import {
  PrometheusQueueMetricsProvider,
  lowPriorityWhenUnchanged,
  newPriorityQueue,
  type PriorityQueue,
  type PrioritizedEvent,
  type RateLimiter,
} from '../queue/index.js';
import {
  isTerminalError,
  requestFromKey,
  requestKey,
  type ReconcileContext,
  type Reconciler,
  type Result,
} from '../reconcile/index.js';
import type { Source } from './source.js';

/** Options of a {@link Controller}; every field but `name` has a default. */
export interface ControllerOptions {
  /** Unique per manager; names the controller in logs, metrics and the queue. */
  name: string;
  /** Reconciles running at once (each for a different request). Default 1. */
  maxConcurrentReconciles?: number;
  /** Abort a reconcile's signal after this long (ms). Default 0: no timeout. */
  reconcileTimeoutMs?: number;
  /** On stop, wait this long (ms) for running reconciles before aborting their signals. Default 30 000. */
  gracefulShutdownTimeoutMs?: number;
  /** Give up starting if the sources have not synced within this long (ms). Default 120 000. */
  cacheSyncTimeoutMs?: number;
  /** Backoff for errors and `requeue`. Default: per-item exponential 5 ms → 1000 s (controller-runtime's priority queue default). */
  rateLimiter?: RateLimiter<string>;
  /** Time source for timeouts, backoff and metrics. Default: the real clock. */
  clock?: Clock;
  /** Parent logger; reconcile loggers are its children. Default: silent. */
  logger?: Logger;
  /** Registry for the controller and work-queue metrics. Default: none recorded. */
  metricsRegistry?: Registry;
  /** Tracer for the per-reconcile span. Default: the global tracer provider's `@opkit/core` tracer (no-op without an SDK). */
  tracer?: Tracer;
  /** Whether the controller runs only on the elected leader (read by the manager). Default true. */
  needLeaderElection?: boolean;
}

/** Thrown by {@link Controller.start} when sources do not sync in time. */
export class CacheSyncTimeoutError extends Error {
  constructor(controller: string, timeoutMs: number) {
    super(`controller ${controller}: timed out after ${timeoutMs} ms waiting for caches to sync`);
    this.name = 'CacheSyncTimeoutError';
  }
}

/** The reason a reconcile's signal aborts when its time is up. */
export class ReconcileTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`reconcile timed out after ${timeoutMs} ms`);
    this.name = 'ReconcileTimeoutError';
  }
}

/** The reason a reconcile's signal aborts when the controller stops before it finished. */
export class ControllerStoppedError extends Error {
  constructor(controller: string) {
    super(`controller ${controller} stopped`);
    this.name = 'ControllerStoppedError';
  }
}

interface Watch {
  readonly source: Source<KubeObject>;
  readonly handler: EventHandler<KubeObject>;
  readonly predicates: readonly Predicate<KubeObject>[];
}

type Outcome = 'success' | 'error' | 'requeue' | 'requeue_after';

// The JavaScript analogue of a Go runtime panic: errors from bugs, not from the world.
const PANIC_TYPES: readonly (new (...args: never[]) => Error)[] = [
  TypeError,
  ReferenceError,
  RangeError,
  SyntaxError,
  EvalError,
  URIError,
];

/**
 * A controller: sources → predicates → event handlers → a priority work queue → N workers
 * running the reconciler (controller-runtime pkg/internal/controller/controller.go).
 *
 * - one request is never reconciled twice at once (the queue guarantees it);
 * - an error retries with backoff, a {@link TerminalError} does not; `requeueAfter` forgets the
 *   backoff and retries after the delay; `requeue` retries with backoff; success forgets it;
 * - events from an informer's initial list (and resyncs) get low priority, so live changes go
 *   first after a restart;
 * - nothing a reconciler or handler throws stops a worker or the process;
 * - stopping stops taking work and waits for running reconciles up to `gracefulShutdownTimeoutMs`.
 */
export class Controller<T extends KubeObject = KubeObject> {
  readonly name: string;
  /** The work queue of request keys (`namespace/name`). */
  readonly queue: PriorityQueue<string>;
  readonly needLeaderElection: boolean;
  private readonly maxConcurrentReconciles: number;
  private readonly reconcileTimeoutMs: number;
  private readonly gracefulShutdownTimeoutMs: number;
  private readonly cacheSyncTimeoutMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics | undefined;
  private readonly tracer: Tracer;
  private readonly watches: Watch[] = [];
  private started = false;
  private stopping = false;
  private sourcesSignal: AbortSignal | undefined;
  /** Aborted when the graceful shutdown period ends: reconciles still running get cancelled. */
  private readonly hardStop = new AbortController();
  private active = 0;
  private readonly idleWaiters = new Set<() => void>();

  constructor(
    private readonly reconciler: Reconciler<T>,
    options: ControllerOptions,
  ) {
    if (!options.name) throw new Error('a controller needs a name');
    this.name = options.name;
    this.maxConcurrentReconciles = Math.max(1, Math.floor(options.maxConcurrentReconciles ?? 1));
    this.reconcileTimeoutMs = options.reconcileTimeoutMs ?? 0;
    this.gracefulShutdownTimeoutMs = options.gracefulShutdownTimeoutMs ?? 30_000;
    this.cacheSyncTimeoutMs = options.cacheSyncTimeoutMs ?? 120_000;
    this.needLeaderElection = options.needLeaderElection ?? true;
    this.clock = options.clock ?? realClock;
    this.logger = reconcileLogger(options.logger ?? silentLogger(), { controller: this.name });
    this.metrics = options.metricsRegistry ? controllerMetrics(options.metricsRegistry) : undefined;
    this.tracer = options.tracer ?? trace.getTracer('@opkit/core');
    this.queue = newPriorityQueue<string>({
      name: this.name,
      clock: this.clock,
      rateLimiter: options.rateLimiter,
      metricsProvider: options.metricsRegistry
        ? new PrometheusQueueMetricsProvider(options.metricsRegistry)
        : undefined,
    });
  }

  /**
   * Routes `source`'s events that pass every predicate to `handler`. May be called after
   * {@link start}: the source then starts at once (its sync is not awaited).
   */
  watch<U extends KubeObject>(
    source: Source<U>,
    handler: EventHandler<U>,
    ...predicates: Predicate<U>[]
  ): void {
    const w = { source, handler, predicates } as unknown as Watch;
    this.watches.push(w);
    if (this.sourcesSignal && !this.sourcesSignal.aborted)
      this.startSource(w, this.sourcesSignal).catch(() => undefined); // logged by startSource
  }

  /** Number of reconciles running now. */
  get activeReconciles(): number {
    return this.active;
  }

  /**
   * Starts the sources, waits for them to sync, then runs the workers until `signal` aborts;
   * resolves after the graceful stop. Rejects with {@link CacheSyncTimeoutError} if the sources do
   * not sync in time. A controller starts once.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`controller ${this.name} was already started`);
    this.started = true;
    const sources = new AbortController();
    this.sourcesSignal = sources.signal;
    const onAbort = (): void => sources.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.initMetrics();
      this.logger.info('Starting EventSource');
      for (const w of this.watches) await this.startSource(w, sources.signal);
      if (!(await this.waitForSourcesSync(signal))) {
        if (signal.aborted) return;
        throw new CacheSyncTimeoutError(this.name, this.cacheSyncTimeoutMs);
      }
      this.logger.info('Starting workers', { workerCount: this.maxConcurrentReconciles });
      const workers = Array.from({ length: this.maxConcurrentReconciles }, () => this.runWorker());
      await abortion(signal);
      this.logger.info('Shutdown signal received, waiting for all workers to finish');
      this.stopping = true;
      this.queue.shutDown();
      const finished = await this.waitForIdle(this.gracefulShutdownTimeoutMs);
      if (!finished) {
        this.logger.warn('Graceful shutdown timed out; cancelling running reconciles', {
          timeoutMs: this.gracefulShutdownTimeoutMs,
        });
      }
      this.hardStop.abort(new ControllerStoppedError(this.name));
      if (finished) await Promise.all(workers);
      this.logger.info('All workers finished');
    } finally {
      this.stopping = true;
      this.queue.shutDown();
      signal.removeEventListener('abort', onAbort);
      sources.abort();
    }
  }

  private async startSource(w: Watch, signal: AbortSignal): Promise<void> {
    try {
      await w.source.start((event) => this.dispatch(w, event), signal);
    } catch (err) {
      this.logger.error('Source failed to start', { source: String(w.source), ...errorFields(err) });
      throw err;
    }
  }

  private async waitForSourcesSync(signal: AbortSignal): Promise<boolean> {
    const wait = new AbortController();
    const onAbort = (): void => wait.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = this.clock.setTimer(() => wait.abort(), this.cacheSyncTimeoutMs);
    try {
      const results = await Promise.all(this.watches.map((w) => w.source.waitForSync(wait.signal)));
      return results.every(Boolean);
    } finally {
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Filters one event through the watch's predicates and hands it to its handler. */
  private dispatch(w: Watch, event: ObjectEvent<KubeObject>): void {
    try {
      if (!w.predicates.every((p) => p(event))) return;
      const defaultPriority = lowPriorityWhenUnchanged(prioritized(event));
      const priorityOf = (o?: { priority?: number }): { priority?: number } => ({
        priority: o?.priority ?? defaultPriority,
      });
      const target: RequestQueue = {
        add: (request, o) => this.queue.add(requestKey(request), priorityOf(o)),
        addAfter: (request, delayMs, o) => this.queue.addAfter(requestKey(request), delayMs, priorityOf(o)),
      };
      const pending = w.handler.handle(event, target);
      if (pending)
        pending.catch((err: unknown) => this.logger.error('Event handler failed', errorFields(err)));
    } catch (err) {
      this.logger.error('Event handler failed', errorFields(err));
    }
  }

  private async runWorker(): Promise<void> {
    for (;;) {
      const got = this.queue.tryGet() ?? (await this.queue.get());
      if (got.shutdown) return;
      if (this.stopping) {
        this.queue.done(got.item);
        return;
      }
      try {
        await this.reconcileHandler(got.item, got.priority);
      } catch (err) {
        // reconcileHandler catches reconciler failures; this is a last resort (e.g. a throwing logger)
        try {
          this.logger.error('Internal error in reconcile handling', errorFields(err));
        } catch {
          /* nothing left to report to */
        }
      } finally {
        this.queue.done(got.item);
      }
    }
  }

  /** Runs one reconcile and files its outcome, as controller-runtime's reconcileHandler. */
  private async reconcileHandler(key: string, priority: number): Promise<void> {
    const request = requestFromKey(key);
    const reconcileID = randomUUID();
    const logger = reconcileLogger(this.logger, {
      namespace: request.namespace || undefined,
      name: request.name,
      reconcileID,
    });
    const timeout = new AbortController();
    let timedOut = false;
    let timer: ClockTimer | undefined;
    if (this.reconcileTimeoutMs > 0) {
      timer = this.clock.setTimer(() => {
        timedOut = true;
        timeout.abort(new ReconcileTimeoutError(this.reconcileTimeoutMs));
      }, this.reconcileTimeoutMs);
    }
    const ctx: ReconcileContext = {
      signal: AbortSignal.any([timeout.signal, this.hardStop.signal]),
      logger,
      reconcileID,
      controllerName: this.name,
    };
    const span = this.tracer.startSpan('reconcile', {
      attributes: {
        'opkit.controller': this.name,
        'k8s.namespace.name': request.namespace,
        'opkit.request.name': request.name,
        'opkit.reconcile_id': reconcileID,
      },
    });
    this.active++;
    this.metrics?.activeWorkers.inc({ controller: this.name });
    const startedAt = this.clock.now();
    let result: Result | void = undefined;
    let error: unknown;
    let failed = false;
    try {
      result = await otelContext.with(trace.setSpan(otelContext.active(), span), () =>
        this.reconciler.reconcile(request, ctx),
      );
    } catch (err) {
      failed = true;
      error = err;
    } finally {
      timer?.cancel();
      this.metrics?.reconcileTime.observe({ controller: this.name }, (this.clock.now() - startedAt) / 1000);
      this.metrics?.activeWorkers.dec({ controller: this.name });
      this.active--;
      if (this.active === 0) for (const wake of this.idleWaiters) wake();
    }
    if (timedOut) this.metrics?.reconcileTimeouts.inc({ controller: this.name });

    let outcome: Outcome;
    if (failed) {
      outcome = 'error';
      if (PANIC_TYPES.some((type) => error instanceof type))
        this.metrics?.reconcilePanics.inc({ controller: this.name });
      if (isTerminalError(error)) this.metrics?.terminalReconcileErrors.inc({ controller: this.name });
      else this.queue.addRateLimited(key, { priority });
      this.metrics?.reconcileErrors.inc({ controller: this.name });
      logger.error('Reconciler error', errorFields(error));
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    } else if (result && (result.requeueAfter ?? 0) > 0) {
      outcome = 'requeue_after';
      this.queue.forget(key);
      this.queue.addAfter(key, result.requeueAfter!, { priority });
      logger.debug('Reconcile done, requeueing after', { requeueAfterMs: result.requeueAfter });
    } else if (result && result.requeue) {
      outcome = 'requeue';
      this.queue.addRateLimited(key, { priority });
    } else {
      outcome = 'success';
      this.queue.forget(key);
      logger.debug('Reconcile successful');
    }
    this.metrics?.reconcileTotal.inc({ controller: this.name, result: outcome });
    span.setAttribute('opkit.reconcile.result', outcome);
    span.end();
  }

  /** Resolves true once no reconcile is running, false after `timeoutMs`. */
  private waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const wake = (): void => {
        this.idleWaiters.delete(wake);
        timer.cancel();
        resolve(true);
      };
      const timer = this.clock.setTimer(() => {
        this.idleWaiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.add(wake);
    });
  }

  // as controller-runtime initMetrics: every result series exists from the start
  private initMetrics(): void {
    if (!this.metrics) return;
    const controller = this.name;
    for (const result of ['success', 'error', 'requeue', 'requeue_after'] as const)
      this.metrics.reconcileTotal.inc({ controller, result }, 0);
    this.metrics.reconcileErrors.inc({ controller }, 0);
    this.metrics.terminalReconcileErrors.inc({ controller }, 0);
    this.metrics.reconcilePanics.inc({ controller }, 0);
    this.metrics.reconcileTimeouts.inc({ controller }, 0);
    this.metrics.workerCount.set({ controller }, this.maxConcurrentReconciles);
    this.metrics.activeWorkers.set({ controller }, 0);
  }
}

function prioritized(event: ObjectEvent<KubeObject>): PrioritizedEvent {
  switch (event.type) {
    case 'create':
      return { type: 'create', isInInitialList: event.isInInitialList };
    case 'update':
      return {
        type: 'update',
        oldResourceVersion: event.objectOld.metadata.resourceVersion,
        newResourceVersion: event.objectNew.metadata.resourceVersion,
      };
    default:
      return { type: event.type };
  }
}

function abortion(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function errorFields(err: unknown): { error: string; stack?: string } {
  return err instanceof Error ? { error: err.message, stack: err.stack } : { error: String(err) };
}
