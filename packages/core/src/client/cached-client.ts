/**
 * A client that reads from the informer cache and writes to the server, as controller-runtime's
 * default client does, plus the read-your-own-writes guarantee it lacks: after a write through
 * this client returns resourceVersion R, a cached read of that object waits until the cache has
 * seen R (or, after a delete, no longer holds the object). If the cache does not catch up within
 * `readYourWritesTimeoutMs`, the read falls back to a live read from the server: the answer is
 * then always at least as new as the caller's own writes, at the cost of one request.
 */
import type { SharedInformer, SharedInformerFactory } from '../cache/index.js';
import { NotFoundError } from './errors.js';
import type {
  ApplyOptions,
  CreateOptions,
  DeleteAllOfOptions,
  DeleteOptions,
  KubeClient,
  PatchOptions,
  UpdateOptions,
  WriteOptions,
} from './kube-client.js';
import { parseLabelSelector } from './label-selector.js';
import type { RESTMapping } from './rest-mapper.js';
import type { GroupVersionKind, KubeObject, ObjectList, Status } from './types.js';
import { compareResourceVersions, formatApiVersion, gvkOf } from './types.js';

/** Options of {@link CachedClient}. */
export interface CachedClientOptions {
  /** How long a read waits for the cache to reflect this client's own write before reading live. Default 5000 ms. */
  readYourWritesTimeoutMs?: number;
  /** Kinds always read from the server (e.g. ones too large or too rarely read to cache). */
  uncachedKinds?: GroupVersionKind[];
}

/** Options of {@link CachedClient.get}. */
export interface CachedGetOptions {
  namespace?: string;
  /** Serve from (and start) the metadata-only informer. */
  metadataOnly?: boolean;
  signal?: AbortSignal;
}

/** Options of {@link CachedClient.list}. */
export interface CachedListOptions extends CachedGetOptions {
  labelSelector?: string;
  /** Only `metadata.name` and `metadata.namespace` (`=`, `==`, `!=`) are served from the cache; others read live. */
  fieldSelector?: string;
}

interface Expectation {
  /** The resourceVersion the write returned. */
  rv?: string;
  /** The write deleted the object. */
  gone: boolean;
}

const PRUNE_THRESHOLD = 256;

function gvkKey(gvk: GroupVersionKind, metadataOnly: boolean): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}${metadataOnly ? '#meta' : ''}`;
}

function keyOf(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function isStatus(x: unknown): x is Status {
  return (x as { kind?: unknown } | null)?.kind === 'Status';
}

type FieldMatcher = (obj: KubeObject) => boolean;

/** Parses the field selectors the cache can answer; undefined means "ask the server". */
function cacheableFieldSelector(selector: string): FieldMatcher | undefined {
  const tests: FieldMatcher[] = [];
  for (const part of selector
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^metadata\.(name|namespace)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) return undefined;
    const field = m[1] as 'name' | 'namespace';
    const negate = m[2] === '!=';
    const value = m[3]!;
    tests.push((o) => ((o.metadata[field] ?? '') === value) !== negate);
  }
  return (o) => tests.every((t) => t(o));
}

/** Reads from the cache, writes to the server, and never shows a read older than its own writes. */
export class CachedClient {
  private readonly timeoutMs: number;
  private readonly uncached: Set<string>;
  private readonly expectations = new Map<string, Map<string, Expectation>>();

  constructor(
    readonly client: KubeClient,
    readonly cache: SharedInformerFactory,
    opts: CachedClientOptions = {},
  ) {
    this.timeoutMs = opts.readYourWritesTimeoutMs ?? 5000;
    this.uncached = new Set((opts.uncachedKinds ?? []).map((g) => gvkKey(g, false)));
  }

  /**
   * Reads one object from the cache (starting and syncing its informer on first use). Throws
   * {@link NotFoundError} when the cache does not hold it.
   */
  async get<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    name: string,
    opts: CachedGetOptions = {},
  ): Promise<T> {
    if (this.uncached.has(gvkKey(gvk, false))) return this.client.get<T>(gvk, name, opts);
    const mapping = await this.client.mappingFor(gvk);
    const namespace = mapping.namespaced ? opts.namespace || this.client.defaultNamespace : '';
    const metadataOnly = !!opts.metadataOnly;
    const informer = await this.syncedInformer<T>(gvk, metadataOnly, opts.signal);
    const key = keyOf(namespace, name);
    const fresh = await this.awaitExpectations(gvk, metadataOnly, informer, [key], opts.signal);
    if (!fresh) return this.client.get<T>(gvk, name, { namespace, metadataOnly, signal: opts.signal });
    const obj = informer.indexer.get(key);
    if (!obj) throw this.notFound(mapping, name);
    return obj;
  }

  /** Lists objects from the cache, filtered by namespace and selectors. */
  async list<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    opts: CachedListOptions = {},
  ): Promise<ObjectList<T>> {
    const fieldMatch = opts.fieldSelector ? cacheableFieldSelector(opts.fieldSelector) : () => true;
    if (this.uncached.has(gvkKey(gvk, false)) || !fieldMatch) return this.client.list<T>(gvk, opts);
    const mapping = await this.client.mappingFor(gvk);
    const metadataOnly = !!opts.metadataOnly;
    const informer = await this.syncedInformer<T>(gvk, metadataOnly, opts.signal);
    const namespace = mapping.namespaced ? (opts.namespace ?? '') : '';
    const pending = this.expectations.get(gvkKey(gvk, metadataOnly));
    const keys = pending
      ? [...pending.keys()].filter((k) => !namespace || k.startsWith(`${namespace}/`))
      : [];
    const fresh = await this.awaitExpectations(gvk, metadataOnly, informer, keys, opts.signal);
    if (!fresh) return this.client.list<T>(gvk, { ...opts, namespace });
    const labelMatch = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : undefined;
    const candidates = namespace ? informer.indexer.byIndex('namespace', namespace) : informer.indexer.list();
    const items = candidates.filter((o) => (!labelMatch || labelMatch(o.metadata.labels)) && fieldMatch(o));
    return {
      apiVersion: metadataOnly ? 'meta.k8s.io/v1' : formatApiVersion(gvk.group, gvk.version),
      kind: metadataOnly ? 'PartialObjectMetadataList' : `${gvk.kind}List`,
      metadata: { resourceVersion: informer.lastSyncResourceVersion },
      items,
    };
  }

  /** Creates an object on the server. */
  async create<T extends KubeObject>(obj: T, opts: CreateOptions = {}): Promise<T> {
    const out = await this.client.create(obj, opts);
    this.expect(gvkOf(obj), out, false, opts.dryRun);
    return out;
  }

  /** Replaces an object (or a subresource) on the server. */
  async update<T extends KubeObject>(obj: T, opts: UpdateOptions = {}): Promise<T> {
    const out = await this.client.update(obj, opts);
    if (opts.subresource !== 'scale') this.expect(gvkOf(obj), out, false, opts.dryRun);
    return out;
  }

  /** Replaces the status subresource on the server. */
  updateStatus<T extends KubeObject>(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.update(obj, { ...opts, subresource: 'status' });
  }

  /** Patches an object on the server. */
  async patch<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    name: string,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    const out = await this.client.patch<T>(gvk, name, patch, opts);
    if (opts.subresource !== 'scale') this.expect(gvk, out, false, opts.dryRun);
    return out;
  }

  /** Server-side applies an object. */
  async apply<T extends KubeObject>(obj: T, opts: ApplyOptions = {}): Promise<T> {
    const out = await this.client.apply(obj, opts);
    if (opts.subresource !== 'scale') this.expect(gvkOf(obj), out, false, opts.dryRun);
    return out;
  }

  /** Deletes an object on the server; later cached reads do not return it (unless finalizers hold it). */
  async delete<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<T | Status> {
    const out = await this.client.delete<T>(gvk, name, opts);
    if (!opts.dryRun) {
      if (isStatus(out)) {
        const mapping = await this.client.mappingFor(gvk);
        const ns = mapping.namespaced ? opts.namespace || this.client.defaultNamespace : '';
        this.record(gvk, keyOf(ns, name), { gone: true });
      } else {
        // an object still held by finalizers stays visible, with deletionTimestamp set
        const held = !!out.metadata.deletionTimestamp && (out.metadata.finalizers?.length ?? 0) > 0;
        this.expect(gvk, out, !held, false);
      }
    }
    return out;
  }

  /** Deletes every matching object in a namespace on the server. */
  async deleteAllOf<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    opts: DeleteAllOfOptions = {},
  ): Promise<ObjectList<T> | Status> {
    const out = await this.client.deleteAllOf<T>(gvk, opts);
    if (!opts.dryRun && !isStatus(out)) {
      for (const obj of out.items ?? []) {
        const held = !!obj.metadata.deletionTimestamp && (obj.metadata.finalizers?.length ?? 0) > 0;
        this.expect(gvk, obj, !held, false);
      }
    }
    return out;
  }

  private async syncedInformer<T extends KubeObject>(
    gvk: GroupVersionKind,
    metadataOnly: boolean,
    signal?: AbortSignal,
  ): Promise<SharedInformer<T>> {
    const informer = this.cache.informerFor<T>(gvk, { metadataOnly });
    if (!informer.isRunning) informer.start();
    if (!informer.hasSynced() && !(await informer.waitForSync(signal))) {
      signal?.throwIfAborted();
      throw new Error(
        `the cache of ${formatApiVersion(gvk.group, gvk.version)} ${gvk.kind} stopped before it synced`,
      );
    }
    return informer;
  }

  private expect(gvk: GroupVersionKind, obj: KubeObject, gone: boolean, dryRun: boolean | undefined): void {
    if (dryRun || !obj?.metadata?.name) return;
    const key = keyOf(obj.metadata.namespace ?? '', obj.metadata.name);
    this.record(gvk, key, { rv: obj.metadata.resourceVersion, gone });
  }

  private record(gvk: GroupVersionKind, key: string, exp: Expectation): void {
    // both the full and the metadata-only cache of the kind must reflect the write
    for (const metadataOnly of [false, true]) {
      const informer = this.cache.existingInformer(gvk, { metadataOnly });
      // an informer that is not running will relist (a consistent read) when started
      if (!informer?.isRunning) continue;
      const gk = gvkKey(gvk, metadataOnly);
      let byKey = this.expectations.get(gk);
      if (!byKey) this.expectations.set(gk, (byKey = new Map()));
      byKey.set(key, exp);
      if (byKey.size > PRUNE_THRESHOLD) {
        for (const [k, e] of byKey) if (this.satisfied(informer, k, e)) byKey.delete(k);
      }
    }
  }

  private satisfied(informer: SharedInformer<KubeObject>, key: string, exp: Expectation): boolean {
    const cached = informer.indexer.get(key);
    const cachedRv = cached?.metadata.resourceVersion;
    if (exp.gone) {
      if (!cached) return true;
      // the cache holds a newer incarnation (re-created since): the delete was seen
      return !!exp.rv && !!cachedRv && (compareResourceVersions(cachedRv, exp.rv) ?? 0) > 0;
    }
    if (!exp.rv) return true;
    const seen = informer.hasSeenResourceVersion(exp.rv);
    if (seen !== undefined) return seen;
    // opaque resourceVersions: only equality can be decided
    return cachedRv === exp.rv;
  }

  /** Waits until the cache reflects this client's writes to `keys`; false when it timed out. */
  private async awaitExpectations<T extends KubeObject>(
    gvk: GroupVersionKind,
    metadataOnly: boolean,
    informer: SharedInformer<T>,
    keys: string[],
    signal?: AbortSignal,
  ): Promise<boolean> {
    const byKey = this.expectations.get(gvkKey(gvk, metadataOnly));
    if (!byKey || keys.length === 0) return true;
    const inf = informer as unknown as SharedInformer<KubeObject>;
    const pending = keys
      .map((k) => [k, byKey.get(k)] as const)
      .filter((e): e is readonly [string, Expectation] => e[1] !== undefined);
    const allSatisfied = () => pending.every(([k, e]) => this.satisfied(inf, k, e));
    const ok =
      allSatisfied() || (await informer.waitUntil(allSatisfied, { timeoutMs: this.timeoutMs, signal }));
    signal?.throwIfAborted();
    for (const [k, e] of pending) {
      // forget only what was met, and only if no newer write replaced it meanwhile
      if (byKey.get(k) === e && this.satisfied(inf, k, e)) byKey.delete(k);
    }
    return ok;
  }

  private notFound(mapping: RESTMapping, name: string): NotFoundError {
    const { group, resource } = mapping.resource;
    return new NotFoundError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `${group ? `${resource}.${group}` : resource} "${name}" not found`,
      reason: 'NotFound',
      details: { name, group, kind: resource },
      code: 404,
    });
  }
}
