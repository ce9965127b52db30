// Work-queue benchmark: add/get/done cycles for 1 and 4 async workers, addAfter of 100k items,
// each next to a naive Array-based queue (the floor). Run `npm run build` first, then
// `node bench/queue/index.js`; `runQueueBench()` returns the numbers for bench/run.js.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { PriorityWorkQueue } from '../../packages/core/dist/queue/index.js';

/** A deliberately simple queue with the same semantics: Array push/shift, a waiter array,
 * one setTimeout per delayed item. */
class NaiveQueue {
  queue = [];
  dirty = new Set();
  processing = new Set();
  waiters = [];
  closed = false;

  add(item) {
    if (this.closed || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.queue.push(item);
    this.wake();
  }
  addAfter(item, ms) {
    if (ms <= 0) return this.add(item);
    setTimeout(() => this.add(item), ms);
  }
  wake() {
    while (this.waiters.length > 0 && this.queue.length > 0) this.waiters.shift()(this.take());
  }
  take() {
    const item = this.queue.shift();
    this.dirty.delete(item);
    this.processing.add(item);
    return { shutdown: false, item, priority: 0 };
  }
  tryGet() {
    if (this.queue.length > 0) return this.take();
    return this.closed ? { shutdown: true } : undefined;
  }
  get() {
    const r = this.tryGet();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  done(item) {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      this.queue.push(item);
      this.wake();
    }
  }
  len() {
    return this.queue.length;
  }
  shutDown() {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w({ shutdown: true });
  }
}

const KEYS = Array.from({ length: 10_000 }, (_, i) => `namespace-${i % 97}/object-${i}`);
const BATCH = 1000;

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/** One worker: the producer adds a batch, the worker drains it with tryGet() ?? await get(). */
async function singleWorker(q, cycles) {
  const start = performance.now();
  let n = 0;
  let k = 0;
  while (n < cycles) {
    for (let i = 0; i < BATCH; i++) q.add(KEYS[k++ % KEYS.length]);
    for (;;) {
      const r = q.tryGet() ?? (q.len() > 0 ? await q.get() : undefined);
      if (r === undefined) break;
      q.done(r.item);
      n++;
    }
  }
  return n / ((performance.now() - start) / 1000);
}

/** A backlog of `count` distinct keys added up front, then drained by one worker. */
async function backlog(q, count) {
  const keys = Array.from({ length: count }, (_, i) => `backlog-${i}`);
  const start = performance.now();
  for (let i = 0; i < count; i++) q.add(keys[i]);
  for (let r = q.tryGet(); r !== undefined && !r.shutdown; r = q.tryGet()) q.done(r.item);
  return count / ((performance.now() - start) / 1000);
}

/** `workers` async workers, each awaiting between get and done (a reconcile that yields once). */
async function concurrentWorkers(q, cycles, workers) {
  let n = 0;
  const start = performance.now();
  const worker = async () => {
    for (;;) {
      const r = q.tryGet() ?? (await q.get());
      if (r.shutdown) return;
      await undefined;
      q.done(r.item);
      n++;
    }
  };
  const running = Array.from({ length: workers }, worker);
  let k = 0;
  while (n < cycles) {
    for (let i = 0; i < BATCH; i++) q.add(KEYS[k++ % KEYS.length]);
    while (q.len() > BATCH / 4) await yieldToLoop();
  }
  const elapsed = (performance.now() - start) / 1000;
  q.shutDown();
  await Promise.all(running);
  return n / elapsed;
}

/** addAfter of `count` items with delays spread over `spreadMs`, then wait until all were handed out. */
async function addAfterThenDrain(q, count, spreadMs) {
  const keys = Array.from({ length: count }, (_, i) => `item-${i}`);
  const start = performance.now();
  for (let i = 0; i < count; i++) q.addAfter(keys[i], 1 + ((i * 7919) % spreadMs));
  const addMs = performance.now() - start;
  let got = 0;
  for (;;) {
    const r = q.tryGet() ?? (await q.get());
    if (r.shutdown) break;
    q.done(r.item);
    if (++got === count) break;
  }
  const drainMs = performance.now() - start;
  q.shutDown();
  return { addMs, drainMs, lateMs: drainMs - spreadMs };
}

/**
 * Runs every scenario on opkit's queue and the naive one.
 * @returns {Promise<{rows: Array<{scenario: string, opkit: number, naive: number, unit: string}>}>}
 */
export async function runQueueBench({ cycles = 1_000_000, delayed = 100_000, spreadMs = 1000 } = {}) {
  const make = () => new PriorityWorkQueue();
  const rows = [];
  // warm-up so both implementations are optimised before measuring
  await singleWorker(make(), 200_000);
  await singleWorker(new NaiveQueue(), 200_000);

  rows.push({
    scenario: 'add/get/done, 1 worker',
    opkit: await singleWorker(make(), cycles),
    naive: await singleWorker(new NaiveQueue(), cycles),
    unit: 'cycles/s',
  });
  rows.push({
    scenario: 'add/get/done, 4 async workers',
    opkit: await concurrentWorkers(make(), cycles / 2, 4),
    naive: await concurrentWorkers(new NaiveQueue(), cycles / 2, 4),
    unit: 'cycles/s',
  });
  rows.push({
    scenario: `add ${delayed / 1000}k backlog, then drain`,
    opkit: await backlog(make(), delayed),
    naive: await backlog(new NaiveQueue(), delayed),
    unit: 'cycles/s',
  });
  const o = await addAfterThenDrain(make(), delayed, spreadMs);
  const nv = await addAfterThenDrain(new NaiveQueue(), delayed, spreadMs);
  rows.push({ scenario: `addAfter ${delayed / 1000}k items`, opkit: o.addMs, naive: nv.addMs, unit: 'ms' });
  rows.push({
    scenario: `drain ${delayed / 1000}k delayed (last due ${spreadMs} ms)`,
    opkit: o.drainMs,
    naive: nv.drainMs,
    unit: 'ms',
  });
  return { rows };
}

function formatRow(cells, widths) {
  return cells
    .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
    .join('  ');
}

function fmt(v, unit) {
  return unit === 'ms' ? `${v.toFixed(1)} ms` : `${Math.round(v).toLocaleString('en-US')} ${unit}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { rows } = await runQueueBench();
  const widths = [44, 22, 22];
  console.log(formatRow(['scenario', 'opkit', 'naive array queue'], widths));
  console.log(formatRow(['-'.repeat(44), '-'.repeat(22), '-'.repeat(22)], widths));
  for (const r of rows)
    console.log(formatRow([r.scenario, fmt(r.opkit, r.unit), fmt(r.naive, r.unit)], widths));
}
