import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../api/index.js';
import type { Change } from './change-history.js';
import type { StoreKey, WatchEventType } from './types.js';

/** What loading hands back to the store, in order: one `start`, the base objects, then changes. */
export type LoadedRecord =
  | { kind: 'start'; revision: number }
  | { kind: 'base'; key: StoreKey; object: KubeObject }
  | { kind: 'change'; revision: number; type: WatchEventType; key: StoreKey; object?: KubeObject };

/** A consistent picture of the store for a snapshot: the state at `compacted` plus every later change. */
export interface SnapshotContent {
  compacted: number;
  revision: number;
  base: [StoreKey, KubeObject][];
  changes: Change[];
}

const snapshotName = 'snapshot.jsonl';
const snapshotFormat = 'opkit-store-snapshot/1';
const typeCodes: Record<WatchEventType, string> = { ADDED: 'A', MODIFIED: 'M', DELETED: 'D' };
const typeOf: Record<string, WatchEventType> = { A: 'ADDED', M: 'MODIFIED', D: 'DELETED' };

function segmentName(startRevision: number): string {
  return `log-${String(startRevision).padStart(16, '0')}.jsonl`;
}

function changeLine(
  revision: number,
  type: WatchEventType,
  key: StoreKey,
  serializedObject: string | undefined,
): string {
  const k = JSON.stringify([key.resource, key.namespace, key.name]);
  return serializedObject === undefined
    ? `{"r":${revision},"t":"${typeCodes[type]}","k":${k}}\n`
    : `{"r":${revision},"t":"${typeCodes[type]}","k":${k},"o":${serializedObject}}\n`;
}

function parseKey(value: unknown): StoreKey | undefined {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'string'))
    return undefined;
  return { resource: value[0] as string, namespace: value[1] as string, name: value[2] as string };
}

function isObject(value: unknown): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a change line; undefined for a torn or foreign line. */
function parseChange(line: string): Extract<LoadedRecord, { kind: 'change' }> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const { r, t, k, o } = parsed as { r?: unknown; t?: unknown; k?: unknown; o?: unknown };
  const key = parseKey(k);
  const type = typeof t === 'string' ? typeOf[t] : undefined;
  if (typeof r !== 'number' || !Number.isSafeInteger(r) || r < 1 || !key || !type) return undefined;
  if (type !== 'DELETED' && !isObject(o)) return undefined;
  return type === 'DELETED'
    ? { kind: 'change', revision: r, type, key }
    : { kind: 'change', revision: r, type, key, object: o as KubeObject };
}

function* lines(text: string): IterableIterator<string> {
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    if (end < 0) {
      yield text.slice(at); // a torn last line (no newline): parsing decides
      return;
    }
    if (end > at) yield text.slice(at, end);
    at = end + 1;
  }
}

/**
 * The files of a persistent store: `snapshot.jsonl` (state at the compacted revision plus the
 * retained history, written to a temp file and renamed so a crash never leaves a partial one) and
 * append-only log segments `log-<first revision>.jsonl` with every change since. Log lines are
 * buffered and written on a short timer (no fsync per write); a torn trailing line is ignored on load.
 */
export class StoreFiles {
  /** Set when writing failed; the store refuses further writes then. */
  failure: Error | undefined;
  private fd: number | undefined;
  private segment: string | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private recordsSinceSnapshot = 0;
  private compaction: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly flushIntervalMs: number,
    private readonly snapshotSource: () => SnapshotContent,
    private readonly compactionThreshold: () => number,
  ) {}

  /** Reads the snapshot and every log segment, handing records to `apply` in revision order. */
  load(apply: (record: LoadedRecord) => void): void {
    mkdirSync(this.dir, { recursive: true });
    const snapshotPath = join(this.dir, snapshotName);
    if (existsSync(snapshotPath)) this.loadSnapshot(readFileSync(snapshotPath, 'utf8'), apply);
    for (const name of this.segments()) {
      for (const line of lines(readFileSync(join(this.dir, name), 'utf8'))) {
        const record = parseChange(line);
        if (record) {
          apply(record);
          this.recordsSinceSnapshot++;
        }
      }
    }
  }

  private loadSnapshot(text: string, apply: (record: LoadedRecord) => void): void {
    let started = false;
    let complete = false;
    for (const line of lines(text)) {
      if (!started) {
        started = true;
        const header = JSON.parse(line) as { format?: unknown; compacted?: unknown };
        if (header.format !== snapshotFormat || typeof header.compacted !== 'number') {
          throw new Error(`${join(this.dir, snapshotName)} is not an opkit store snapshot`);
        }
        apply({ kind: 'start', revision: header.compacted });
        continue;
      }
      const parsed = JSON.parse(line) as { b?: unknown; o?: unknown; end?: unknown };
      if (parsed.end !== undefined) {
        complete = true;
        break;
      }
      const baseKey = parseKey(parsed.b);
      if (baseKey && isObject(parsed.o)) {
        apply({ kind: 'base', key: baseKey, object: parsed.o });
        continue;
      }
      const change = parseChange(line);
      if (change) apply(change);
    }
    // Written to a temp file and renamed, so an incomplete snapshot is damage, not a crash.
    if (!complete) throw new Error(`${join(this.dir, snapshotName)} is incomplete`);
  }

  private segments(): string[] {
    return readdirSync(this.dir)
      .filter((n) => /^log-\d{16}\.jsonl$/.test(n))
      .sort();
  }

  /** Starts a new log segment for revisions from `startRevision` (a fresh file: never appends after a torn line). */
  startSegment(startRevision: number): void {
    this.segment = segmentName(startRevision);
    this.fd = openSync(join(this.dir, this.segment), 'w');
  }

  /** Buffers one committed change for the log. */
  append(change: Change): void {
    const object = change.type === 'DELETED' ? undefined : JSON.stringify(change.object);
    const line = changeLine(change.revision, change.type, change.key, object);
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.recordsSinceSnapshot++;
    if (this.pendingBytes >= 1 << 20) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.flushIntervalMs);
      this.timer.unref();
    }
    if (!this.compaction && this.recordsSinceSnapshot >= this.compactionThreshold()) {
      this.compaction = this.compact().finally(() => {
        this.compaction = undefined;
      });
    }
  }

  /** Writes buffered lines to the current segment. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0 || this.fd === undefined) return;
    const data = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    try {
      writeSync(this.fd, data);
    } catch (err) {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
    }
  }

  /**
   * Writes a snapshot of the current state and drops the log segments it covers. The content is
   * captured synchronously (references to immutable objects) and serialized in chunks so the event
   * loop keeps serving requests meanwhile; new changes go to a new segment.
   */
  async compact(): Promise<void> {
    this.flush();
    const content = this.snapshotSource();
    const covered = this.segments();
    if (this.fd !== undefined) closeSync(this.fd);
    this.startSegment(content.revision + 1);
    this.recordsSinceSnapshot = 0;
    const snapshotPath = join(this.dir, snapshotName);
    const tempPath = `${snapshotPath}.tmp`;
    try {
      const handle = await open(tempPath, 'w');
      try {
        let chunk = `${JSON.stringify({ format: snapshotFormat, compacted: content.compacted, revision: content.revision })}\n`;
        const write = async (line: string) => {
          chunk += line;
          if (chunk.length >= 1 << 20) {
            await handle.write(chunk);
            chunk = '';
          }
        };
        for (const [key, object] of content.base) {
          await write(
            `{"b":${JSON.stringify([key.resource, key.namespace, key.name])},"o":${JSON.stringify(object)}}\n`,
          );
        }
        for (const c of content.changes) {
          await write(
            changeLine(
              c.revision,
              c.type,
              c.key,
              c.type === 'DELETED' ? undefined : JSON.stringify(c.object),
            ),
          );
        }
        await write(`{"end":${content.revision}}\n`);
        await handle.write(chunk);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tempPath, snapshotPath);
      for (const name of covered)
        if (name !== this.segment) await unlink(join(this.dir, name)).catch(() => undefined);
    } catch (err) {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
      try {
        unlinkSync(tempPath);
      } catch {
        // nothing to clean up
      }
    }
  }

  /** Waits for a running compaction, writes buffered lines and closes the segment. */
  async close(): Promise<void> {
    await this.compaction;
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
