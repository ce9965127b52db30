import { describe, it, expect, afterEach } from '@jest/globals';
import { Registry } from 'prom-client';
import type { KubeObject } from '../client/index.js';
import type { EventHandler as InformerEventHandler, HandlerRegistration } from '../cache/index.js';
import { FakeClock } from '../clock/index.js';
import { enqueueRequestForObject, type ObjectEvent } from '../handler/index.js';
import { generationChanged } from '../predicate/index.js';
import {
  TerminalError,
  reconcilerFrom,
  type ReconcileContext,
  type Request,
  type Result,
} from '../reconcile/index.js';
import { Controller, ManualSource, controllerFor, informerSource, type InformerLike } from './index.js';

const obj = (name: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', ...meta },
});
const generic = (name: string): ObjectEvent => ({ type: 'generic', object: obj(name) });

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await flush();
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}
function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

type Behaviour = (req: Request, ctx: ReconcileContext, attempt: number) => Promise<Result | void>;

/** A controller over a ManualSource with a scripted reconciler, recording calls. */
function harness(
  behaviour: Behaviour = async () => undefined,
  opts: {
    maxConcurrentReconciles?: number;
    reconcileTimeoutMs?: number;
    gracefulShutdownTimeoutMs?: number;
  } = {},
) {
  const clock = new FakeClock(1_000_000);
  const registry = new Registry();
  const source = new ManualSource();
  const calls: string[] = [];
  const attempts = new Map<string, number>();
  const reconciler = reconcilerFrom(async (req, ctx) => {
    calls.push(req.name);
    const n = (attempts.get(req.name) ?? 0) + 1;
    attempts.set(req.name, n);
    return behaviour(req, ctx, n);
  });
  const controller = new Controller(reconciler, { name: 'test', clock, metricsRegistry: registry, ...opts });
  controller.watch(source, enqueueRequestForObject());
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  const metric = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
    const m = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return m
      .filter((v) =>
        Object.entries({ controller: 'test', ...labels }).every(([k, val]) => v.labels[k] === val),
      )
      .reduce((s, v) => s + v.value, 0);
  };
  return { clock, registry, source, calls, controller, stop, running, metric };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});
function track(h: ReturnType<typeof harness>): ReturnType<typeof harness> {
  cleanup = async () => {
    h.stop.abort();
    await h.running.catch(() => undefined);
  };
  return h;
}

describe('Controller results', () => {
  it('reconciles each event once and counts success', async () => {
    const h = track(harness());
    h.source.emit(generic('a'));
    await until(() => h.calls.length === 1);
    await flush();
    expect(h.calls).toEqual(['a']);
    expect(await h.metric('controller_runtime_reconcile_total', { result: 'success' })).toBe(1);
    expect(await h.metric('controller_runtime_reconcile_total', { result: 'error' })).toBe(0);
    expect(await h.metric('controller_runtime_max_concurrent_reconciles')).toBe(1);
  });

  it('retries errors with exponential backoff and forgets on success', async () => {
    const h = track(
      harness(async (_r, _c, attempt) => {
        if (attempt <= 2) throw new Error('boom');
      }),
    );
    h.source.emit(generic('a'));
    await until(() => h.calls.length === 1);
    await h.clock.advanceAsync(4);
    expect(h.calls.length).toBe(1);
    await h.clock.advanceAsync(1); // 5 ms
    await until(() => h.calls.length === 2);
    await h.clock.advanceAsync(9);
    expect(h.calls.length).toBe(2);
    await h.clock.advanceAsync(1); // 10 ms
    await until(() => h.calls.length === 3);
    await flush();
    expect(await h.metric('controller_runtime_reconcile_errors_total')).toBe(2);
    expect(await h.metric('controller_runtime_reconcile_total', { result: 'success' })).toBe(1);
    expect(h.controller.queue.numRequeues('ns/a')).toBe(0);
  });

  it('does not retry a TerminalError but counts it', async () => {
    const h = track(
      harness(async () => {
        throw new Error('wrapped', { cause: new TerminalError('bad spec') });
      }),
    );
    h.source.emit(generic('a'));
    await until(() => h.calls.length === 1);
    await h.clock.advanceAsync(60_000);
    expect(h.calls.length).toBe(1);
    expect(await h.metric('controller_runtime_terminal_reconcile_errors_total')).toBe(1);
    expect(await h.metric('controller_runtime_reconcile_errors_total')).toBe(1);
  });

  it('requeues after requeueAfter, and with backoff on requeue', async () => {
    const h = track(
      harness(async (req, _c, attempt) =>
        req.name === 'after'
          ? attempt === 1
            ? { requeueAfter: 30_000 }
            : undefined
          : attempt <= 2
            ? { requeue: true }
            : undefined,
      ),
    );
    h.source.emit(generic('after'));
    h.source.emit(generic('again'));
    await until(() => h.calls.length === 2);
    await h.clock.advanceAsync(5);
    await until(() => h.calls.length === 3);
    expect(h.calls[2]).toBe('again');
    await h.clock.advanceAsync(10);
    await until(() => h.calls.length === 4);
    await h.clock.advanceAsync(29_000);
    expect(h.calls.length).toBe(4);
    await h.clock.advanceAsync(1_000);
    await until(() => h.calls.length === 5);
    expect(h.calls[4]).toBe('after');
    await flush();
    expect(await h.metric('controller_runtime_reconcile_total', { result: 'requeue_after' })).toBe(1);
    expect(await h.metric('controller_runtime_reconcile_total', { result: 'requeue' })).toBe(2);
  });

  it('survives programming errors in reconcilers and handlers, counting panics', async () => {
    const h = track(
      harness(async (req) => {
        if (req.name === 'bug') (undefined as unknown as { x: () => void }).x();
      }),
    );
    h.controller.watch(new ManualSource(), {
      handle: () => {
        throw new Error('handler bug');
      },
    });
    h.source.emit(generic('bug'));
    await until(() => h.calls.length === 1);
    h.source.emit(generic('ok'));
    await until(() => h.calls.length === 2);
    await flush();
    expect(await h.metric('controller_runtime_reconcile_panics_total')).toBe(1);
    expect(await h.metric('controller_runtime_reconcile_total', { result: 'success' })).toBe(1);
  });
});

describe('Controller concurrency', () => {
  it('runs up to maxConcurrentReconciles, never one key twice at once', async () => {
    const gates = new Map<string, Deferred>();
    let running = 0;
    let maxRunning = 0;
    const perKey = new Map<string, number>();
    let overlap = false;
    const h = track(
      harness(
        async (req) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          perKey.set(req.name, (perKey.get(req.name) ?? 0) + 1);
          if (perKey.get(req.name)! > 1) overlap = true;
          const gate = deferred();
          gates.set(req.name, gate);
          await gate.promise;
          perKey.set(req.name, perKey.get(req.name)! - 1);
          running--;
        },
        { maxConcurrentReconciles: 2 },
      ),
    );
    for (const n of ['a', 'b', 'c']) h.source.emit(generic(n));
    await until(() => running === 2);
    expect(await h.metric('controller_runtime_active_workers')).toBe(2);
    h.source.emit(generic('a')); // 'a' is running: held back until done
    await flush();
    expect(h.calls).toEqual(['a', 'b']);
    gates.get('a')!.resolve();
    await until(() => h.calls.length === 3);
    expect(h.calls[2]).toBe('c');
    gates.get('b')!.resolve();
    await until(() => h.calls.length === 4);
    expect(h.calls[3]).toBe('a');
    gates.get('c')!.resolve();
    gates.get('a')!.resolve();
    await until(() => running === 0);
    expect(maxRunning).toBe(2);
    expect(overlap).toBe(false);
  });

  it('aborts a reconcile signal after the timeout and counts it', async () => {
    let reason: unknown;
    const h = track(
      harness(
        (_r, ctx) =>
          new Promise((_res, rej) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              rej(ctx.signal.reason);
            }),
          ),
        { reconcileTimeoutMs: 1000 },
      ),
    );
    h.source.emit(generic('slow'));
    await until(() => h.calls.length === 1);
    await h.clock.advanceAsync(1000);
    await until(() => reason !== undefined);
    await flush();
    expect((reason as Error).name).toBe('ReconcileTimeoutError');
    expect(await h.metric('controller_runtime_reconcile_timeouts_total')).toBe(1);
    expect(await h.metric('controller_runtime_reconcile_errors_total')).toBe(1);
  });
});

describe('Controller shutdown', () => {
  it('stops taking work and waits for running reconciles', async () => {
    const gate = deferred();
    const h = harness(async (req) => {
      if (req.name === 'a') await gate.promise;
    });
    h.source.emit(generic('a'));
    await until(() => h.calls.length === 1);
    h.stop.abort();
    h.source.emit(generic('b'));
    let done = false;
    void h.running.then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    gate.resolve();
    await h.running;
    expect(h.calls).toEqual(['a']);
  });

  it('aborts reconciles still running after the graceful timeout', async () => {
    let aborted = false;
    const h = harness(
      (_r, ctx) => new Promise(() => ctx.signal.addEventListener('abort', () => (aborted = true))),
      { gracefulShutdownTimeoutMs: 5000 },
    );
    h.source.emit(generic('stuck'));
    await until(() => h.calls.length === 1);
    h.stop.abort();
    await h.clock.advanceAsync(5000);
    await h.running;
    expect(aborted).toBe(true);
  });
});

/** A fake shared informer: tests push adds/updates/deletes. */
class FakeInformer implements InformerLike {
  handlers: InformerEventHandler[] = [];
  synced = false;
  started = false;
  addEventHandler(handler: InformerEventHandler): HandlerRegistration {
    this.handlers.push(handler);
    return {
      remove: () => (this.handlers = this.handlers.filter((h) => h !== handler)),
      hasSynced: () => this.synced,
    };
  }
  async waitUntil(cond: () => boolean, opts: { signal?: AbortSignal } = {}): Promise<boolean> {
    while (!cond()) {
      if (opts.signal?.aborted) return false;
      await flush();
    }
    return true;
  }
  start(): void {
    this.started = true;
  }
  add(o: KubeObject, initial = false): void {
    for (const h of this.handlers) void h.onAdd?.(o, initial);
  }
  update(a: KubeObject, b: KubeObject): void {
    for (const h of this.handlers) void h.onUpdate?.(a, b);
  }
}

describe('priorities and sources', () => {
  it('puts initial-list events behind live ones and waits for sync before working', async () => {
    const clock = new FakeClock();
    const informer = new FakeInformer();
    const calls: string[] = [];
    const c = new Controller(
      reconcilerFrom(async (r) => void calls.push(r.name)),
      { name: 'prio', clock },
    );
    c.watch(informerSource(informer), enqueueRequestForObject(), generationChanged());
    const stop = new AbortController();
    const running = c.start(stop.signal);
    await flush();
    expect(informer.started).toBe(true);
    informer.add(obj('old1'), true);
    informer.add(obj('old2'), true);
    informer.add(obj('live'), false);
    informer.update(obj('resync', { generation: 1 }), obj('resync', { generation: 1 })); // filtered out
    await flush();
    expect(calls).toEqual([]); // not synced yet
    informer.synced = true;
    await until(() => calls.length === 3);
    expect(calls).toEqual(['live', 'old1', 'old2']);
    stop.abort();
    await running;
  });

  it('fails start when sources do not sync in time', async () => {
    const clock = new FakeClock();
    const c = new Controller(
      reconcilerFrom(async () => undefined),
      { name: 'nosync', clock, cacheSyncTimeoutMs: 100 },
    );
    c.watch(informerSource(new FakeInformer()), enqueueRequestForObject());
    const outcome = c.start(new AbortController().signal).then(
      () => undefined,
      (err: unknown) => err,
    );
    await flush();
    await clock.advanceAsync(100);
    expect(String(await outcome)).toMatch(/timed out/);
  });
});

describe('controllerFor builder', () => {
  it('wires for/owns/watches through the informer provider', async () => {
    const informers = new Map<string, FakeInformer>();
    const provider = {
      informerFor: (gvk: { group: string; version: string; kind: string }) => {
        const key = `${gvk.group}/${gvk.version}/${gvk.kind}`;
        if (!informers.has(key)) informers.set(key, new FakeInformer());
        return informers.get(key)!;
      },
    };
    const calls: string[] = [];
    const blueprint = controllerFor('apps/v1/Deployment')
      .owns('apps/v1/ReplicaSet')
      .watches('v1/ConfigMap', (cm) => [
        { namespace: cm.metadata.namespace ?? '', name: `from-${cm.metadata.name}` },
      ])
      .withEventFilter((e) => e.type !== 'delete')
      .withOptions({ maxConcurrentReconciles: 3 })
      .complete(reconcilerFrom(async (r) => void calls.push(`${r.namespace}/${r.name}`)));
    expect(blueprint.name).toBe('deployment');
    const c = blueprint.build({ informers: provider, clock: new FakeClock() });
    expect([...informers.keys()].sort()).toEqual([
      '/v1/ConfigMap',
      'apps/v1/Deployment',
      'apps/v1/ReplicaSet',
    ]);
    for (const i of informers.values()) i.synced = true;
    const stop = new AbortController();
    const running = c.start(stop.signal);
    await flush();
    informers.get('apps/v1/Deployment')!.add({ metadata: { name: 'web', namespace: 'ns' } });
    informers.get('apps/v1/ReplicaSet')!.add({
      metadata: {
        name: 'web-1',
        namespace: 'ns',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'owner', uid: 'u', controller: true },
        ],
      },
    });
    informers.get('/v1/ConfigMap')!.add(obj('cfg'));
    await until(() => calls.length === 3);
    expect(calls.sort()).toEqual(['ns/from-cfg', 'ns/owner', 'ns/web']);
    stop.abort();
    await running;
  });
});

describe('tracing', () => {
  it('starts and ends one span per reconcile, marking errors', async () => {
    const spans: {
      name: string;
      attributes: Record<string, unknown>;
      status?: { code: number };
      ended: boolean;
    }[] = [];
    const tracer = {
      startSpan(name: string, options?: { attributes?: Record<string, unknown> }) {
        const span = {
          name,
          attributes: { ...(options?.attributes ?? {}) } as Record<string, unknown>,
          status: undefined as { code: number } | undefined,
          ended: false,
        };
        spans.push(span);
        const api = {
          spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }),
          setAttribute: (k: string, v: unknown) => ((span.attributes[k] = v), api),
          setAttributes: () => api,
          addEvent: () => api,
          addLink: () => api,
          addLinks: () => api,
          setStatus: (s: { code: number }) => ((span.status = s), api),
          updateName: () => api,
          end: () => void (span.ended = true),
          isRecording: () => true,
          recordException: () => undefined,
        };
        return api;
      },
    };
    const source = new ManualSource();
    const c = new Controller(
      reconcilerFrom(async (r) => {
        if (r.name === 'bad') throw new TerminalError('no');
      }),
      {
        name: 'traced',
        clock: new FakeClock(),
        tracer: tracer as unknown as import('@opentelemetry/api').Tracer,
      },
    );
    c.watch(source, enqueueRequestForObject());
    const stop = new AbortController();
    const running = c.start(stop.signal);
    source.emit(generic('good'));
    source.emit(generic('bad'));
    await until(() => spans.filter((s) => s.ended).length === 2);
    expect(
      spans.map((s) => [
        s.name,
        s.attributes['opkit.request.name'],
        s.attributes['opkit.reconcile.result'],
        s.status?.code,
      ]),
    ).toEqual([
      ['reconcile', 'good', 'success', undefined],
      ['reconcile', 'bad', 'error', 2],
    ]);
    expect(spans[0]!.attributes['opkit.controller']).toBe('traced');
    stop.abort();
    await running;
  });
});
