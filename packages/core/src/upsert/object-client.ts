import type {
  ApplyOptions,
  CreateOptions,
  GroupVersionKind,
  KubeObject,
  PatchOptions,
  UpdateOptions,
  WriteOptions,
} from '../client/index.js';

/**
 * The client calls the write helpers make; both `KubeClient` and `CachedClient` fit. Pass the
 * `KubeClient` when a helper must read fresh state after a conflict without waiting for a cache.
 */
export interface ObjectClient {
  get<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    name: string,
    opts?: { namespace?: string; signal?: AbortSignal },
  ): Promise<T>;
  create<T extends KubeObject>(obj: T, opts?: CreateOptions): Promise<T>;
  update<T extends KubeObject>(obj: T, opts?: UpdateOptions): Promise<T>;
  updateStatus<T extends KubeObject>(obj: T, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    name: string,
    patch: unknown,
    opts?: PatchOptions,
  ): Promise<T>;
  apply<T extends KubeObject>(obj: T, opts?: ApplyOptions): Promise<T>;
}

/** A deep copy of a JSON object. */
export function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}

/**
 * The RFC 7386 JSON merge patch turning `before` into `after` (objects are diffed recursively,
 * arrays and scalars replaced whole, removed keys become null), or undefined when they are equal.
 */
export function createMergePatch(before: unknown, after: unknown): unknown {
  if (jsonEqual(before, after)) return undefined;
  if (!isPlainObject(before) || !isPlainObject(after)) return after === undefined ? null : after;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(before)) {
    if (before[key] !== undefined && after[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const sub = createMergePatch(before[key], value);
    if (sub !== undefined) patch[key] = sub;
  }
  return patch;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
