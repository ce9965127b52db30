import { EventEmitter } from 'node:events';
import type { Gauge, Registry } from 'prom-client';
import { realClock, sleep, type Clock } from '../clock/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import { leaderElectionMetrics } from '../metrics/index.js';
import { formatMicroTime, type LeaderElectionRecord, type ResourceLock } from './lock.js';

/** client-go leaderelection.JitterFactor: retries wait retryPeriod × [1, 2.2). */
export const JITTER_FACTOR = 1.2;

/** Options of a {@link LeaderElector}; durations in milliseconds. */
export interface LeaderElectorOptions {
  lock: ResourceLock;
  /** Names the election in metrics and logs. Default: `lock.describe()`. */
  name?: string;
  /** How long followers wait, after last seeing the record change, before taking over. Default 15 000. */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a renewal before it stops leading. Default 10 000. */
  renewDeadlineMs?: number;
  /** Interval between attempts. Default 2 000. */
  retryPeriodMs?: number;
  /**
   * On cancel, give the lease up (empty holder, leaseDurationSeconds 1) so a successor takes over
   * at once instead of after leaseDuration. Default true (client-go's default is false).
   */
  releaseOnCancel?: boolean;
  /** Called when this candidate becomes leader; `signal` aborts when it stops leading. */
  onStartedLeading?: (signal: AbortSignal) => void | Promise<void>;
  /** Called after this candidate stopped leading (and its onStartedLeading work settled, up to leaseDuration − renewDeadline), before any release. */
  onStoppedLeading?: () => void;
  /** Called when the observed leader changes (`''` after a release). */
  onNewLeader?: (identity: string) => void;
  /** Time source for waits and observedTime. Default: the real clock. */
  clock?: Clock;
  /** Random numbers in [0, 1) for jitter. Default Math.random. */
  random?: () => number;
  logger?: Logger;
  /** Registers `leader_election_master_status{name}`. Default: no metrics. */
  metricsRegistry?: Registry;
}

/** Events of a {@link LeaderElector} (besides the option callbacks). */
export interface LeaderElectorEvents {
  startedLeading: [signal: AbortSignal];
  stoppedLeading: [];
  newLeader: [identity: string];
}

/** Thrown by the {@link LeaderElector} constructor for invalid timing options. */
export class LeaderElectionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaderElectionConfigError';
  }
}

/**
 * Leader election on a {@link ResourceLock}, following client-go tools/leaderelection/leaderelection.go:
 *
 * - acquire: try every retryPeriod (jittered ×[1, 2.2)) until this candidate holds the lock;
 * - renew: every retryPeriod, retrying for up to renewDeadline; failing that, stop leading;
 * - a follower takes over only once `leaseDuration` has passed on its own clock since it last saw
 *   the record change — never judged by the holder's renewTime, so clock offsets do not matter;
 * - a new holder increments leaderTransitions; a renewal keeps acquireTime and transitions;
 * - on cancel, optionally release: write an empty holder with leaseDurationSeconds 1.
 *
 * Differences from client-go: `onStoppedLeading` fires only if leadership started, and before
 * the release (after the leader's work has settled, up to leaseDuration − renewDeadline), so recorded leadership
 * intervals never overlap a successor's. And a stop never cuts a Lease write short (it waits for
 * the answer, at most renewDeadline): the server may have applied a write the client gave up on,
 * and the elector must know whether it holds the Lease to release it.
 */
export class LeaderElector extends EventEmitter<LeaderElectorEvents> {
  readonly name: string;
  private readonly lock: ResourceLock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly releaseOnCancel: boolean;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly gauge: Gauge<'name'> | undefined;
  private observedRecord: LeaderElectionRecord | undefined;
  private observedRawRecord: string | undefined;
  private observedTime = 0;
  private reportedLeader: string | undefined;
  private running = false;

  constructor(private readonly options: LeaderElectorOptions) {
    super();
    const { leaseDurationMs = 15_000, renewDeadlineMs = 10_000, retryPeriodMs = 2_000 } = options;
    // as client-go NewLeaderElector
    if (leaseDurationMs <= renewDeadlineMs)
      throw new LeaderElectionConfigError('leaseDuration must be greater than renewDeadline');
    if (renewDeadlineMs <= JITTER_FACTOR * retryPeriodMs)
      throw new LeaderElectionConfigError('renewDeadline must be greater than retryPeriod*JitterFactor');
    if (leaseDurationMs < 1) throw new LeaderElectionConfigError('leaseDuration must be greater than zero');
    if (renewDeadlineMs < 1) throw new LeaderElectionConfigError('renewDeadline must be greater than zero');
    if (retryPeriodMs < 1) throw new LeaderElectionConfigError('retryPeriod must be greater than zero');
    if (!options.lock) throw new LeaderElectionConfigError('Lock must not be nil.');
    if (!options.lock.identity) throw new LeaderElectionConfigError('Lock identity is empty');
    this.lock = options.lock;
    this.name = options.name ?? options.lock.describe();
    this.leaseDurationMs = leaseDurationMs;
    this.renewDeadlineMs = renewDeadlineMs;
    this.retryPeriodMs = retryPeriodMs;
    this.releaseOnCancel = options.releaseOnCancel ?? true;
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.logger = (options.logger ?? silentLogger()).child({
      leaderElection: this.name,
      identity: this.lock.identity,
    });
    this.gauge = options.metricsRegistry ? leaderElectionMetrics(options.metricsRegistry) : undefined;
  }

  /** This candidate's identity. */
  get identity(): string {
    return this.lock.identity;
  }

  /** Whether the last observed record names this candidate as holder. */
  isLeader(): boolean {
    return this.observedRecord?.holderIdentity === this.lock.identity;
  }

  /** The holder in the last observed record (`''`: none; undefined: nothing observed yet). */
  getLeader(): string | undefined {
    return this.observedRecord?.holderIdentity;
  }

  /** The last observed record (a copy). */
  getObservedRecord(): LeaderElectionRecord | undefined {
    return this.observedRecord ? { ...this.observedRecord } : undefined;
  }

  /**
   * Campaigns until `signal` aborts: acquires, leads while renewals succeed, then stops leading.
   * Resolves when this round is over — after the lease is lost or `signal` aborted (and any
   * release). Like client-go's Run it does not campaign again; call `run` again to do so.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`leader elector ${this.name} is already running`);
    this.running = true;
    try {
      if (!(await this.acquire(signal))) return;
      const leading = new AbortController();
      const onAbort = (): void => leading.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.gauge?.set({ name: this.name }, 1);
      this.logger.info('successfully acquired lease');
      const work = this.startLeading(leading.signal);
      try {
        await this.renew(leading.signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
        leading.abort(new Error('leader election lost'));
        this.gauge?.set({ name: this.name }, 0);
        await this.settle(work);
        this.safely(() => this.options.onStoppedLeading?.());
        this.safely(() => this.emit('stoppedLeading'));
        if (this.releaseOnCancel) await this.release();
      }
    } finally {
      this.running = false;
    }
  }

  private startLeading(signal: AbortSignal): Promise<unknown> {
    const pending: Promise<unknown>[] = [];
    this.safely(() => {
      const r = this.options.onStartedLeading?.(signal);
      if (r)
        pending.push(
          r.catch((err: unknown) => this.logger.error('onStartedLeading failed', { error: String(err) })),
        );
    });
    this.safely(() => this.emit('startedLeading', signal));
    return Promise.all(pending);
  }

  /**
   * Waits for the leader's work to finish, at most leaseDuration − renewDeadline: the margin a
   * leader that failed to renew has before a follower may take over (client-go's doc on
   * ReleaseOnCancel asks the work to stop within it).
   */
  private async settle(work: Promise<unknown>): Promise<void> {
    const limit = new AbortController();
    await Promise.race([
      work,
      sleep(this.clock, this.leaseDurationMs - this.renewDeadlineMs, limit.signal).catch(() => undefined),
    ]);
    limit.abort();
  }

  // client-go acquire: JitterUntil(tryAcquireOrRenew, retryPeriod, JitterFactor, sliding)
  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.logger.info('attempting to acquire leader lease');
    for (;;) {
      if (signal.aborted) return false;
      const ok = await this.tryAcquireOrRenew(signal);
      this.maybeReportTransition();
      if (ok) return !signal.aborted || (await this.giveBack());
      const wait = this.retryPeriodMs * (1 + this.random() * JITTER_FACTOR);
      try {
        await sleep(this.clock, wait, signal);
      } catch {
        return false;
      }
    }
  }

  /** Acquired just as the signal aborted: hand the lease back rather than sit on it. */
  private async giveBack(): Promise<boolean> {
    if (this.releaseOnCancel) await this.release();
    return false;
  }

  // client-go renew: wait.Until(PollUntilContextTimeout(retryPeriod, renewDeadline, immediate), retryPeriod)
  private async renew(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const renewed = await this.renewWithin(signal);
      this.maybeReportTransition();
      if (signal.aborted) return;
      if (!renewed) {
        this.logger.info('failed to renew lease', { lock: this.lock.describe() });
        return;
      }
      try {
        await sleep(this.clock, this.retryPeriodMs, signal);
      } catch {
        return;
      }
    }
  }

  /** Tries to renew every retryPeriod until success or renewDeadline. */
  private async renewWithin(signal: AbortSignal): Promise<boolean> {
    const deadline = new AbortController();
    const timer = this.clock.setTimer(
      () => deadline.abort(new Error('renew deadline exceeded')),
      this.renewDeadlineMs,
    );
    const attempt = AbortSignal.any([signal, deadline.signal]);
    try {
      for (;;) {
        if (attempt.aborted) return false;
        // a stop aborts the reads and waits; only the deadline cuts a renewal write short
        if (await this.attemptAcquireOrRenew(attempt, deadline.signal)) return !deadline.signal.aborted;
        try {
          await sleep(this.clock, this.retryPeriodMs, attempt);
        } catch {
          return false;
        }
      }
    } finally {
      timer.cancel();
    }
  }

  /**
   * One attempt to become or stay leader (client-go tryAcquireOrRenew). Returns whether this
   * candidate holds the lock afterwards. Never throws.
   *
   * `signal` aborts the reads only: a write already sent runs to its answer (at most
   * renewDeadline), because one aborted in flight may still have been applied by the server —
   * the elector would then hold the Lease without knowing it, and neither lead nor release it.
   */
  async tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const limit = new AbortController();
    const timer = this.clock.setTimer(
      () => limit.abort(new Error('lease write timed out')),
      this.renewDeadlineMs,
    );
    try {
      return await this.attemptAcquireOrRenew(signal, limit.signal);
    } finally {
      timer.cancel();
    }
  }

  /** {@link tryAcquireOrRenew} with reads aborted by `readSignal` and writes by `writeSignal`. */
  private async attemptAcquireOrRenew(
    readSignal: AbortSignal | undefined,
    writeSignal: AbortSignal,
  ): Promise<boolean> {
    const now = this.clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: this.lock.identity,
      // as client-go: int(LeaseDuration / time.Second), truncated
      leaseDurationSeconds: Math.floor(this.leaseDurationMs / 1000),
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaderTransitions: 0,
    };

    // 1. fast path: the leader renews without reading first
    if (this.isLeader() && this.isLeaseValid(now)) {
      const old = this.observedRecord!;
      record.acquireTime = old.acquireTime;
      record.leaderTransitions = old.leaderTransitions;
      try {
        await this.lock.update(record, writeSignal);
        this.setObservedRecord(record);
        return true;
      } catch (err) {
        this.logger.warn('failed to update lease optimistically, falling back to slow path', {
          error: String(err),
        });
      }
    }

    // 2. read the lock, creating it if missing
    let observed;
    try {
      observed = await this.lock.get(readSignal);
    } catch (err) {
      this.logger.warn('error retrieving resource lock', { lock: this.lock.describe(), error: String(err) });
      return false;
    }
    if (!observed) {
      try {
        await this.lock.create(record, writeSignal);
      } catch (err) {
        this.logger.warn('error initially creating lease lock', { error: String(err) });
        return false;
      }
      this.setObservedRecord(record);
      return true;
    }

    // 3. a changed record restarts the follower's expiry clock
    if (this.observedRawRecord !== observed.raw) {
      this.setObservedRecord(observed.record);
      this.observedRawRecord = observed.raw;
    }
    if (observed.record.holderIdentity !== '' && this.isLeaseValid(now) && !this.isLeader()) {
      this.logger.debug('lock is held and has not yet expired', { holder: observed.record.holderIdentity });
      return false;
    }

    // 4. take or keep the lock
    if (this.isLeader()) {
      record.acquireTime = observed.record.acquireTime;
      record.leaderTransitions = observed.record.leaderTransitions;
    } else {
      record.leaderTransitions = observed.record.leaderTransitions + 1;
    }
    try {
      await this.lock.update(record, writeSignal);
    } catch (err) {
      this.logger.warn('failed to update lock', { error: String(err) });
      return false;
    }
    this.setObservedRecord(record);
    return true;
  }

  /**
   * Gives the lock up if this candidate holds it (client-go release): an empty holder with
   * leaseDurationSeconds 1, keeping leaderTransitions. Returns whether nothing is held any more.
   * Gives up after renewDeadline.
   *
   * As client-go's release does (kubernetes#132849, #137988), it reads the Lease first and tries
   * twice: a renewal cut short may still have been applied by the server, leaving this lock's
   * resourceVersion stale, and a write over it would fail with a conflict and leave the Lease held
   * until it expires. A Lease held by another candidate by now is left alone.
   */
  async release(): Promise<boolean> {
    if (!this.isLeader()) return true;
    const limit = new AbortController();
    const timer = this.clock.setTimer(
      () => limit.abort(new Error('release timed out')),
      this.renewDeadlineMs,
    );
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.tryRelease(limit.signal);
        } catch (err) {
          if (attempt >= 2 || limit.signal.aborted) {
            this.logger.error('Failed to release lock', { error: String(err) });
            return false;
          }
          this.logger.info('retrying lease release', { error: String(err) });
        }
      }
    } finally {
      timer.cancel();
    }
  }

  private async tryRelease(signal: AbortSignal): Promise<boolean> {
    const current = await this.lock.get(signal);
    if (!current) return true;
    if (current.record.holderIdentity !== this.lock.identity) {
      this.setObservedRecord(current.record);
      this.observedRawRecord = current.raw;
      return true;
    }
    const now = this.clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaderTransitions: current.record.leaderTransitions,
    };
    await this.lock.update(record, signal);
    this.setObservedRecord(record);
    this.logger.info('released lease');
    return true;
  }

  private isLeaseValid(now: number): boolean {
    return this.observedTime + (this.observedRecord?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private setObservedRecord(record: LeaderElectionRecord): void {
    this.observedRecord = { ...record };
    this.observedTime = this.clock.now();
  }

  private maybeReportTransition(): void {
    const holder = this.observedRecord?.holderIdentity;
    if (holder === undefined || holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    this.logger.info('new leader observed', { leader: holder });
    this.safely(() => this.options.onNewLeader?.(holder));
    this.safely(() => this.emit('newLeader', holder));
  }

  /** Callbacks must not break the election loop. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error('leader election callback failed', { error: String(err) });
    }
  }
}
