import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Container, type ServiceIdentifier } from 'inversify';
import type { Registry } from 'prom-client';
import { SharedInformerFactory } from '../cache/index.js';
import { CachedClient, KubeClient } from '../client/index.js';
import { realClock, type Clock } from '../clock/index.js';
import type { Controller, ControllerBlueprint } from '../controller/index.js';
import { blueprintFromDecorator, controllerOptionsOf, type ReconcilerClass } from '../decorators/index.js';
import { EventRecorder } from '../events/index.js';
import { ProbeServer, ping, type ProbeServerAddresses } from '../healthz/index.js';
import { LeaderElector, LeaseLock, leaseClientFor, type LeaseClient } from '../leaderelection/index.js';
import { createLogger, type Logger } from '../log/index.js';
import { createMetricsRegistry, restClientMetrics } from '../metrics/index.js';
import type { Reconciler } from '../reconcile/index.js';
import { NamespacedInformerProvider } from './namespaced-informers.js';
import { ManagerTokens } from './tokens.js';

/** Leader election settings of a {@link Manager}; durations in milliseconds. */
export interface LeaderElectionOptions {
  /** The Lease's name (controller-runtime LeaderElectionID). */
  id: string;
  /** The Lease's namespace. Default: `$POD_NAMESPACE`, else the first watched namespace, else `default`. */
  namespace?: string;
  /** This replica's identity. Default: `<hostname>_<random uuid>`, as controller-runtime. */
  identity?: string;
  /** Default 15 000. */
  leaseDurationMs?: number;
  /** Default 10 000. */
  renewDeadlineMs?: number;
  /** Default 2 000. */
  retryPeriodMs?: number;
  /** Give the Lease up on shutdown so a standby takes over at once. Default true. */
  releaseOnCancel?: boolean;
  /** Replaces the Lease client (tests, or a separate client for leader election). */
  leaseClient?: LeaseClient;
  /** Called when this replica becomes leader, before the leader-only controllers start. */
  onStartedLeading?: () => void;
  /**
   * Called when this replica has stopped leading: its leader-only controllers have stopped (or
   * their grace of leaseDuration − renewDeadline ran out), before the Lease is released.
   */
  onStoppedLeading?: () => void;
}

/** Options of {@link Manager.create}; every field has a default. */
export interface ManagerOptions {
  /** The API client. Default: from `kubeconfig`, else the default kubeconfig ($KUBECONFIG, ~/.kube/config, in-cluster). */
  client?: KubeClient;
  /** A kubeconfig (YAML text) when no `client` is given. */
  kubeconfig?: string;
  /** Namespaces whose objects the controllers see; empty or unset: all. */
  namespaces?: string[];
  /** Leader election; off when unset or false. */
  leaderElection?: LeaderElectionOptions | false;
  /** `host:port` of /metrics; `0` disables. Default `:8080`. */
  metricsBindAddress?: string;
  /** `host:port` of /healthz and /readyz; `0` disables. Default `:8081`. */
  healthProbeBindAddress?: string;
  /** Default: a logger at `logLevel` in `logFormat`. */
  logger?: Logger;
  /** Default `info`. */
  logLevel?: string;
  /** Default: `console` on a TTY, else `json`. */
  logFormat?: 'json' | 'console';
  /** How long a stop waits for running reconciles before abandoning them. Default 30 000 ms. */
  gracefulShutdownTimeoutMs?: number;
  /** How long the start waits for the informers to sync before failing. Default 120 000 ms. */
  cacheSyncTimeoutMs?: number;
  /** Registry of every metric. Default: a fresh registry with process metrics. */
  metricsRegistry?: Registry;
  /** Names the operator in Events (`source.component`). Default `opkit-manager`. */
  name?: string;
  clock?: Clock;
  /** A container to bind into (e.g. with the user's services already bound). Default: a new one. */
  container?: Container;
}

/** Thrown (rejected from {@link Manager.start}) when the manager loses its lease. */
export class LeaderElectionLostError extends Error {
  constructor(id: string) {
    super(`leader election lost: lease ${id}`);
    this.name = 'LeaderElectionLostError';
  }
}

/** Thrown when the informers do not sync within `cacheSyncTimeoutMs`. */
export class CacheSyncFailedError extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for the informer caches to sync`);
    this.name = 'CacheSyncFailedError';
  }
}

type Registration = ControllerBlueprint | ReconcilerClass;

/** What a manager is doing (for tests and status pages). */
export type ManagerPhase = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * Runs controllers (controller-runtime pkg/manager): owns the client, the shared informers, the
 * cached client, logger, metrics, event recorder and an inversify container holding them and the
 * user's services. `start(signal)`:
 *
 * 1. serves /healthz, /readyz and /metrics;
 * 2. builds the controllers, starts the informers and waits for their caches to sync;
 * 3. starts the controllers — with leader election, those needing it only while this replica
 *    leads; they stop as soon as the lease is lost, and `start` then rejects with
 *    {@link LeaderElectionLostError} (the process should exit, as controller-runtime's does);
 * 4. when `signal` aborts: stops taking work, lets running reconciles finish (up to the graceful
 *    timeout), releases the lease, stops informers and servers, and resolves.
 *
 * Readiness (`/readyz`): caches synced and, with leader election, the elector campaigning or leading.
 *
 * While it runs, every request of its client is counted on its registry
 * (`rest_client_requests_total`, `rest_client_request_duration_seconds`).
 */
export class Manager {
  /** The container resolving reconcilers and their dependencies. */
  readonly container: Container;
  readonly client: KubeClient;
  readonly informers: SharedInformerFactory;
  readonly cachedClient: CachedClient;
  readonly logger: Logger;
  readonly metricsRegistry: Registry;
  readonly eventRecorder: EventRecorder;
  readonly probeServer: ProbeServer;
  /** The elector when leader election is on (after {@link start}). */
  elector: LeaderElector | undefined;
  private readonly registrations: Registration[] = [];
  private readonly controllers: Controller[] = [];
  private readonly options: ManagerOptions;
  private readonly clock: Clock;
  private currentPhase: ManagerPhase = 'created';
  private cachesSynced = false;
  private electorRunning = false;
  private leading = false;

  private constructor(options: ManagerOptions) {
    this.options = options;
    this.clock = options.clock ?? realClock;
    this.client =
      options.client ??
      (options.kubeconfig !== undefined ? KubeClient.fromYaml(options.kubeconfig) : KubeClient.fromDefault());
    this.logger =
      options.logger ??
      createLogger({
        level: options.logLevel,
        format: options.logFormat,
        defaultMeta: { logger: 'manager' },
      });
    this.metricsRegistry = options.metricsRegistry ?? createMetricsRegistry();
    this.informers = new SharedInformerFactory(this.client, {
      onError: (err, context) =>
        this.logger.warn('informer error', {
          context,
          error: err instanceof Error ? err.message : String(err),
        }),
    });
    this.cachedClient = new CachedClient(this.client, this.informers);
    this.eventRecorder = new EventRecorder({
      client: this.client,
      component: options.name ?? 'opkit-manager',
      logger: this.logger,
    });
    this.probeServer = new ProbeServer({
      healthProbeBindAddress: options.healthProbeBindAddress ?? ':8081',
      metricsBindAddress: options.metricsBindAddress ?? ':8080',
      registry: this.metricsRegistry,
      logger: this.logger,
    });
    this.container = options.container ?? new Container();
    this.bindServices();
  }

  /** Creates a manager (nothing runs until {@link start}). */
  static create(options: ManagerOptions = {}): Manager {
    return new Manager(options);
  }

  /** What the manager is doing. */
  get phase(): ManagerPhase {
    return this.currentPhase;
  }

  /** Whether this replica runs the leader-only controllers now (always true without leader election). */
  get isLeader(): boolean {
    return this.options.leaderElection ? this.leading : this.currentPhase === 'running';
  }

  /** The addresses the probe and metrics servers listen on (after start). */
  get addresses(): ProbeServerAddresses {
    return this.probeServer.addresses;
  }

  /**
   * Adds a controller: a blueprint from `controllerFor(...).complete(r)`, or a reconciler class
   * decorated with `@Controller`, constructed at start through the container. Must be called before {@link start}.
   */
  add(controller: Registration): this {
    if (this.currentPhase !== 'created')
      throw new Error('controllers must be added before the manager starts');
    if (typeof controller === 'function' && !controllerOptionsOf(controller))
      throw new Error(`${controller.name} is not decorated with @Controller`);
    this.registrations.push(controller);
    return this;
  }

  /**
   * Runs until `signal` aborts (see the class doc); resolves after a clean stop. Rejects with
   * {@link LeaderElectionLostError} when the lease is lost, {@link CacheSyncFailedError} when the
   * caches do not sync, and with any error starting the servers.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.currentPhase !== 'created') throw new Error('a manager starts once');
    this.currentPhase = 'starting';
    const log = this.logger;
    const stopping = new AbortController();
    const onAbort = (): void => stopping.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    let failure: unknown;
    let leaderRun: Promise<void> | undefined;
    const controllerRuns: Promise<void>[] = [];
    const detachClientMetrics = this.client.observeRequests(restClientMetrics(this.metricsRegistry));
    try {
      this.addProbes();
      const addresses = await this.probeServer.start();
      log.info('starting manager', { ...addresses });

      const namespaces = (this.options.namespaces ?? []).filter(Boolean);
      const provider = new NamespacedInformerProvider(this.informers, namespaces);
      for (const registration of this.registrations) {
        const blueprint = this.blueprintOf(registration);
        this.controllers.push(
          blueprint.build({
            informers: provider,
            logger: this.logger,
            metricsRegistry: this.metricsRegistry,
            clock: this.clock,
          }),
        );
      }
      await provider.prepare();
      this.informers.start();
      log.info('waiting for caches to sync');
      await this.waitForCaches(stopping.signal);
      if (stopping.signal.aborted) return;
      this.cachesSynced = true;
      log.info('caches synced');

      const controllerFailed = (c: Controller) => (err: unknown) => {
        log.error('controller failed', {
          controller: c.name,
          error: err instanceof Error ? err.message : String(err),
        });
        failure ??= err;
        stopping.abort(err);
      };
      const runControllers = (list: Controller[], stop: AbortSignal): Promise<void>[] => {
        const runs = list.map((c) => c.start(stop).catch(controllerFailed(c)));
        controllerRuns.push(...runs);
        return runs;
      };
      const always = this.controllers.filter((c) => !c.needLeaderElection || !this.options.leaderElection);
      const leaderOnly = this.controllers.filter((c) => c.needLeaderElection && this.options.leaderElection);
      runControllers(always, stopping.signal);
      this.currentPhase = 'running';

      if (this.options.leaderElection) {
        const elector = this.createElector(this.options.leaderElection, namespaces, (leading) =>
          Promise.all(runControllers(leaderOnly, leading)).then(() => undefined),
        );
        this.elector = elector;
        this.electorRunning = true;
        leaderRun = elector.run(stopping.signal).finally(() => {
          this.electorRunning = false;
          this.leading = false;
        });
        await leaderRun;
        if (!stopping.signal.aborted) {
          failure ??= new LeaderElectionLostError(this.options.leaderElection.id);
          log.error('leader election lost');
          stopping.abort(failure);
        }
      }
      await abortion(stopping.signal);
    } catch (err) {
      failure ??= err;
    } finally {
      this.currentPhase = 'stopping';
      stopping.abort();
      signal.removeEventListener('abort', onAbort);
      log.info('stopping controllers and waiting for running reconciles');
      await this.within(Promise.all(controllerRuns), this.options.gracefulShutdownTimeoutMs ?? 30_000);
      if (leaderRun) await leaderRun.catch(() => undefined);
      await this.informers.shutdown().catch(() => undefined);
      await this.eventRecorder.flush();
      await this.probeServer.stop().catch(() => undefined);
      detachClientMetrics();
      this.currentPhase = 'stopped';
      log.info('manager stopped');
    }
    if (failure !== undefined) throw failure;
  }

  private bindServices(): void {
    const c = this.container;
    const constant = (token: symbol | (abstract new (...args: never[]) => unknown), value: unknown): void => {
      if (c.isBound(token)) return;
      c.bind(token).toConstantValue(value);
    };
    constant(ManagerTokens.KubeClient, this.client);
    constant(KubeClient, this.client);
    constant(ManagerTokens.CachedClient, this.cachedClient);
    constant(CachedClient, this.cachedClient);
    constant(ManagerTokens.InformerFactory, this.informers);
    constant(SharedInformerFactory, this.informers);
    constant(ManagerTokens.Logger, this.logger);
    constant(ManagerTokens.MetricsRegistry, this.metricsRegistry);
    constant(ManagerTokens.EventRecorder, this.eventRecorder);
    constant(EventRecorder, this.eventRecorder);
    constant(ManagerTokens.Manager, this);
  }

  private blueprintOf(registration: Registration): ControllerBlueprint {
    if (typeof registration !== 'function') return registration;
    const options = controllerOptionsOf(registration);
    if (!options) throw new Error(`${registration.name} is not decorated with @Controller`);
    const id = registration as unknown as ServiceIdentifier<Reconciler>;
    if (!this.container.isBound(id)) this.container.bind(id).toSelf().inSingletonScope();
    return blueprintFromDecorator(options, this.container.get(id));
  }

  private addProbes(): void {
    this.probeServer.addHealthzCheck('ping', ping);
    this.probeServer.addReadyzCheck('informers', () => {
      if (!this.cachesSynced) throw new Error('informer caches have not synced');
    });
    if (this.options.leaderElection)
      this.probeServer.addReadyzCheck('leader-election', () => {
        // a standby is ready too: it serves probes and takes over when the leader goes
        if (!this.electorRunning) throw new Error('not campaigning for the lease');
      });
  }

  private createElector(
    le: LeaderElectionOptions,
    namespaces: string[],
    lead: (signal: AbortSignal) => Promise<void>,
  ): LeaderElector {
    const identity = le.identity ?? `${hostname()}_${randomUUID()}`;
    const namespace = le.namespace || process.env['POD_NAMESPACE'] || namespaces[0] || 'default';
    return new LeaderElector({
      lock: new LeaseLock({
        namespace,
        name: le.id,
        identity,
        client: le.leaseClient ?? leaseClientFor(this.client),
      }),
      name: le.id,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      releaseOnCancel: le.releaseOnCancel ?? true,
      clock: this.clock,
      logger: this.logger,
      metricsRegistry: this.metricsRegistry,
      onStoppedLeading: le.onStoppedLeading,
      onStartedLeading: async (signal) => {
        this.leading = true;
        le.onStartedLeading?.();
        this.logger.info('became leader; starting leader-only controllers');
        signal.addEventListener('abort', () => (this.leading = false), { once: true });
        await lead(signal);
      },
    });
  }

  private async waitForCaches(signal: AbortSignal): Promise<void> {
    const timeoutMs = this.options.cacheSyncTimeoutMs ?? 120_000;
    const wait = new AbortController();
    const onAbort = (): void => wait.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = this.clock.setTimer(() => wait.abort(), timeoutMs, { unref: true });
    try {
      const synced = await this.informers.waitForCacheSync(wait.signal);
      if (!synced && !signal.aborted) throw new CacheSyncFailedError(timeoutMs);
    } finally {
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async within(work: Promise<unknown>, timeoutMs: number): Promise<void> {
    let timer: { cancel(): void } | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = this.clock.setTimer(
        () => {
          this.logger.warn('graceful shutdown timed out; abandoning running reconciles', { timeoutMs });
          resolve();
        },
        timeoutMs,
        { unref: true },
      );
    });
    await Promise.race([work.then(() => undefined), expired]);
    timer?.cancel();
  }
}

function abortion(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
