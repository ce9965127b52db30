/**
 * Three Managers campaign for one Lease on a LocalCluster through a seeded random schedule of
 * stalls (a manager's Lease client hangs longer than renewDeadline, as a stuck process would),
 * graceful stops and restarts. Every interval in which a manager believes it leads
 * (startedLeading..stoppedLeading, on the monotonic clock) is recorded: no two may overlap.
 *
 * No wall-clock upper bound is asserted beyond "someone leads most of the run": timers fire late
 * on a loaded machine, which widens the gaps between leaders but must never make two overlap.
 * Rerun a failing schedule with `OPKIT_LE_SEED=<seed printed below>`.
 */
import { describe, it, expect } from '@jest/globals';
import { controllerFor } from '../controller/index.js';
import { leaseClientFor, type LeaseClient } from '../leaderelection/index.js';
import { silentLogger } from '../log/index.js';
import { reconcilerFrom } from '../reconcile/index.js';
import { LeaderElectionLostError, Manager } from './index.js';
import { eventually, sleepMs, useTestCluster } from '../__tests__/local-cluster.js';

// leaseDuration − renewDeadline − retryPeriod = 1.2 s: the margin by which a stalled leader gives
// up before a follower may take over, and so the event-loop lag the test tolerates
const LEASE_MS = 3_000;
const RENEW_MS = 1_500;
const RETRY_MS = 300;
const RUN_MS = 16_000;

/** mulberry32: a small seeded generator, so a failing schedule can be replayed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Interval {
  who: string;
  start: number;
  end?: number;
}

/** One of the three replicas; restarted as a new Manager (and identity) after each stop. */
interface Replica {
  index: number;
  generation: number;
  identity: string;
  manager?: Manager;
  stop?: AbortController;
  /** Settles with how the run ended. */
  run?: Promise<'stopped' | 'lost'>;
  running: boolean;
  /** Lease calls hang until then (performance.now()). */
  stalledUntil: number;
}

/** Waits `ms`, rejecting at once when `signal` aborts (as a request on a hung connection would). */
function hang(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `base`, but every call first waits out the replica's stall: the request leaves only afterwards. */
function stallableLeaseClient(base: LeaseClient, replica: Replica): LeaseClient {
  const wait = async (signal?: AbortSignal): Promise<void> => {
    for (let left = replica.stalledUntil - performance.now(); left > 0;) {
      await hang(left, signal);
      left = replica.stalledUntil - performance.now();
    }
  };
  return {
    get: async (ns, name, signal) => (await wait(signal), base.get(ns, name, signal)),
    create: async (lease, signal) => (await wait(signal), base.create(lease, signal)),
    replace: async (lease, signal) => (await wait(signal), base.replace(lease, signal)),
  };
}

describe('three Managers on one Lease, randomized stalls, stops and restarts', () => {
  const suite = useTestCluster();

  it('never has two managers believing they lead at once, and someone leads most of the time', async () => {
    const seed = Number(process.env['OPKIT_LE_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`leader election chaos seed: ${seed} (replay with OPKIT_LE_SEED=${seed})`);
    const random = seededRandom(seed);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const intervals: Interval[] = [];
    const unexpected: unknown[] = [];
    const actions: string[] = [];
    const note = (what: string): void =>
      void actions.push(`${Math.round(performance.now() - began)} ${what}`);
    const baseLeaseClient = leaseClientFor(suite.client);
    const began = performance.now();
    const replicas: Replica[] = [0, 1, 2].map((index) => ({
      index,
      generation: 0,
      identity: '',
      running: false,
      stalledUntil: 0,
    }));

    const start = (r: Replica): void => {
      r.generation++;
      const identity = `m${r.index}-${r.generation}`;
      r.identity = identity;
      r.stalledUntil = 0;
      const manager = Manager.create({
        client: suite.client,
        logger: silentLogger(),
        healthProbeBindAddress: '0',
        metricsBindAddress: '0',
        namespaces: ['default'],
        leaderElection: {
          id: 'chaos',
          namespace: 'default',
          identity,
          leaseDurationMs: LEASE_MS,
          renewDeadlineMs: RENEW_MS,
          retryPeriodMs: RETRY_MS,
          leaseClient: stallableLeaseClient(baseLeaseClient, r),
          onStartedLeading: () => void intervals.push({ who: identity, start: performance.now() }),
          onStoppedLeading: () => {
            const open = intervals.find((i) => i.who === identity && i.end === undefined);
            if (open) open.end = performance.now();
          },
        },
      });
      manager.add(controllerFor('v1/ConfigMap').complete(reconcilerFrom(async () => undefined)));
      const stop = new AbortController();
      r.manager = manager;
      r.stop = stop;
      r.running = true;
      r.run = manager.start(stop.signal).then(
        () => 'stopped' as const,
        (err: unknown) => {
          if (!(err instanceof LeaderElectionLostError)) unexpected.push(err);
          return 'lost' as const;
        },
      );
      void r.run.then((how) => {
        if (r.manager === manager) r.running = false;
        note(`${identity} ${how}`);
      });
    };
    const leader = (): Replica | undefined => replicas.find((r) => r.running && r.manager?.isLeader);

    for (const r of replicas) start(r);
    let end = 0;
    try {
      await eventually(() => intervals.length > 0, 'a first leader', 30_000);
      const firstLeader = performance.now();
      while (performance.now() - firstLeader < RUN_MS) {
        await sleepMs(800 + random() * 1_200);
        const now = performance.now();
        const running = replicas.filter((r) => r.running);
        const down = replicas.filter((r) => !r.running);
        const stalled = running.some((r) => r.stalledUntil > now);
        const roll = random();
        if (down.length > 0 && (roll < 0.5 || running.length < 2)) {
          const r = pick(down);
          await r.run;
          start(r);
          note(`restart ${r.identity}`);
        } else if (roll < 0.8 && !stalled) {
          // stall one replica at a time (else nobody could take over), the leader half the time
          const r = random() < 0.5 ? (leader() ?? pick(running)) : pick(running);
          const ms = RENEW_MS + random() * LEASE_MS;
          r.stalledUntil = now + ms;
          note(`stall ${r.identity}${r.manager?.isLeader ? ' (leader)' : ''} ${Math.round(ms)}ms`);
        } else if (roll >= 0.8 && running.length > 1) {
          const r = random() < 0.5 ? (leader() ?? pick(running)) : pick(running);
          r.stop!.abort();
          note(`stop ${r.identity}${r.manager?.isLeader ? ' (leader)' : ''}`);
        }
      }
    } finally {
      end = performance.now();
      for (const r of replicas) {
        r.stalledUntil = 0;
        r.stop?.abort();
      }
      await Promise.all(replicas.map((r) => r.run));
    }
    const report = (): string =>
      `seed ${seed}\nactions: ${actions.join(', ')}\nintervals: ${intervals
        .map((i) => `${i.who} ${Math.round(i.start - began)}..${Math.round((i.end ?? NaN) - began)}`)
        .join(', ')}`;

    expect({ unexpected: unexpected.map(String), seed }).toEqual({ unexpected: [], seed });
    expect({ open: intervals.filter((i) => i.end === undefined).map((i) => i.who), seed }).toEqual({
      open: [],
      seed,
    });
    // no two leadership intervals overlap (touching is fine: one ends before the other starts)
    const overlaps: string[] = [];
    for (const a of intervals)
      for (const b of intervals)
        if (a !== b && a.start <= b.start && b.start < a.end!)
          overlaps.push(`${a.who} [${a.start}, ${a.end}) overlaps ${b.who} from ${b.start}`);
    if (overlaps.length) throw new Error(`${overlaps.join('\n')}\n${report()}`);
    // the schedule made leadership change hands
    expect({ leaderships: intervals.length >= 2, seed }).toEqual({ leaderships: true, seed });
    // someone led most of the run (from the first leader until the final stop)
    const from = Math.min(...intervals.map((i) => i.start));
    const led = intervals.reduce((sum, i) => sum + (Math.min(i.end!, end) - Math.max(i.start, from)), 0);
    const share = led / (end - from);
    console.log(`led ${(share * 100).toFixed(0)}% of the run\n${report()}`);
    expect({ share: share > 0.5, seed }).toEqual({ share: true, seed });
  }, 120_000);
});
