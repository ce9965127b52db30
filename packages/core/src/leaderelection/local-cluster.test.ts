/**
 * Leader election against a real API server (@opkit/local-cluster): three candidates on one Lease.
 * Real time with short durations (lease 2 s, renew deadline 1.5 s, retry 0.3 s).
 *
 * Hand-over speed is judged in retry ticks, from each candidate's own log of Lease calls, not by
 * wall-clock gaps: on a loaded machine timers fire late, so "within N ms" would be a race, while
 * "at the first tick that could see it" holds however slow the machine is.
 */
import { describe, it, expect } from '@jest/globals';
import { LeaderElector, LeaseLock, leaseClientFor, type Lease, type LeaseClient } from './index.js';
import { sleepMs, useTestCluster } from '../__tests__/local-cluster.js';

const LEASE_MS = 2_000;
const RENEW_MS = 1_500;
const RETRY_MS = 300;

interface Interval {
  id: string;
  start: number;
  end?: number;
}

/** One Lease call of a candidate, timed on the monotonic clock. */
interface LeaseCall {
  op: 'get' | 'create' | 'replace';
  start: number;
  end: number;
  /** What a successful write sent. */
  sent?: Lease;
  /** What a successful call returned. */
  result?: Lease;
}

/** Records every call `client` makes, in order (a candidate's calls are sequential). */
function loggedLeaseClient(client: LeaseClient, log: LeaseCall[]): LeaseClient {
  const record = async <T extends Lease | undefined>(
    op: LeaseCall['op'],
    call: () => Promise<T>,
    sent?: Lease,
  ): Promise<T> => {
    const start = performance.now();
    try {
      const result = await call();
      log.push({ op, start, end: performance.now(), sent, result });
      return result;
    } catch (err) {
      log.push({ op, start, end: performance.now() });
      throw err;
    }
  };
  return {
    get: (ns, n, s) => record('get', () => client.get(ns, n, s)),
    create: (l, s) => record('create', () => client.create(l, s), l),
    replace: (l, s) => record('replace', () => client.replace(l, s), l),
  };
}

const rv = (call: LeaseCall | undefined): string | undefined => call?.result?.metadata.resourceVersion;

/**
 * The retry ticks (reads) of a candidate up to its successful takeover write, and that write.
 * While campaigning, each acquire attempt reads the Lease once.
 */
function ticksUntilTakeover(log: LeaseCall[], id: string): { ticks: LeaseCall[]; takeover: LeaseCall } {
  const at = log.findIndex((c) => c.op === 'replace' && c.result?.spec?.holderIdentity === id);
  expect(at).toBeGreaterThan(0);
  return { ticks: log.slice(0, at).filter((c) => c.op === 'get' && c.result), takeover: log[at]! };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleepMs(20);
  }
}

describe('LeaderElector on a LocalCluster Lease', () => {
  const suite = useTestCluster();

  it('one leader of three; release hands over fast; a crash hands over after expiry; no overlap', async () => {
    const intervals: Interval[] = [];
    const crashed = new Set<string>();
    const ids = ['a', 'b', 'c'];
    const stops = new Map<string, AbortController>();
    const runs: Promise<void>[] = [];
    const electors = new Map<string, LeaderElector>();
    const base = leaseClientFor(suite.client);
    const calls = new Map<string, LeaseCall[]>();
    for (const id of ids) {
      // a crashed candidate's requests never reach the server, as if its process were gone
      const dead = (): never => {
        throw new Error(`${id} crashed`);
      };
      const log: LeaseCall[] = [];
      calls.set(id, log);
      const lc = loggedLeaseClient(
        {
          get: (ns, n, s) => (crashed.has(id) ? dead() : base.get(ns, n, s)),
          create: (l, s) => (crashed.has(id) ? dead() : base.create(l, s)),
          replace: (l, s) => (crashed.has(id) ? dead() : base.replace(l, s)),
        },
        log,
      );
      const elector = new LeaderElector({
        lock: new LeaseLock({ namespace: 'default', name: 'opkit-le-test', identity: id, client: lc }),
        leaseDurationMs: LEASE_MS,
        renewDeadlineMs: RENEW_MS,
        retryPeriodMs: RETRY_MS,
        onStartedLeading: () => void intervals.push({ id, start: performance.now() }),
        onStoppedLeading: () => {
          const open = intervals.find((i) => i.id === id && i.end === undefined);
          if (open && open.end === undefined) open.end = performance.now();
        },
      });
      electors.set(id, elector);
      const stop = new AbortController();
      stops.set(id, stop);
      runs.push(elector.run(stop.signal));
    }
    const open = (): Interval[] => intervals.filter((i) => i.end === undefined);
    try {
      // exactly one leads
      const first = await waitFor(() => open()[0], 5_000, 'a first leader');
      await sleepMs(4 * RETRY_MS);
      expect(open()).toHaveLength(1);
      expect(intervals).toHaveLength(1);
      const lease = await base.get('default', 'opkit-le-test');
      expect(lease?.spec).toMatchObject({ holderIdentity: first.id, leaseDurationSeconds: 2 });

      // release → the lease is taken over at the successor's first retry tick after the release
      stops.get(first.id)!.abort();
      const second = await waitFor(() => open().find((i) => i.id !== first.id), 5_000, 'a second leader');
      expect(second.id).not.toBe(first.id);
      const release = calls
        .get(first.id)!
        .find((c) => c.op === 'replace' && c.sent?.spec?.holderIdentity === '' && c.result);
      expect(release?.result?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
      {
        const { ticks, takeover } = ticksUntilTakeover(calls.get(second.id)!, second.id);
        const acquiring = ticks.at(-1)!;
        // the takeover write is based on the released Lease, read by the tick just before it...
        expect(rv(acquiring)).toBe(rv(release));
        expect(takeover.sent?.metadata.resourceVersion).toBe(rv(release));
        // ...which is the first tick that saw the release (no tick saw it and waited)...
        expect(ticks.filter((t) => rv(t) === rv(release))).toEqual([acquiring]);
        // ...and no tick begun after the release had completed came before it
        const firstTickAfterRelease = ticks.find((t) => t.start >= release!.end);
        expect(firstTickAfterRelease ?? acquiring).toBe(acquiring);
      }

      // crash (no release) → takeover only once the lease expired on the successor's own clock,
      // at its first retry tick after that
      const secondCalls = calls.get(second.id)!;
      const crashedAt = performance.now();
      crashed.add(second.id);
      second.end = crashedAt; // a dead process leads no more
      const third = await waitFor(() => open().find((i) => i.id !== second.id), 10_000, 'a third leader');
      expect(third.id).not.toBe(second.id);
      expect(third.id).not.toBe(first.id);
      {
        const lastRenewal = secondCalls.filter((c) => c.op === 'replace' && c.result).at(-1);
        expect(lastRenewal?.result?.spec?.holderIdentity).toBe(second.id);
        const { ticks, takeover } = ticksUntilTakeover(calls.get(third.id)!, third.id);
        const acquiring = ticks.at(-1)!;
        expect(rv(acquiring)).toBe(rv(lastRenewal));
        expect(takeover.sent?.metadata.resourceVersion).toBe(rv(lastRenewal));
        // the follower's expiry clock starts when it first read the dead leader's last record
        const firstSeen = ticks.find((t) => rv(t) === rv(lastRenewal))!;
        const expiry = firstSeen.end + LEASE_MS;
        expect(acquiring.start).toBeGreaterThanOrEqual(expiry);
        // the first tick clearly after expiry takes over (50 ms: the elector stamps its
        // observation a few microtasks after the logged read returns)
        const firstTickAfterExpiry = ticks.find((t) => t.start >= expiry + 50);
        expect(firstTickAfterExpiry ?? acquiring).toBe(acquiring);
      }
      const after = await base.get('default', 'opkit-le-test');
      expect(after?.spec).toMatchObject({ holderIdentity: third.id, leaseTransitions: 2 });

      // recorded leadership intervals never overlap
      const sorted = [...intervals].sort((x, y) => x.start - y.start);
      for (let i = 1; i < sorted.length; i++)
        expect(sorted[i - 1]!.end ?? Infinity).toBeLessThanOrEqual(sorted[i]!.start);

      for (const s of stops.values()) s.abort();
      await Promise.all(runs);
      const released = await base.get('default', 'opkit-le-test');
      expect(released?.spec?.holderIdentity).toBe('');
    } finally {
      for (const s of stops.values()) s.abort();
      crashed.clear();
      await Promise.all(runs);
    }
  }, 30_000);
});
