/**
 * An in-memory {@link ClusterClient} for unit tests of runbooks and operators: objects in a map,
 * monotonic resourceVersions, generation bumps on spec changes, conditional merge patches, and a
 * change listener so a test can play the controllers it needs. Apply is approximated by a JSON
 * merge of the applied fields (no managedFields); that is enough for an operator's own objects.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '@opkit/core';
import type {
  ApplyOptions,
  ClusterClient,
  DeleteOptions,
  KindRef,
  MergePatchOptions,
  ObjectRef,
} from './cluster-client.js';

/** An error shaped like an API error (`code` and `reason`), as the fake's callers expect. */
export class FakeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'FakeApiError';
  }
}

/** A change the fake saw. */
export interface FakeChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

function keyOf(ref: { apiVersion?: string; kind?: string; namespace?: string; name?: string }): string {
  return `${ref.apiVersion ?? ''}|${ref.kind ?? ''}|${ref.namespace ?? ''}|${ref.name ?? ''}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The in-memory fake; see the module comment. */
export class FakeClusterClient implements ClusterClient {
  private readonly objects = new Map<string, KubeObject>();
  private revision = 0;
  private readonly listeners = new Set<(change: FakeChange) => void>();
  /** Every mutating call, in order (`apply Pod ns/name`), for assertions. */
  readonly writes: string[] = [];

  /** Calls `listener` after every change; returns an unsubscribe function. */
  onChange(listener: (change: FakeChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every stored object of a kind (all namespaces), deep copies. */
  all(kind: KindRef): KubeObject[] {
    return [...this.objects.values()]
      .filter((o) => o.apiVersion === kind.apiVersion && o.kind === kind.kind)
      .map((o) => structuredClone(o));
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const obj = this.objects.get(keyOf(ref));
    return obj ? structuredClone(obj) : undefined;
  }

  async list(kind: KindRef, namespace: string, labels: Record<string, string> = {}): Promise<KubeObject[]> {
    return this.all(kind).filter(
      (o) =>
        (o.metadata.namespace ?? '') === namespace &&
        Object.entries(labels).every(([k, v]) => o.metadata.labels?.[k] === v),
    );
  }

  async apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
    this.writes.push(
      `apply ${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''} by ${opts.fieldManager}`,
    );
    const existing = this.objects.get(
      keyOf({ ...obj, namespace: obj.metadata.namespace, name: obj.metadata.name }),
    );
    if (!existing)
      return this.store(
        { ...structuredClone(obj), metadata: { ...structuredClone(obj.metadata) } },
        undefined,
      );
    const { status: _ignored, ...desired } = obj;
    return this.store(mergePatch(existing, desired) as KubeObject, existing);
  }

  async patch(
    ref: ObjectRef,
    patch: Record<string, unknown>,
    opts: MergePatchOptions = {},
  ): Promise<KubeObject> {
    this.writes.push(
      `patch${opts.subresource ? `/${opts.subresource}` : ''} ${ref.kind} ${ref.namespace ?? ''}/${ref.name}`,
    );
    const existing = this.objects.get(keyOf(ref));
    if (!existing) throw new FakeApiError(404, 'NotFound', `${ref.kind} "${ref.name}" not found`);
    const meta = isPlainObject(patch.metadata) ? patch.metadata : undefined;
    if (
      typeof meta?.resourceVersion === 'string' &&
      meta.resourceVersion !== existing.metadata.resourceVersion
    ) {
      throw new FakeApiError(
        409,
        'Conflict',
        `the object has been modified; please apply your changes to the latest version`,
      );
    }
    let next: KubeObject;
    if (opts.subresource === 'status') {
      next = { ...existing, status: mergePatch(existing.status, patch.status) };
    } else {
      const { status: _ignored, ...rest } = patch;
      next = mergePatch(existing, rest) as KubeObject;
    }
    return this.store(next, existing);
  }

  async create(obj: KubeObject): Promise<KubeObject> {
    this.writes.push(`create ${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`);
    const name = obj.metadata.name ?? `${obj.metadata.generateName ?? 'object-'}${++this.revision}`;
    const withName = { ...structuredClone(obj), metadata: { ...structuredClone(obj.metadata), name } };
    if (this.objects.has(keyOf({ ...withName, namespace: withName.metadata.namespace, name }))) {
      throw new FakeApiError(409, 'AlreadyExists', `${obj.kind} "${name}" already exists`);
    }
    return this.store(withName, undefined);
  }

  async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<boolean> {
    this.writes.push(`delete ${ref.kind} ${ref.namespace ?? ''}/${ref.name}`);
    const key = keyOf(ref);
    const existing = this.objects.get(key);
    if (!existing || (opts.uid && existing.metadata.uid !== opts.uid)) return false;
    this.objects.delete(key);
    this.emit({ type: 'DELETED', object: structuredClone(existing) });
    return true;
  }

  /** Stores directly (what a test's simulated controller writes, e.g. pod status); no write is recorded. */
  put(obj: KubeObject): KubeObject {
    const existing = this.objects.get(
      keyOf({ ...obj, namespace: obj.metadata.namespace, name: obj.metadata.name }),
    );
    return this.store(structuredClone(obj), existing);
  }

  private store(obj: KubeObject, existing: KubeObject | undefined): KubeObject {
    obj.metadata.resourceVersion = String(++this.revision);
    if (existing) {
      obj.metadata.uid = existing.metadata.uid;
      obj.metadata.creationTimestamp = existing.metadata.creationTimestamp;
      const specChanged = JSON.stringify(existing.spec) !== JSON.stringify(obj.spec);
      obj.metadata.generation = (existing.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    } else {
      obj.metadata.uid ??= randomUUID();
      obj.metadata.generation = 1;
      obj.metadata.creationTimestamp ??= new Date(0).toISOString();
    }
    this.objects.set(keyOf({ ...obj, namespace: obj.metadata.namespace, name: obj.metadata.name }), obj);
    this.emit({ type: existing ? 'MODIFIED' : 'ADDED', object: structuredClone(obj) });
    return structuredClone(obj);
  }

  private emit(change: FakeChange): void {
    for (const l of this.listeners) l(change);
  }
}
