/**
 * A generic client over any kind, in the spirit of controller-runtime's pkg/client: typed by the
 * caller, routed through discovery ({@link RESTMapper}), speaking JSON to the API server through a
 * client-node `KubeConfig`. Responses are returned as parsed, never copied.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Readable } from 'node:stream';
import { JsonLineDecoder } from './json-lines.js';
import { RESTMapper, type RESTMapperOptions, type RESTMapping } from './rest-mapper.js';
import { MeteredTransport, type RestClientMetrics } from './rest-client-metrics.js';
import { KubeConfigTransport, type RestRequest, type RestResponse, type RestTransport } from './transport.js';
import type { GroupVersionKind, KubeObject, ObjectList, Status, WatchEvent } from './types.js';
import { gvkOf } from './types.js';

/** Accept header for metadata-only lists, as controller-runtime's metadata client sends it. */
export const PARTIAL_OBJECT_METADATA_LIST_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
/** Accept header for metadata-only gets and watches. */
export const PARTIAL_OBJECT_METADATA_ACCEPT =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/** The patch formats the API server accepts, by their short names. */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Options every call takes. */
export interface RequestOptions {
  /** Aborts the request. */
  signal?: AbortSignal;
}

/** Options of {@link KubeClient.get}. */
export interface GetOptions extends RequestOptions {
  /** Namespace of a namespaced kind (default: the client's default namespace). */
  namespace?: string;
  /** Read only metadata (a PartialObjectMetadata). */
  metadataOnly?: boolean;
  resourceVersion?: string;
}

/** Options of {@link KubeClient.list}. */
export interface ListOptions extends RequestOptions {
  /** Namespace to list in; all namespaces when unset. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Return one page of at most this many items (continue with `continue`); unset: all pages. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  /** Page size when listing all pages. Default 500. */
  pageSize?: number;
  /** List only metadata (PartialObjectMetadataList). */
  metadataOnly?: boolean;
}

/** Options of writes. */
export interface WriteOptions extends RequestOptions {
  /** Validate and run admission but persist nothing. */
  dryRun?: boolean;
  /** Owner of the fields set (default: the client's fieldManager). */
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

/** Options of {@link KubeClient.create}. */
export interface CreateOptions extends WriteOptions {
  /** Namespace when the object names none (default: the client's default namespace). */
  namespace?: string;
}

/** Options of {@link KubeClient.update}. */
export interface UpdateOptions extends WriteOptions {
  /** Write a subresource instead of the main resource. */
  subresource?: 'status' | 'scale' | (string & {});
}

/** Options of {@link KubeClient.patch}. */
export interface PatchOptions extends WriteOptions {
  /** Patch format. Default `merge`. */
  type?: PatchType;
  namespace?: string;
  /** Server-side apply: take over fields that conflict with other managers. */
  force?: boolean;
  subresource?: 'status' | 'scale' | (string & {});
}

/** Options of {@link KubeClient.apply}. */
export interface ApplyOptions extends WriteOptions {
  force?: boolean;
  subresource?: 'status' | 'scale' | (string & {});
}

/** Options of {@link KubeClient.delete}. */
export interface DeleteOptions extends RequestOptions {
  namespace?: string;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this uid / resourceVersion (409 Conflict otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** Options of {@link KubeClient.deleteAllOf}. */
export interface DeleteAllOfOptions extends DeleteOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Options of {@link KubeClient.watch}. */
export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version ("" or unset: from now, after synthetic ADDEDs of the current state). */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  allowWatchBookmarks?: boolean;
  /** Server-side timeout; the server ends the stream after it. */
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
  /** Watch only metadata (PartialObjectMetadata objects). */
  metadataOnly?: boolean;
}

/** autoscaling/v1 Scale. */
export interface Scale extends KubeObject {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

/** Options of {@link KubeClient}. */
export interface KubeClientOptions {
  kubeConfig: KubeConfig;
  /** Field manager for writes that name none. Default `opkit`. */
  fieldManager?: string;
  /** User-Agent header. Default `opkit/0.1`. */
  userAgent?: string;
  /** Replaces the HTTP transport (tests). */
  transport?: RestTransport;
  /** Options of the RESTMapper built from discovery. */
  restMapper?: RESTMapperOptions;
  /**
   * Receives every request's method, host, status code and latency (client-go's REST client
   * metrics). Default: none. More can be attached later with {@link KubeClient.observeRequests}.
   */
  metrics?: RestClientMetrics;
}

/** A Kubernetes API client over any GroupVersionKind. */
export class KubeClient {
  readonly kubeConfig: KubeConfig;
  /** The transport as given (unmetered); the client sends through a metering wrapper of it. */
  readonly transport: RestTransport;
  readonly restMapper: RESTMapper;
  /** Namespace used for namespaced kinds when a call names none: the context's, else `default`. */
  readonly defaultNamespace: string;
  readonly fieldManager: string;
  /** Where requests are reported; empty by default (no metrics, no global state). */
  private readonly metricsSinks = new Set<RestClientMetrics>();
  /** {@link transport} reporting to {@link metricsSinks}: what every call goes through. */
  private readonly metered: RestTransport;

  constructor(opts: KubeClientOptions) {
    this.kubeConfig = opts.kubeConfig;
    this.transport = opts.transport ?? new KubeConfigTransport(opts.kubeConfig, opts.userAgent);
    if (opts.metrics) this.metricsSinks.add(opts.metrics);
    this.metered = new MeteredTransport(this.transport, serverHost(opts.kubeConfig), () => this.metricsSinks);
    this.restMapper = new RESTMapper(this.metered, opts.restMapper);
    this.fieldManager = opts.fieldManager ?? 'opkit';
    const context = opts.kubeConfig.getContextObject(opts.kubeConfig.getCurrentContext());
    this.defaultNamespace = context?.namespace || 'default';
  }

  /** A client for the default kubeconfig: `$KUBECONFIG`, `~/.kube/config`, or in-cluster. */
  static fromDefault(opts: Omit<KubeClientOptions, 'kubeConfig'> = {}): KubeClient {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    return new KubeClient({ ...opts, kubeConfig: kc });
  }

  /** A client for a kubeconfig file. */
  static fromFile(path: string, opts: Omit<KubeClientOptions, 'kubeConfig'> = {}): KubeClient {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    return new KubeClient({ ...opts, kubeConfig: kc });
  }

  /** A client from kubeconfig YAML text. */
  static fromYaml(yaml: string, opts: Omit<KubeClientOptions, 'kubeConfig'> = {}): KubeClient {
    const kc = new KubeConfig();
    kc.loadFromString(yaml);
    return new KubeClient({ ...opts, kubeConfig: kc });
  }

  /**
   * Reports every request from now on to `metrics` too (a manager attaches its registry's REST
   * client collectors this way). Returns a function that detaches it.
   */
  observeRequests(metrics: RestClientMetrics): () => void {
    this.metricsSinks.add(metrics);
    return () => void this.metricsSinks.delete(metrics);
  }

  /** Reads one object. */
  async get<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    name: string,
    opts: GetOptions = {},
  ): Promise<T> {
    const m = await this.restMapper.mappingFor(gvk);
    return this.json<T>({
      method: 'GET',
      path: this.path(m, opts.namespace, name),
      query: { resourceVersion: opts.resourceVersion },
      accept: opts.metadataOnly ? PARTIAL_OBJECT_METADATA_ACCEPT : undefined,
      signal: opts.signal,
    });
  }

  /**
   * Lists objects: all pages (following `continue`, `pageSize` at a time) unless `limit` asks for
   * one page. The returned list's resourceVersion is the first page's, the snapshot all pages share.
   */
  async list<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    opts: ListOptions = {},
  ): Promise<ObjectList<T>> {
    if (opts.limit !== undefined) {
      for await (const page of this.listPages<T>(gvk, { ...opts, pageSize: opts.limit, singlePage: true }))
        return page;
    }
    let list: ObjectList<T> | undefined;
    for await (const page of this.listPages<T>(gvk, opts)) {
      if (!list) {
        list = page;
        list.items ??= [];
      } else {
        for (const item of page.items ?? []) list.items.push(item);
      }
    }
    if (list?.metadata) {
      delete list.metadata.continue;
      delete list.metadata.remainingItemCount;
    }
    return list!;
  }

  /**
   * Lists objects page by page (`pageSize` at a time, from `continue` if set), yielding each page as
   * it arrives. Pages are pipelined: the next page is requested as soon as the current one's bytes
   * are in (its `continue` token is read from the head of the body, where the API server writes
   * list metadata), so the server renders page n+1 while this process parses page n. Breaking out
   * of the loop aborts a page still in flight. `singlePage` yields only the first page (what
   * {@link list} with `limit` returns).
   */
  async *listPages<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    opts: ListOptions & { singlePage?: boolean } = {},
  ): AsyncGenerator<ObjectList<T>> {
    const m = await this.restMapper.mappingFor(gvk);
    const path = this.path(m, opts.namespace ?? '', undefined, undefined, true);
    const limit = opts.pageSize ?? 500;
    const fetchPage = (cont: string | undefined, first: boolean): InFlightPage => {
      const ctrl = linkedAbortController(opts.signal);
      const response = this.metered.request({
        method: 'GET',
        path,
        query: {
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          limit,
          continue: cont,
          // a continue token pins the snapshot; the server rejects resourceVersion alongside it
          resourceVersion: first && !cont ? opts.resourceVersion : undefined,
          resourceVersionMatch: first && !cont ? opts.resourceVersionMatch : undefined,
        },
        accept: opts.metadataOnly ? PARTIAL_OBJECT_METADATA_LIST_ACCEPT : undefined,
        signal: ctrl.signal,
      });
      // a prefetched page the caller never asks for must not surface as an unhandled rejection
      response.catch(() => undefined);
      return {
        token: cont,
        response,
        abort: () => {
          ctrl.release();
          ctrl.abort();
        },
        release: ctrl.release,
      };
    };
    let current: InFlightPage | undefined = fetchPage(opts.continue, true);
    let next: InFlightPage | undefined;
    try {
      while (current) {
        const res = await current.response;
        current.release();
        const guessed = opts.singlePage ? undefined : continueTokenOf(res.body);
        if (guessed) next = fetchPage(guessed, false);
        const page = JSON.parse(res.body.toString('utf8')) as ObjectList<T>;
        const cont = page.metadata?.continue || undefined;
        if (next && next.token !== cont) {
          // the head of the body was not what was expected: fetch what the parsed page says
          next.abort();
          next = undefined;
        }
        if (!next && cont && !opts.singlePage) next = fetchPage(cont, false);
        current = next;
        next = undefined;
        yield page;
      }
    } finally {
      current?.abort();
      next?.abort();
    }
  }

  /** Creates an object (its kind from apiVersion/kind). */
  async create<T extends KubeObject>(obj: T, opts: CreateOptions = {}): Promise<T> {
    const m = await this.restMapper.mappingFor(gvkOf(obj));
    return this.json<T>({
      method: 'POST',
      path: this.path(m, obj.metadata?.namespace ?? opts.namespace),
      query: this.writeQuery(opts),
      body: JSON.stringify(obj),
      contentType: 'application/json',
      signal: opts.signal,
    });
  }

  /** Replaces an object (or its `status`/`scale` subresource); set metadata.resourceVersion for optimistic concurrency. */
  async update<T extends KubeObject>(obj: T, opts: UpdateOptions = {}): Promise<T> {
    const m = await this.restMapper.mappingFor(gvkOf(obj));
    return this.json<T>({
      method: 'PUT',
      path: this.path(m, obj.metadata?.namespace, this.nameOf(obj), opts.subresource),
      query: this.writeQuery(opts),
      body: JSON.stringify(obj),
      contentType: 'application/json',
      signal: opts.signal,
    });
  }

  /** Replaces the status subresource. */
  updateStatus<T extends KubeObject>(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.update(obj, { ...opts, subresource: 'status' });
  }

  /**
   * Patches an object. `patch` is the patch document: an object or array (serialized as JSON) or
   * a string sent as is. `fieldManager` defaults to the client's.
   */
  async patch<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    name: string,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    const type = opts.type ?? 'merge';
    const m = await this.restMapper.mappingFor(gvk);
    const query = this.writeQuery(opts);
    if (type === 'apply' && opts.force !== undefined) query.force = opts.force;
    return this.json<T>({
      method: 'PATCH',
      path: this.path(m, opts.namespace, name, opts.subresource),
      query,
      body: typeof patch === 'string' ? patch : JSON.stringify(patch),
      contentType: PATCH_CONTENT_TYPES[type],
      signal: opts.signal,
    });
  }

  /** Server-side apply of an object's desired fields (kind, name and namespace from the object). */
  apply<T extends KubeObject>(obj: T, opts: ApplyOptions = {}): Promise<T> {
    return this.patch<T>(gvkOf(obj), this.nameOf(obj), obj, {
      ...opts,
      type: 'apply',
      namespace: obj.metadata?.namespace,
    });
  }

  /**
   * Deletes an object. Resolves to the object as the server returns it (with deletionTimestamp
   * when finalizers hold it, or its final state) or to a `Status` for kinds that answer so.
   */
  async delete<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<T | Status> {
    const m = await this.restMapper.mappingFor(gvk);
    return this.json<T | Status>({
      method: 'DELETE',
      path: this.path(m, opts.namespace, name),
      body: JSON.stringify(this.deleteBody(opts)),
      contentType: 'application/json',
      signal: opts.signal,
    });
  }

  /** Deletes every object matching the selectors in a namespace (a DELETE on the collection). */
  async deleteAllOf<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    opts: DeleteAllOfOptions = {},
  ): Promise<ObjectList<T> | Status> {
    const m = await this.restMapper.mappingFor(gvk);
    return this.json<ObjectList<T> | Status>({
      method: 'DELETE',
      path: this.path(m, opts.namespace),
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
      body: JSON.stringify(this.deleteBody(opts)),
      contentType: 'application/json',
      signal: opts.signal,
    });
  }

  /** Reads a subresource (`status`, `scale`, ...). */
  async getSubresource<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    name: string,
    subresource: string,
    opts: GetOptions = {},
  ): Promise<T> {
    const m = await this.restMapper.mappingFor(gvk);
    return this.json<T>({
      method: 'GET',
      path: this.path(m, opts.namespace, name, subresource),
      signal: opts.signal,
    });
  }

  /** Reads the scale subresource. */
  getScale(gvk: GroupVersionKind, name: string, opts: GetOptions = {}): Promise<Scale> {
    return this.getSubresource<Scale>(gvk, name, 'scale', opts);
  }

  /** Sets `spec.replicas` through the scale subresource (a merge patch, so no resourceVersion race). */
  scale(
    gvk: GroupVersionKind,
    name: string,
    replicas: number,
    opts: Omit<PatchOptions, 'type' | 'subresource'> = {},
  ): Promise<Scale> {
    return this.patch<Scale>(
      gvk,
      name,
      { spec: { replicas } },
      { ...opts, type: 'merge', subresource: 'scale' },
    );
  }

  /**
   * Watches a kind: an async iterable of events that ends when the server closes the stream or
   * `signal` aborts (then it ends quietly). HTTP errors are thrown when opening (e.g. a 410
   * {@link GoneError}); errors the server reports mid-stream arrive as `ERROR` events.
   */
  async *watch<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    opts: WatchOptions = {},
    signal?: AbortSignal,
  ): AsyncGenerator<WatchEvent<T>> {
    const m = await this.restMapper.mappingFor(gvk);
    let res: Readable;
    try {
      res = await this.metered.stream({
        method: 'GET',
        path: this.path(m, opts.namespace ?? '', undefined, undefined, true),
        query: {
          watch: 'true',
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          resourceVersion: opts.resourceVersion,
          resourceVersionMatch: opts.resourceVersionMatch,
          allowWatchBookmarks: opts.allowWatchBookmarks,
          timeoutSeconds: opts.timeoutSeconds,
          sendInitialEvents: opts.sendInitialEvents,
        },
        accept: opts.metadataOnly ? PARTIAL_OBJECT_METADATA_ACCEPT : undefined,
        signal,
      });
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    const decoder = new JsonLineDecoder();
    try {
      for await (const chunk of res) {
        for (const event of decoder.push(chunk as Buffer)) yield event as WatchEvent<T>;
      }
      for (const event of decoder.end()) yield event as WatchEvent<T>;
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    } finally {
      res.destroy();
    }
  }

  /** The mapping of a kind (resource, scope), from discovery. */
  mappingFor(gvk: GroupVersionKind): Promise<RESTMapping> {
    return this.restMapper.mappingFor(gvk);
  }

  /**
   * The URL path of a resource: the collection when `name` is unset, namespaced when the kind is
   * (`''` with `allNamespaces` means across all namespaces).
   */
  path(
    m: RESTMapping,
    namespace?: string,
    name?: string,
    subresource?: string,
    allNamespaces = false,
  ): string {
    const r = m.resource;
    let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    if (m.namespaced) {
      const ns = allNamespaces && !namespace ? '' : namespace || this.defaultNamespace;
      if (ns) p += `/namespaces/${encodeURIComponent(ns)}`;
    }
    p += `/${r.resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  private nameOf(obj: KubeObject): string {
    const name = obj.metadata?.name;
    if (!name) throw new TypeError('object has no metadata.name');
    return name;
  }

  private writeQuery(opts: WriteOptions): Record<string, string | boolean | undefined> {
    return {
      dryRun: opts.dryRun ? 'All' : undefined,
      fieldManager: opts.fieldManager ?? this.fieldManager,
      fieldValidation: opts.fieldValidation,
    };
  }

  private deleteBody(opts: DeleteOptions): Record<string, unknown> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.preconditions) body.preconditions = opts.preconditions;
    if (opts.dryRun) body.dryRun = ['All'];
    return body;
  }

  private async json<T>(req: RestRequest): Promise<T> {
    const res = await this.metered.request(req);
    return JSON.parse(res.body.toString('utf8')) as T;
  }
}

/** The `host:port` of the current cluster's server (client-go's `host` label); `''` when unknown. */
function serverHost(kc: KubeConfig): string {
  const server = kc.getCurrentCluster()?.server;
  if (!server) return '';
  try {
    return new URL(server).host;
  } catch {
    return '';
  }
}

/** A page request in flight. */
interface InFlightPage {
  /** The continue token it was requested with. */
  token: string | undefined;
  response: Promise<RestResponse>;
  abort(): void;
  /** Detaches it from the caller's signal once it has completed. */
  release(): void;
}

/** An AbortController that also aborts when `parent` does (at once if it already has). */
function linkedAbortController(parent: AbortSignal | undefined): AbortController & { release: () => void } {
  const ctrl = new AbortController() as AbortController & { release: () => void };
  const onAbort = () => ctrl.abort(parent?.reason);
  if (parent?.aborted) ctrl.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  ctrl.release = () => parent?.removeEventListener('abort', onAbort);
  return ctrl;
}

/** How far into a list body its `metadata` is looked for; list metadata is a few hundred bytes. */
const LIST_HEAD_BYTES = 4096;

/**
 * The `continue` token of a JSON list body, read from its head without parsing the items: the API
 * server encodes kind, apiVersion and metadata before items (metav1.List field order, which
 * k8s.io/apimachinery's JSON serializer keeps). Undefined when not found there; callers check the
 * guess against the parsed list.
 */
export function continueTokenOf(body: Buffer): string | undefined {
  const head = body.subarray(0, Math.min(body.length, LIST_HEAD_BYTES)).toString('latin1');
  const items = head.indexOf('"items":');
  const meta = head.indexOf('"metadata":{');
  if (meta < 0 || (items >= 0 && items < meta)) return undefined;
  const end = head.indexOf('}', meta);
  if (end < 0) return undefined;
  const match = /"continue":"([^"\\]*)"/.exec(head.slice(meta, end));
  return match?.[1] || undefined;
}
