/**
 * The informer's local copy of objects: keyed `namespace/name` (or `name` for cluster-scoped
 * objects), with a built-in `namespace` index and any custom indexes, as client-go's
 * tools/cache thread_safe_store.go + index.go. Objects are stored as given (never copied): callers
 * must treat what they read as immutable.
 */
import type { KubeObject } from '../client/index.js';

/** Name of the built-in index by namespace. */
export const NAMESPACE_INDEX = 'namespace';

/** Computes the index values of an object (e.g. its namespace, an owner's uid, a spec field). */
export type IndexFunc<T extends KubeObject = KubeObject> = (obj: T) => string[];

/** The store key of an object: `namespace/name`, or `name` when it has no namespace. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  const name = obj.metadata.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** Splits a store key into namespace (`''` when cluster-scoped) and name. */
export function splitObjectKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * An object deleted while the watch was down: the relist noticed it is gone, but its final state
 * is unknown, so `obj` is the last state the cache saw (client-go's DeletedFinalStateUnknown).
 */
export class DeletedFinalStateUnknown<T extends KubeObject = KubeObject> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

/** What a delete handler receives: the deleted object, or a tombstone. */
export type DeletedObject<T extends KubeObject = KubeObject> = T | DeletedFinalStateUnknown<T>;

/** The object inside a delete notification, whether or not it is a tombstone. */
export function objectOfDeleted<T extends KubeObject>(d: DeletedObject<T>): T {
  return d instanceof DeletedFinalStateUnknown ? d.obj : d;
}

/** Read access to a cache of objects. */
export interface ObjectReader<T extends KubeObject = KubeObject> {
  /** The object with this key (`namespace/name` or `name`). */
  get(key: string): T | undefined;
  /** Every object (a new array; the objects themselves are shared). */
  list(): T[];
  /** Every key. */
  listKeys(): string[];
  /** Objects whose index `indexName` contains `value` (e.g. `byIndex('namespace', 'default')`). */
  byIndex(indexName: string, value: string): T[];
  /** Number of objects. */
  readonly size: number;
}

/** A keyed store with secondary indexes. */
export class Indexer<T extends KubeObject = KubeObject> implements ObjectReader<T> {
  private items = new Map<string, T>();
  private readonly indexFuncs = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys. */
  private indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.indexFuncs.set(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? '']);
    for (const [name, fn] of Object.entries(indexers)) this.indexFuncs.set(name, fn);
    for (const name of this.indexFuncs.keys()) this.indices.set(name, new Map());
  }

  get size(): number {
    return this.items.size;
  }

  /** Adds indexes; existing objects are indexed at once. Throws if a name is taken. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexFuncs.has(name)) throw new Error(`indexer "${name}" already exists`);
      this.indexFuncs.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) addToIndex(index, fn(obj), key);
    }
  }

  /** Names of the indexes. */
  indexNames(): string[] {
    return [...this.indexFuncs.keys()];
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  /** The object with this namespace (`''` for cluster-scoped) and name. */
  getByName(namespace: string, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  byIndex(indexName: string, value: string): T[] {
    const keys = this.indexKeys(indexName, value);
    const out: T[] = [];
    for (const key of keys) {
      const obj = this.items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Keys whose index `indexName` contains `value`. */
  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index "${indexName}" does not exist`);
    return [...(index.get(value) ?? [])];
  }

  /** Values present in an index. */
  indexValues(indexName: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index "${indexName}" does not exist`);
    return [...index.keys()];
  }

  /** Adds or replaces an object; returns the object it replaced. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.reindex(key, old, obj);
    return old;
  }

  /** Adds an object (same as {@link upsert}). */
  add(obj: T): T | undefined {
    return this.upsert(obj);
  }

  /** Replaces an object (same as {@link upsert}). */
  update(obj: T): T | undefined {
    return this.upsert(obj);
  }

  /** Removes the object with the key of `obj` (or the key given); returns what was stored. */
  delete(objOrKey: T | string): T | undefined {
    const key = typeof objOrKey === 'string' ? objOrKey : objectKey(objOrKey);
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.items.delete(key);
    this.reindex(key, old, undefined);
    return old;
  }

  /** Replaces the whole content; returns what it held before (keyed), for diffing. */
  replace(objs: Iterable<T>): Map<string, T> {
    const previous = this.items;
    this.items = new Map();
    for (const name of this.indexFuncs.keys()) this.indices.set(name, new Map());
    for (const obj of objs) {
      const key = objectKey(obj);
      this.items.set(key, obj);
      for (const [name, fn] of this.indexFuncs) addToIndex(this.indices.get(name)!, fn(obj), key);
    }
    return previous;
  }

  private reindex(key: string, old: T | undefined, obj: T | undefined): void {
    for (const [name, fn] of this.indexFuncs) {
      const index = this.indices.get(name)!;
      const oldValues = old ? fn(old) : [];
      const newValues = obj ? fn(obj) : [];
      // the common case (namespace index, unchanged values) touches nothing
      if (oldValues.length === 1 && newValues.length === 1 && oldValues[0] === newValues[0]) continue;
      for (const v of oldValues) {
        const keys = index.get(v);
        if (keys) {
          keys.delete(key);
          if (keys.size === 0) index.delete(v);
        }
      }
      addToIndex(index, newValues, key);
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    let keys = index.get(v);
    if (!keys) index.set(v, (keys = new Set()));
    keys.add(key);
  }
}
