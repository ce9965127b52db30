import { describe, expect, it } from '@jest/globals';
import { FakeClusterClient, type ClusterClient, type KubeObject } from '../client/index.js';
import { RecordedEvents } from './events.js';
import { RunbookEngine, operationOf } from './engine.js';
import { runbookMetrics } from './metrics.js';
import type { Runbook } from './types.js';
import { Registry } from 'prom-client';

/** A toy database: announcing a member twice is a broken rule; members turn ready 1 s after announcement. */
class World {
  readonly announced = new Map<number, number>();
  readonly touched = new Set<number>();
  readonly violations: string[] = [];
  readonly log: string[] = [];
  now = 0;
  announce(n: number): void {
    if (this.announced.has(n)) this.violations.push(`member ${n} announced twice`);
    this.announced.set(n, this.now);
    this.log.push(`announce ${n}`);
  }
  ready(n: number): boolean {
    const at = this.announced.get(n);
    return at !== undefined && this.now - at >= 1000;
  }
  touch(n: number): void {
    if (this.touched.has(n)) this.violations.push(`member ${n} touched twice`);
    this.touched.add(n);
    this.log.push(`touch ${n}`);
  }
}

interface Ctx {
  world: World;
  desired: number;
}

const grow: Runbook<Ctx> = {
  kind: 'Grow',
  wanted: (op, ctx) => ctx.desired >= Number(op.to),
  steps: [
    {
      name: 'Announce',
      interruptible: true,
      applied: (ctx) => ctx.context.world.announced.has(Number(ctx.operation.to)),
      action: async (ctx) => ctx.context.world.announce(Number(ctx.operation.to)),
      complete: (ctx) => ctx.context.world.announced.has(Number(ctx.operation.to)),
    },
    {
      name: 'WaitReady',
      timeoutMs: 5000,
      complete: (ctx) =>
        ctx.context.world.ready(Number(ctx.operation.to))
          ? true
          : { ok: false, reason: 'NotReady', message: 'member not ready' },
    },
    {
      name: 'TouchAll',
      interruptible: true,
      members: (ctx) => Array.from({ length: Number(ctx.operation.to) + 1 }, (_, i) => i),
      applied: (ctx) => ctx.context.world.touched.has(ctx.ordinal!),
      action: async (ctx) => ctx.context.world.touch(ctx.ordinal!),
      complete: (ctx) => ctx.context.world.touched.has(ctx.ordinal!),
    },
  ],
};

const REF = { apiVersion: 'test.opkit.dev/v1', kind: 'Db', namespace: 'ns', name: 'db' };

class Crash extends Error {}

/** A client that "kills the operator" at its n-th write. */
function crashingClient(inner: ClusterClient, state: { writes: number; crashAt: number }): ClusterClient {
  const write =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      state.writes++;
      if (state.writes === state.crashAt) throw new Crash(`killed at write ${state.writes}`);
      return fn(...args);
    };
  return {
    get: (r) => inner.get(r),
    list: (k, n, l) => inner.list(k, n, l),
    apply: write((o: KubeObject, opts: Parameters<ClusterClient['apply']>[1]) => inner.apply(o, opts)),
    patch: write(
      (
        r: Parameters<ClusterClient['patch']>[0],
        p: Record<string, unknown>,
        o?: Parameters<ClusterClient['patch']>[2],
      ) => inner.patch(r, p, o),
    ),
    create: write((o: KubeObject) => inner.create(o)),
    delete: write((r: Parameters<ClusterClient['delete']>[0], o?: Parameters<ClusterClient['delete']>[1]) =>
      inner.delete(r, o),
    ),
  };
}

async function setup(): Promise<{ fake: FakeClusterClient; world: World }> {
  const fake = new FakeClusterClient();
  await fake.create({ ...REF, metadata: { name: 'db', namespace: 'ns' }, spec: { size: 2 } });
  return { fake, world: new World() };
}

/** Runs reconciles until idle, restarting the "operator" (a new engine) after every crash. */
async function converge(
  fake: FakeClusterClient,
  world: World,
  ctx: Ctx,
  crashAt = 0,
  events = new RecordedEvents(),
): Promise<{ crashes: number; reconciles: number }> {
  const state = { writes: 0, crashAt };
  const client = crashingClient(fake, state);
  const clock = { now: () => world.now };
  let engine = new RunbookEngine({ client, clock, events, pollIntervalMs: 100 });
  let crashes = 0;
  for (let i = 0; i < 200; i++) {
    const object = (await fake.get(REF))!;
    try {
      const out = await engine.reconcile({
        object,
        runbooks: [grow],
        context: ctx,
        plan: (c) =>
          c.desired > 1 && !world.announced.has(2) ? { kind: 'Grow', from: 1, to: 2 } : undefined,
      });
      if (out.idle) return { crashes, reconciles: i };
      world.now += out.result.requeueAfter ?? 0;
    } catch (e) {
      if (!(e instanceof Crash)) throw e;
      crashes++;
      engine = new RunbookEngine({ client, clock, events, pollIntervalMs: 100 });
    }
  }
  throw new Error('did not converge');
}

describe('RunbookEngine', () => {
  it('runs the steps in order, one action per reconcile, and clears the operation', async () => {
    const { fake, world } = await setup();
    const events = new RecordedEvents();
    await converge(fake, world, { world, desired: 2 }, 0, events);
    expect(world.log).toEqual(['announce 2', 'touch 0', 'touch 1', 'touch 2']);
    expect(world.violations).toEqual([]);
    const cr = (await fake.get(REF))!;
    expect(operationOf(cr)).toBeUndefined();
    expect(events.events.map((e) => e.reason)).toEqual(
      expect.arrayContaining([
        'OperationStarted',
        'StepAnnounce',
        'StepCompleted',
        'StepTouchAll',
        'MemberStepCompleted',
        'OperationCompleted',
      ]),
    );
    const conditions = (cr.status as { conditions: { type: string; status: string }[] }).conditions;
    expect(conditions.find((c) => c.type === 'Progressing')?.status).toBe('False');
  });

  it('persists the operation: kind, from/to, step, phase, ordinal, done, attempts', async () => {
    const { fake, world } = await setup();
    const engine = new RunbookEngine({ client: fake, clock: { now: () => world.now }, pollIntervalMs: 100 });
    const ctx = { world, desired: 2 };
    const run = async () =>
      engine.reconcile({
        object: (await fake.get(REF))!,
        runbooks: [grow],
        context: ctx,
        plan: () => ({ kind: 'Grow', from: 1, to: 2 }),
      });
    await run(); // start
    await run(); // announce
    let op = operationOf((await fake.get(REF))!)!;
    expect(op).toMatchObject({
      kind: 'Grow',
      from: 1,
      to: 2,
      step: 'Announce',
      stepIndex: 0,
      phase: 'Waiting',
      attempts: 1,
      acted: true,
    });
    await run(); // Announce complete → WaitReady
    await run(); // waiting
    op = operationOf((await fake.get(REF))!)!;
    expect(op).toMatchObject({ step: 'WaitReady', phase: 'Pending', message: 'waiting: member not ready' });
    world.now += 1000;
    await run(); // → TouchAll
    await run(); // touch 0
    op = operationOf((await fake.get(REF))!)!;
    expect(op).toMatchObject({ step: 'TouchAll', ordinal: 0, phase: 'Waiting', done: [] });
    await run(); // member 0 done
    op = operationOf((await fake.get(REF))!)!;
    expect(op.done).toEqual([0]);
    expect(op.ordinal).toBeUndefined();
  });

  it('converges with no rule broken when killed at every write', async () => {
    const { fake: reference, world: referenceWorld } = await setup();
    await converge(reference, referenceWorld, { world: referenceWorld, desired: 2 });
    const totalWrites = reference.writes.length - 1; // the first is setup's create
    expect(totalWrites).toBeGreaterThan(8);
    for (let crashAt = 1; crashAt <= totalWrites; crashAt++) {
      const { fake, world } = await setup();
      const { crashes } = await converge(fake, world, { world, desired: 2 }, crashAt);
      expect({ crashAt, crashes }).toEqual({ crashAt, crashes: 1 });
      expect({ crashAt, violations: world.violations, log: world.log }).toEqual({
        crashAt,
        violations: [],
        log: ['announce 2', 'touch 0', 'touch 1', 'touch 2'],
      });
      expect(operationOf((await fake.get(REF))!)).toBeUndefined();
    }
  });

  it('never repeats an action whose effect is visible even when the crash hit between action and record', async () => {
    const { fake, world } = await setup();
    // crash exactly at the write after the Announce action (Acting persisted = write 2, Waiting = write 3)
    await converge(fake, world, { world, desired: 2 }, 3);
    expect(world.log.filter((l) => l === 'announce 2')).toHaveLength(1);
    expect(world.violations).toEqual([]);
  });

  it('raises Degraded with the reason when a step overruns its timeout, and clears it on completion', async () => {
    const { fake, world } = await setup();
    const events = new RecordedEvents();
    const engine = new RunbookEngine({
      client: fake,
      clock: { now: () => world.now },
      events,
      pollIntervalMs: 100,
    });
    const slow: Runbook<Ctx> = {
      kind: 'Grow',
      steps: [
        {
          name: 'WaitForever',
          timeoutMs: 1000,
          complete: (c) =>
            c.context.world.touched.has(9) ? true : { ok: false, reason: 'Stuck', message: 'still stuck' },
        },
      ],
    };
    const run = async () =>
      engine.reconcile({
        object: (await fake.get(REF))!,
        runbooks: [slow],
        context: { world, desired: 2 },
        plan: () => ({ kind: 'Grow' }),
      });
    await run();
    await run();
    world.now += 1500;
    await run();
    let cr = (await fake.get(REF))!;
    const degraded = () =>
      (
        cr.status as { conditions: { type: string; status: string; reason: string; message: string }[] }
      ).conditions.find((c) => c.type === 'Degraded');
    expect(degraded()).toMatchObject({ status: 'True', reason: 'StepTimedOut' });
    expect(degraded()!.message).toContain('WaitForever');
    expect(degraded()!.message).toContain('still stuck');
    expect(events.events.filter((e) => e.reason === 'StepTimedOut')).toHaveLength(1);
    await run(); // no second event for the same overrun
    expect(events.events.filter((e) => e.reason === 'StepTimedOut')).toHaveLength(1);
    world.touched.add(9);
    await run();
    cr = (await fake.get(REF))!;
    expect(degraded()).toMatchObject({ status: 'False' });
    expect(operationOf(cr)).toBeUndefined();
  });

  it('drops a superseded operation at a safe point, and finishes an unsafe step first', async () => {
    const { fake, world } = await setup();
    const engine = new RunbookEngine({ client: fake, clock: { now: () => world.now }, pollIntervalMs: 100 });
    const ctx = { world, desired: 2 };
    const run = async () =>
      engine.reconcile({
        object: (await fake.get(REF))!,
        runbooks: [grow],
        context: ctx,
        plan: () => (ctx.desired > 1 ? { kind: 'Grow', from: 1, to: 2 } : undefined),
      });
    await run(); // started, nothing acted
    ctx.desired = 1;
    await run();
    expect(operationOf((await fake.get(REF))!)).toBeUndefined();
    expect(world.log).toEqual([]);
    // now supersede while waiting in the non-interruptible WaitReady step: it must finish first
    ctx.desired = 2;
    await run();
    await run(); // announce
    await run(); // → WaitReady
    ctx.desired = 1;
    await run();
    expect(operationOf((await fake.get(REF))!)?.step).toBe('WaitReady');
    world.now += 1000;
    await run(); // WaitReady completes → TouchAll (interruptible, Pending): safe point
    await run();
    expect(operationOf((await fake.get(REF))!)).toBeUndefined();
    expect(world.log).toEqual(['announce 2']);
  });

  it('previews the plan without acting', async () => {
    const { fake, world } = await setup();
    const engine = new RunbookEngine({ client: fake, clock: { now: () => world.now } });
    const preview = await engine.preview({
      object: (await fake.get(REF))!,
      runbooks: [grow],
      context: { world, desired: 2 },
      plan: () => ({ kind: 'Grow', from: 1, to: 2 }),
    });
    expect(preview?.steps).toEqual([
      { name: 'Announce', state: 'Pending' },
      { name: 'WaitReady', state: 'Pending' },
      { name: 'TouchAll', state: 'Pending', members: [0, 1, 2] },
    ]);
    expect(fake.writes.filter((w) => w.startsWith('patch'))).toEqual([]);
    expect(world.log).toEqual([]);
  });

  it('retries a failing action with backoff and counts attempts and metrics', async () => {
    const { fake, world } = await setup();
    const registry = new Registry();
    const engine = new RunbookEngine({
      client: fake,
      clock: { now: () => world.now },
      pollIntervalMs: 100,
      metrics: runbookMetrics(registry),
    });
    let failures = 2;
    const flaky: Runbook<Ctx> = {
      kind: 'Flaky',
      steps: [
        {
          name: 'Try',
          action: async () => {
            if (failures-- > 0) throw new Error('not yet');
          },
          applied: () => failures < 0,
          complete: () => failures < 0,
        },
      ],
    };
    const run = async () =>
      engine.reconcile({
        object: (await fake.get(REF))!,
        runbooks: [flaky],
        context: { world, desired: 2 },
        plan: () => ({ kind: 'Flaky' }),
      });
    await run();
    const first = await run();
    expect(first.result.requeueAfter).toBe(100);
    expect(operationOf(first.object)).toMatchObject({
      attempts: 1,
      phase: 'Pending',
      message: 'action failed: not yet',
    });
    const second = await run();
    expect(second.result.requeueAfter).toBe(200);
    await run(); // succeeds
    await run(); // completes
    expect(operationOf((await fake.get(REF))!)).toBeUndefined();
    const text = await registry.metrics();
    expect(text).toContain('opkit_runbook_steps_total{runbook="Flaky",step="Try",outcome="failed"} 2');
    expect(text).toContain('opkit_runbook_operations_total{runbook="Flaky",outcome="completed"} 1');
  });

  it('refuses to advance on a stale read (conditional status writes)', async () => {
    const { fake, world } = await setup();
    const engine = new RunbookEngine({ client: fake, clock: { now: () => world.now } });
    const stale = (await fake.get(REF))!;
    await fake.patch(REF, { metadata: { labels: { touched: 'yes' } } });
    await expect(
      engine.reconcile({
        object: stale,
        runbooks: [grow],
        context: { world, desired: 2 },
        plan: () => ({ kind: 'Grow', from: 1, to: 2 }),
      }),
    ).rejects.toThrow(/changed meanwhile/);
  });
});
