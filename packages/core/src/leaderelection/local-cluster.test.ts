/**
 * Leader election against a real API server (@opkit/local-cluster): three candidates on one Lease.
 * Real time with short durations (lease 2 s, renew deadline 1.5 s, retry 0.3 s).
 */
import { describe, it, expect } from '@jest/globals';
import { LeaderElector, LeaseLock, leaseClientFor, type LeaseClient } from './index.js';
import { sleepMs, useTestCluster } from '../__tests__/local-cluster.js';

const LEASE_MS = 2_000;
const RENEW_MS = 1_500;
const RETRY_MS = 300;
const MAX_POLL_MS = RETRY_MS * 2.2; // jittered retry

interface Interval {
  id: string;
  start: number;
  end?: number;
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
    for (const id of ids) {
      // a crashed candidate's requests never reach the server, as if its process were gone
      const dead = (): never => {
        throw new Error(`${id} crashed`);
      };
      const lc: LeaseClient = {
        get: (ns, n, s) => (crashed.has(id) ? dead() : base.get(ns, n, s)),
        create: (l, s) => (crashed.has(id) ? dead() : base.create(l, s)),
        replace: (l, s) => (crashed.has(id) ? dead() : base.replace(l, s)),
      };
      const elector = new LeaderElector({
        lock: new LeaseLock({ namespace: 'default', name: 'opkit-le-test', identity: id, client: lc }),
        leaseDurationMs: LEASE_MS,
        renewDeadlineMs: RENEW_MS,
        retryPeriodMs: RETRY_MS,
        onStartedLeading: () => void intervals.push({ id, start: Date.now() }),
        onStoppedLeading: () => {
          const open = intervals.find((i) => i.id === id && i.end === undefined);
          if (open && open.end === undefined) open.end = Date.now();
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

      // release → takeover within one (jittered) retry period
      stops.get(first.id)!.abort();
      const releasedAt = Date.now();
      const second = await waitFor(() => open().find((i) => i.id !== first.id), 5_000, 'a second leader');
      expect(second.id).not.toBe(first.id);
      expect(second.start - releasedAt).toBeLessThan(MAX_POLL_MS + 250);

      // crash (no release) → takeover only after the lease expires on the followers' clocks
      crashed.add(second.id);
      const crashedAt = Date.now();
      second.end = crashedAt; // a dead process leads no more
      const third = await waitFor(() => open().find((i) => i.id !== second.id), 10_000, 'a third leader');
      expect(third.id).not.toBe(second.id);
      expect(third.id).not.toBe(first.id);
      expect(third.start - crashedAt).toBeGreaterThanOrEqual(LEASE_MS - RETRY_MS - 100);
      expect(third.start - crashedAt).toBeLessThan(LEASE_MS + 2 * MAX_POLL_MS + 500);
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
