import { describe, it, expect } from '@jest/globals';
import { Registry } from 'prom-client';
import { FakeClock } from '../clock/index.js';
import { LeaderElector, LeaseLock, formatMicroTime, type LeaderElectorOptions } from './index.js';
import { FakeLeaseStore } from './__tests__/fake-lease-store.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Interval {
  id: string;
  start: number;
  end?: number;
}

/** Candidates over one fake Lease on one fake clock, recording leadership intervals. */
function cluster(ids: string[], opts: Partial<LeaderElectorOptions> = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const store = new FakeLeaseStore();
  const intervals: Interval[] = [];
  const leaders: Record<string, string[]> = {};
  const electors = new Map<string, LeaderElector>();
  const stops = new Map<string, AbortController>();
  const runs = new Map<string, Promise<void>>();
  for (const id of ids) {
    leaders[id] = [];
    const elector = new LeaderElector({
      lock: new LeaseLock({ namespace: 'ns', name: 'lock', identity: id, client: store.clientFor(id) }),
      clock,
      random: () => 0,
      onStartedLeading: () => void intervals.push({ id, start: clock.now() }),
      onStoppedLeading: () => {
        const open = intervals.find((i) => i.id === id && i.end === undefined);
        if (open) open.end = clock.now();
      },
      onNewLeader: (l) => leaders[id]!.push(l),
      ...opts,
    });
    electors.set(id, elector);
  }
  const start = (id: string): void => {
    const stop = new AbortController();
    stops.set(id, stop);
    runs.set(id, electors.get(id)!.run(stop.signal));
  };
  const leading = (): string[] => [...electors.values()].filter((e) => e.isLeader()).map((e) => e.identity);
  const openIntervals = (): Interval[] => intervals.filter((i) => i.end === undefined);
  const assertNoOverlap = (): void => {
    const sorted = [...intervals].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i - 1]!.end ?? Infinity).toBeLessThanOrEqual(sorted[i]!.start);
  };
  return {
    clock,
    store,
    intervals,
    leaders,
    electors,
    stops,
    runs,
    start,
    leading,
    openIntervals,
    assertNoOverlap,
  };
}

describe('LeaderElector validation', () => {
  const lock = new LeaseLock({
    namespace: 'ns',
    name: 'l',
    identity: 'a',
    client: new FakeLeaseStore().clientFor('a'),
  });
  it('requires leaseDuration > renewDeadline > 1.2 × retryPeriod', () => {
    expect(() => new LeaderElector({ lock })).not.toThrow();
    expect(() => new LeaderElector({ lock, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(
      'leaseDuration must be greater than renewDeadline',
    );
    expect(() => new LeaderElector({ lock, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 })).toThrow(
      'renewDeadline must be greater than retryPeriod*JitterFactor',
    );
    expect(() => new LeaderElector({ lock, retryPeriodMs: 0 })).toThrow(
      'retryPeriod must be greater than zero',
    );
    expect(
      () =>
        new LeaseLock({
          namespace: 'ns',
          name: 'l',
          identity: '',
          client: new FakeLeaseStore().clientFor(''),
        }),
    ).toThrow('Lock identity is empty');
  });
});

describe('LeaderElector on a fake Lease', () => {
  it('creates the Lease and leads; renews keep acquireTime and transitions', async () => {
    const registry = new Registry();
    const c = cluster(['a'], { metricsRegistry: registry, name: 'my-lock' });
    c.start('a');
    await flush();
    await flush();
    expect(c.leading()).toEqual(['a']);
    const first = c.store.current()!;
    expect(first.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(first.spec!.acquireTime).toBe(formatMicroTime(c.clock.now()));
    expect(first.spec!.acquireTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const gauge = await registry.getSingleMetric('leader_election_master_status')!.get();
    expect(gauge.values).toEqual([{ labels: { name: 'my-lock' }, value: 1 }]);

    await c.clock.advanceAsync(2_000);
    const renewed = c.store.current()!;
    expect(renewed.spec!.acquireTime).toBe(first.spec!.acquireTime);
    expect(renewed.spec!.renewTime).not.toBe(first.spec!.renewTime);
    expect(renewed.spec!.leaseTransitions).toBe(0);
    // create, the immediate first renewal (client-go's PollImmediate), the renewal at +2 s
    expect(c.store.writes).toHaveLength(3);
    await c.clock.advanceAsync(20_000);
    expect(c.store.writes).toHaveLength(13);
    expect(c.leaders['a']).toEqual(['a']);

    c.stops.get('a')!.abort();
    await c.runs.get('a');
    expect((await registry.getSingleMetric('leader_election_master_status')!.get()).values[0]!.value).toBe(0);
  });

  it('elects exactly one of three; release hands over within one retry period', async () => {
    const c = cluster(['a', 'b', 'c']);
    for (const id of ['a', 'b', 'c']) c.start(id);
    await c.clock.advanceAsync(0);
    expect(c.leading()).toEqual(['a']);
    await c.clock.advanceAsync(30_000);
    expect(c.leading()).toEqual(['a']);
    expect(c.openIntervals().map((i) => i.id)).toEqual(['a']);
    expect(c.leaders['b']).toEqual(['a']);

    const releasedAt = c.clock.now();
    c.stops.get('a')!.abort();
    await c.runs.get('a');
    expect(c.store.current()!.spec).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      leaseTransitions: 0,
    });
    await c.clock.advanceAsync(2_000);
    const next = c.openIntervals();
    expect(next).toHaveLength(1);
    expect(next[0]!.start - releasedAt).toBeLessThanOrEqual(2_000);
    expect(c.store.current()!.spec).toMatchObject({
      holderIdentity: next[0]!.id,
      leaseTransitions: 1,
      leaseDurationSeconds: 15,
    });
    c.assertNoOverlap();
    for (const s of c.stops.values()) s.abort();
    await Promise.all(c.runs.values());
  });

  it('a hung leader stops leading after renewDeadline; others wait for leaseDuration on their own clock', async () => {
    const c = cluster(['a', 'b']);
    c.start('a');
    await c.clock.advanceAsync(0);
    c.start('b');
    await c.clock.advanceAsync(0);
    expect(c.leading()).toEqual(['a']);
    await c.clock.advanceAsync(1_000); // a renews at +2 s relative to its start
    c.store.partitioned.add('a');
    const cutAt = c.clock.now();
    const lastRenew = Date.parse(c.store.current()!.spec!.renewTime!);
    await c.clock.advanceAsync(11_000);
    const aInterval = c.intervals.find((i) => i.id === 'a')!;
    expect(aInterval.end).toBeDefined();
    // the first failed renewal is ≤ 1 retry period after the cut, then renewDeadline runs out
    expect(aInterval.end! - cutAt).toBeLessThanOrEqual(2_000 + 10_000);
    expect(c.electors.get('b')!.isLeader()).toBe(false);
    await c.clock.advanceAsync(10_000);
    const bInterval = c.intervals.find((i) => i.id === 'b')!;
    // b saw a's last renewal within one poll and then waited a full leaseDuration after seeing it
    expect(bInterval.start).toBeGreaterThanOrEqual(lastRenew + 15_000);
    expect(bInterval.start).toBeLessThanOrEqual(lastRenew + 15_000 + 2 * 2_000);
    expect(bInterval.start).toBeGreaterThan(aInterval.end!);
    expect(c.store.current()!.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    c.assertNoOverlap();
    await c.runs.get('a');
    c.stops.get('b')!.abort();
    await c.runs.get('b');
  });

  it('judges expiry by local observation, not by the holder renewTime (clock offsets)', async () => {
    const c = cluster(['b']);
    // a holder whose clock is an hour behind wrote a renewTime that looks ancient
    c.store.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'lock', namespace: 'ns' },
      spec: {
        holderIdentity: 'skewed',
        leaseDurationSeconds: 15,
        renewTime: formatMicroTime(c.clock.now() - 3_600_000),
        leaseTransitions: 4,
      },
    });
    c.start('b');
    await c.clock.advanceAsync(14_000);
    expect(c.electors.get('b')!.isLeader()).toBe(false);
    expect(c.leaders['b']).toEqual(['skewed']);
    await c.clock.advanceAsync(4_400);
    expect(c.electors.get('b')!.isLeader()).toBe(true);
    expect(c.store.current()!.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 5 });
    c.stops.get('b')!.abort();
    await c.runs.get('b');
  });

  it('keeps a leader whose record others keep seeing change', async () => {
    const c = cluster(['a', 'b']);
    c.start('a');
    await c.clock.advanceAsync(0);
    c.start('b');
    await c.clock.advanceAsync(120_000);
    expect(c.leading()).toEqual(['a']);
    expect(c.intervals).toHaveLength(1);
    for (const s of c.stops.values()) s.abort();
    await Promise.all(c.runs.values());
  });

  it('jitters acquisition retries by up to 1.2 × retryPeriod', async () => {
    const c = cluster(['a', 'b'], { random: () => 0.5 });
    c.start('a');
    await c.clock.advanceAsync(0);
    const gets: number[] = [];
    const lock = new LeaseLock({
      namespace: 'ns',
      name: 'lock',
      identity: 'b',
      client: c.store.clientFor('b'),
    });
    const spy = new Proxy(lock, {
      get(target, prop, receiver) {
        if (prop === 'get') return (s?: AbortSignal) => (gets.push(c.clock.now()), target.get(s));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const b = new LeaderElector({ lock: spy, clock: c.clock, random: () => 0.5 });
    const stop = new AbortController();
    const run = b.run(stop.signal);
    await c.clock.advanceAsync(10_000);
    expect(gets.slice(0, 3).map((t, i, a) => (i ? t - a[i - 1]! : 0))).toEqual([0, 3_200, 3_200]);
    stop.abort();
    c.stops.get('a')!.abort();
    await Promise.all([run, c.runs.get('a')]);
  });

  it('stops leading when the signal to onStartedLeading is honoured, and awaits the work before release', async () => {
    const order: string[] = [];
    const c = cluster(['a'], {
      onStartedLeading: (signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => {
            order.push('work aborted');
            setImmediate(() => {
              order.push('work done');
              resolve();
            });
          }),
        ),
      onStoppedLeading: () => order.push('stopped'),
    });
    c.start('a');
    await c.clock.advanceAsync(0);
    c.stops.get('a')!.abort();
    await c.runs.get('a');
    order.push(`holder=${c.store.current()!.spec!.holderIdentity}`);
    expect(order).toEqual(['work aborted', 'work done', 'stopped', 'holder=']);
  });
});

describe('LeaderElector stopped while a lease write is in flight', () => {
  it('lets a renewal the server already applied finish, then releases the Lease', async () => {
    const c = cluster(['a']);
    c.start('a');
    await c.clock.advanceAsync(0);
    expect(c.leading()).toEqual(['a']);
    const held = c.store.holdNextWriteReply();
    await c.clock.advanceAsync(2_000); // the next renewal reaches the server...
    await held.applied;
    c.stops.get('a')!.abort(); // ...and the stop comes before its answer
    held.open();
    await c.runs.get('a');
    expect(c.store.current()!.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
  });

  it('hands back a Lease whose acquiring write the server applied as the stop came', async () => {
    const c = cluster(['a']);
    const held = c.store.holdNextWriteReply();
    c.start('a');
    await held.applied;
    c.stops.get('a')!.abort();
    held.open();
    await c.runs.get('a');
    expect(c.store.current()!.spec!.holderIdentity).toBe('');
    expect(c.intervals).toEqual([]);
  });

  it('releases with a fresh read when the Lease changed behind its back (stale resourceVersion)', async () => {
    const c = cluster(['a']);
    c.start('a');
    await c.clock.advanceAsync(0);
    c.store.put(c.store.current()!); // same record, new resourceVersion
    c.stops.get('a')!.abort();
    await c.runs.get('a');
    expect(c.store.current()!.spec).toMatchObject({ holderIdentity: '', leaseTransitions: 0 });
  });

  it('does not clear a Lease another candidate holds by the time it releases', async () => {
    const c = cluster(['a']);
    c.start('a');
    await c.clock.advanceAsync(0);
    const cur = c.store.current()!;
    c.store.put({ ...cur, spec: { ...cur.spec, holderIdentity: 'x', leaseTransitions: 1 } });
    c.stops.get('a')!.abort();
    await c.runs.get('a');
    expect(c.store.current()!.spec).toMatchObject({ holderIdentity: 'x', leaseTransitions: 1 });
    expect(c.electors.get('a')!.getLeader()).toBe('x');
  });
});
