/**
 * Test support for the controllers' suites (not part of the public face): an in-process API with
 * the garbage collector and the controllers, a fake clock, and a fake kubelet that sets pod status.
 */
import type { KubeObject } from '../api/index.js';
import { ApiCore } from '../apiserver/index.js';
import { GarbageCollector } from '../gc/index.js';
import { ResourceRegistry } from '../registry/index.js';
import { ObjectStore } from '../storage/index.js';
import { startControllers, type ControllerName, type RunningControllers } from './index.js';
import type { Clock } from './runtime/index.js';

/** A clock whose time moves only when told; timers fire on {@link FakeClock.advance}. */
export class FakeClock implements Clock {
  private t = Date.parse('2026-01-01T00:00:00Z');
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    this.t += ms;
    for (const [id, timer] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at <= this.t) {
        this.timers.delete(id);
        timer.fn();
      }
    }
  }
}

export interface TestCluster {
  core: ApiCore;
  clock: FakeClock;
  controllers: RunningControllers;
  gc: GarbageCollector;
  settle(): Promise<void>;
  stop(): Promise<void>;
  type(group: string, version: string, resource: string): ReturnType<ApiCore['typeOf']>;
  pods(namespace?: string): KubeObject[];
  /** Fake kubelet: Running + Ready (or not), with an IP. */
  setPod(name: string, state: { phase?: string; ready?: boolean; namespace?: string }): Promise<void>;
  /** Marks every Pending pod (passing `filter`) Running and Ready, repeatedly, until nothing changes. */
  runPods(filter?: (pod: KubeObject) => boolean, rounds?: number): Promise<void>;
}

let ipCounter = 1;

export async function startTestCluster(
  opts: { controllers?: ControllerName[]; volumesDir?: string } = {},
): Promise<TestCluster> {
  const store = await ObjectStore.open();
  const registry = ResourceRegistry.withBuiltins();
  const clock = new FakeClock();
  const core = new ApiCore({ store, registry, now: () => new Date(clock.now()) });
  await core.bootstrap();
  const gc = new GarbageCollector(core, { retryDelayMs: 5 });
  await gc.start();
  const controllers = await startControllers(core, {
    clock,
    resyncMs: 0,
    retryBaseMs: 1,
    retryMaxMs: 20,
    ...opts,
  });
  const podType = core.typeOf('', 'v1', 'pods');
  const cluster: TestCluster = {
    core,
    clock,
    controllers,
    gc,
    async settle() {
      // done when a pass over the controllers and the GC finds nothing to wait for
      for (let i = 0; i < 100; i++) {
        await controllers.idle();
        await gc.idle();
        await new Promise((r) => setTimeout(r, 1));
        const before = store.revision;
        await controllers.idle();
        await gc.idle();
        if (store.revision === before) return;
      }
    },
    async stop() {
      await controllers.stop();
      await gc.stop();
      await store.close();
    },
    type: (g, v, r) => core.typeOf(g, v, r),
    pods(namespace = 'default') {
      return store
        .list('/pods', { namespace })
        .items.sort((a, b) =>
          (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '', undefined, { numeric: true }),
        );
    },
    async setPod(name, state) {
      const namespace = state.namespace ?? 'default';
      const pod = await core.get(podType, namespace, name);
      const ready = state.ready ?? true;
      const status = {
        ...(pod.status as object),
        phase: state.phase ?? 'Running',
        podIP: `10.244.0.${ipCounter++ % 250}`,
        conditions: [
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            lastTransitionTime: new Date(clock.now()).toISOString(),
          },
        ],
      };
      await core.update(
        podType,
        namespace,
        name,
        { ...pod, status },
        { subresource: 'status', fieldManager: 'kubelet' },
      );
    },
    async runPods(filter = () => true, rounds = 40) {
      for (let i = 0; i < rounds; i++) {
        await cluster.settle();
        const pending = cluster
          .pods()
          .filter(
            (p) =>
              (p.status as { phase?: string }).phase === 'Pending' &&
              !p.metadata.deletionTimestamp &&
              filter(p),
          );
        if (!pending.length) return;
        for (const p of pending) await cluster.setPod(p.metadata.name ?? '', {});
      }
      await cluster.settle();
    },
  };
  return cluster;
}
