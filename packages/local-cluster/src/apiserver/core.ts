/**
 * ApiCore: every request of the local API server, in process. The HTTP layer, the garbage
 * collector and the simulated controllers all call it, so every write sees the same rules:
 * the generic registry store of k8s.io/apiserver (pkg/registry/generic/registry/store.go), the
 * request handlers (pkg/endpoints/handlers/{create,update,patch,delete}.go) and the per-kind
 * strategies.
 */
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import {
  ApiError,
  errors,
  isJsonObject,
  jsonEqual,
  rfc3339,
  type JsonObject,
  type KubeObject,
  type Status,
  type StatusCause,
} from '../api/index.js';
import type { ResourceRegistry, ResourceType } from '../registry/index.js';
import type { ObjectStore, StoreKey } from '../storage/index.js';
import { silentLogger, type Logger } from '../logging/index.js';
import * as peer from './collaborators.js';
import type { CustomSchema, KindSchema } from './collaborators.js';
import { generateName, setValueAtPath, valueAtPath } from './object-fields.js';
import { FieldSelector, LabelSelector, labelSelectorToString } from './selectors.js';
import { evictPod } from './eviction.js';
import * as strategy from './strategy.js';
import type {
  DeleteOptions,
  KubeList,
  ListOptions,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from './types.js';

/** Options of {@link ApiCore}. */
export interface ApiCoreOptions {
  registry: ResourceRegistry;
  store: ObjectStore;
  /** The clock for timestamps (tests use a fixed one). */
  now?: () => Date;
  /** Where the core logs (silent by default). */
  logger?: Logger;
}

/** The result of a delete: the object (still present or just removed) or a Success Status. */
export interface DeleteResult {
  body: KubeObject | Status;
  /** False when the object remains, with deletionTimestamp set (finalizers, graceful deletion). */
  deleted: boolean;
}

const CRD_GROUP_RESOURCE = 'apiextensions.k8s.io/customresourcedefinitions';
const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const NAMESPACES: ResourceRefLike = { group: '', resource: 'namespaces' };
const PATCH_RETRIES = 5;

interface ResourceRefLike {
  group: string;
  resource: string;
}

interface UpdateContext {
  subresource?: string;
  /** managedFields were computed by server-side apply; do not track the update again. */
  applied?: boolean;
  /** The write came from a patch: a missing resourceVersion means "the current one". */
  fromPatch?: boolean;
  /** Paths of unknown fields found before the object was merged (apply, status). */
  manager: string;
}

function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Product name of a User-Agent (`kubectl/v1.32.0 (linux/amd64)` -> `kubectl`), as prefixFromUserAgent. */
function managerFromUserAgent(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').split('/')[0] ?? '';
  return ua.slice(0, 128) || 'unknown';
}

function internalError(message: string): ApiError {
  // what responsewriters.ErrorToAPIStatus makes of a plain error: 500 with an empty reason
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    code: 500,
  });
}

/**
 * The in-process API server: CRUD, patch, watch and the subresources of every served resource,
 * with kube-apiserver's metadata, concurrency, validation and deletion rules.
 */
export class ApiCore {
  readonly registry: ResourceRegistry;
  readonly store: ObjectStore;
  private readonly now: () => Date;
  readonly logger: Logger;
  /** CRDs by `group/plural`, to find a custom resource's schema. */
  private readonly crds = new Map<string, KubeObject>();
  private readonly schemaCache = new Map<string, CustomSchema>();

  constructor(opts: ApiCoreOptions) {
    this.registry = opts.registry;
    this.store = opts.store;
    this.now = opts.now ?? (() => new Date());
    this.logger = opts.logger ?? silentLogger();
    // CRDs that survived a restart serve their resources again
    for (const crd of this.store.list(CRD_GROUP_RESOURCE, {}).items) this.registerCrd(crd);
  }

  private readonly timestamp = (): string => rfc3339(this.now());

  /** Creates the namespaces every cluster has (default, kube-system, kube-public, kube-node-lease). */
  async bootstrap(): Promise<void> {
    const nsType = this.typeOf('', 'v1', 'namespaces');
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      if (!this.store.get({ resource: '/namespaces', namespace: '', name })) {
        await this.create(
          nsType,
          '',
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
          { fieldManager: 'kube-apiserver' },
        );
      }
    }
  }

  /** The served type for group/version/resource; throws 404 when there is none. */
  typeOf(group: string, version: string, resource: string): ResourceType {
    const t = this.registry.get(group, version, resource);
    if (!t) throw errors.noRoute();
    return t;
  }

  /** The OpenAPI v3 schema of a custom resource version (what discovery publishes), if known. */
  customResourceOpenApi(type: ResourceType): JsonObject | undefined {
    if (!type.custom || !this.crds.has(`${type.group}/${type.resource}`)) return undefined;
    return this.customSchema(type).openAPIV3();
  }

  // ---------------------------------------------------------------- reads

  async get(type: ResourceType, namespace: string, name: string): Promise<KubeObject> {
    const obj = this.store.get(this.key(type, namespace, name));
    if (!obj) throw errors.notFound(type, name);
    return this.present(type, obj);
  }

  async list(type: ResourceType, namespace: string, opts: ListOptions = {}): Promise<KubeList> {
    const filter = this.filterFor(type, opts.labelSelector, opts.fieldSelector);
    const page = this.store.list(this.resourceKey(type), {
      namespace: type.namespaced ? namespace : undefined,
      ...(filter ? { filter } : {}),
      limit: opts.limit,
      continue: opts.continue,
      resourceVersion: opts.resourceVersion,
      resourceVersionMatch: opts.resourceVersionMatch,
    });
    return {
      kind: type.listKind,
      apiVersion: apiVersionOf(type),
      metadata: {
        resourceVersion: page.resourceVersion,
        ...(page.continue ? { continue: page.continue } : {}),
        ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
      },
      items: page.items.map((o) => this.present(type, o)),
    };
  }

  /**
   * Watches a resource. A resourceVersion older than the retained history ends the stream with one
   * ERROR event carrying a 410 Expired Status, as the real watch does.
   */
  watch(
    type: ResourceType,
    namespace: string,
    opts: WatchOptions,
    signal: AbortSignal,
  ): AsyncIterable<WatchEvent> {
    if (opts.sendInitialEvents) {
      // k8s.io/apimachinery/pkg/apis/meta/internalversion/validation: ValidateListOptions
      const causes: StatusCause[] = [];
      if (opts.resourceVersionMatch !== 'NotOlderThan') {
        causes.push({
          reason: 'FieldValueForbidden',
          field: 'resourceVersionMatch',
          message: 'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        });
      }
      if (!opts.allowWatchBookmarks) {
        causes.push({
          reason: 'FieldValueRequired',
          field: 'allowWatchBookmarks',
          message: 'Required value: sendInitialEvents requires allowWatchBookmarks=true',
        });
      }
      if (causes.length) throw errors.invalid('ListOptions', 'meta.k8s.io', '', causes);
    }
    // validated before the first event so that bad input is an HTTP error, not a broken stream
    const filter = this.filterFor(type, opts.labelSelector, opts.fieldSelector);
    return this.watchEvents(type, namespace, opts, filter, signal);
  }

  private async *watchEvents(
    type: ResourceType,
    namespace: string,
    opts: WatchOptions,
    filter: ((o: KubeObject) => boolean) | undefined,
    signal: AbortSignal,
  ): AsyncIterable<WatchEvent> {
    const bookmark = (revision: number, initialEnd: boolean): WatchEvent => ({
      type: 'BOOKMARK',
      object: {
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: {
          resourceVersion: String(revision),
          ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
        },
      },
    });
    try {
      const events = this.store.watch(this.resourceKey(type), {
        namespace: type.namespaced && namespace ? namespace : undefined,
        ...(filter ? { filter } : {}),
        resourceVersion: opts.resourceVersion,
        ...(opts.sendInitialEvents !== undefined ? { sendInitial: opts.sendInitialEvents } : {}),
        signal,
      });
      for await (const e of events) {
        if (e.type === 'BOOKMARK') {
          const initialEnd = 'initialEventsEnd' in e && e.initialEventsEnd === true;
          if (opts.allowWatchBookmarks || initialEnd) yield bookmark(e.revision, initialEnd);
          continue;
        }
        yield { type: e.type, object: this.present(type, e.object) };
      }
    } catch (e) {
      if (e instanceof ApiError && e.code === 410) {
        yield { type: 'ERROR', object: e.status };
        return;
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- create

  async create(
    type: ResourceType,
    namespace: string,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<KubeObject> {
    const obj = this.decode(type, body, opts);
    return this.createObject(type, namespace, obj, opts, { manager: this.managerOf(opts) });
  }

  private createObject(
    type: ResourceType,
    namespace: string,
    obj: KubeObject,
    opts: WriteOptions,
    ctx: UpdateContext,
  ): KubeObject {
    const meta = obj.metadata;
    this.checkNamespace(type, namespace, meta.namespace);
    if (type.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    if (meta.resourceVersion)
      throw internalError('resourceVersion should not be set on objects to be created');
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    // rest.BeforeCreate / FillObjectMetaSystemFields
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (strategy.tracksGeneration(type)) meta.generation = 1;
    else delete meta.generation;
    strategy.prepareForCreate(type, obj);
    this.checkUnknownFields(type, obj, opts);
    this.defaultAndValidate(type, obj, undefined);
    this.admitNamespace(type, namespace, meta.name ?? '');
    let result = obj;
    if (!ctx.applied) {
      result = peer.trackUpdate({
        old: undefined,
        updated: obj,
        manager: ctx.manager,
        schema: this.kindSchema(type),
        apiVersion: apiVersionOf(type),
        now: this.timestamp,
      });
    }
    if (this.isCrdType(type)) this.prepareCrd(result);
    if (opts.dryRun) return this.present(type, result);
    this.toStorageVersion(type, result);
    const stored = this.store.create(this.key(type, namespace, meta.name ?? ''), result);
    return this.present(type, this.afterWrite(type, stored));
  }

  // ---------------------------------------------------------------- update

  async update(
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<KubeObject> {
    if (opts.subresource === 'scale') return this.updateScale(type, namespace, name, body, opts);
    const obj = this.decode(type, body, opts);
    this.checkNamespace(type, namespace, obj.metadata.namespace);
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    obj.metadata.name = name;
    const old = this.store.get(this.key(type, namespace, name));
    const ctx: UpdateContext = { subresource: opts.subresource, manager: this.managerOf(opts) };
    if (!old) {
      if (!strategy.allowCreateOnUpdate(type) || opts.subresource) throw errors.notFound(type, name);
      delete obj.metadata.resourceVersion;
      return this.createObject(type, namespace, obj, opts, ctx);
    }
    return this.updateObject(type, old, obj, opts, ctx);
  }

  private updateObject(
    type: ResourceType,
    oldStored: KubeObject,
    incoming: KubeObject,
    opts: WriteOptions,
    ctx: UpdateContext,
  ): KubeObject {
    const old = this.present(type, oldStored);
    const oldMeta = old.metadata;
    const name = oldMeta.name ?? '';
    const inMeta = incoming.metadata;
    // optimistic concurrency (store.go Update: the object's resourceVersion is the precondition)
    if (!inMeta.resourceVersion) {
      if (ctx.fromPatch) {
        inMeta.resourceVersion = oldMeta.resourceVersion;
      } else if (!strategy.allowUnconditionalUpdate(type)) {
        throw errors.invalid(type.kind, type.group, name, [
          {
            reason: 'FieldValueInvalid',
            field: 'metadata.resourceVersion',
            message: 'Invalid value: 0x0: must be specified for an update',
          },
        ]);
      }
    } else if (inMeta.resourceVersion !== oldMeta.resourceVersion) {
      throw errors.conflict(
        type,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    if (inMeta.uid && inMeta.uid !== oldMeta.uid) {
      throw errors.invalid(type.kind, type.group, name, [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.uid',
          message: `Invalid value: ${JSON.stringify(inMeta.uid)}: field is immutable`,
        },
      ]);
    }
    this.checkUnknownFields(type, incoming, opts);

    let next: KubeObject;
    if (ctx.subresource === 'status') {
      // status strategies: only status changes; metadata as stored (ResetObjectMetaForStatus)
      next = structuredClone(old);
      if (incoming.status === undefined) delete next.status;
      else next.status = structuredClone(incoming.status);
      if (inMeta.managedFields) next.metadata.managedFields = structuredClone(inMeta.managedFields);
    } else {
      next = structuredClone(incoming);
      if (type.subresources.status) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
      if (this.isNamespaceType(type)) {
        // the namespace's spec.finalizers change only through /finalize (namespace strategy)
        next.spec = structuredClone(old.spec);
      }
    }
    if (ctx.subresource === 'finalize') {
      next = structuredClone(old);
      next.spec = {
        ...(old.spec as JsonObject),
        finalizers: (incoming.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [],
      };
    }
    const meta = next.metadata;
    meta.name = oldMeta.name;
    if (type.namespaced) meta.namespace = oldMeta.namespace;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.resourceVersion = oldMeta.resourceVersion;
    for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (oldMeta[f] === undefined) delete meta[f];
      else (meta as Record<string, unknown>)[f] = oldMeta[f];
    }
    if (oldMeta.deletionTimestamp) {
      const added = (meta.finalizers ?? []).filter((f) => !(oldMeta.finalizers ?? []).includes(f));
      if (added.length) {
        // apimachinery ValidateObjectMetaUpdate
        throw errors.invalid(type.kind, type.group, name, [
          {
            reason: 'FieldValueForbidden',
            field: 'metadata.finalizers',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((a) => JSON.stringify(a)).join(', ')}}`,
          },
        ]);
      }
    }
    if (meta.finalizers && meta.finalizers.length === 0) delete meta.finalizers;
    this.defaultAndValidate(type, next, old);
    if (meta.generation !== undefined && this.specChanged(type, old, next))
      meta.generation = (meta.generation ?? 0) + 1;
    if (this.isCrdType(type)) this.prepareCrd(next);

    let result = next;
    if (!ctx.applied) {
      const sameContent = jsonEqual(this.withoutManagedFields(next), this.withoutManagedFields(old));
      if (sameContent && jsonEqual(next.metadata.managedFields, old.metadata.managedFields)) return old;
      result = peer.trackUpdate({
        old,
        updated: next,
        manager: ctx.manager,
        schema: this.kindSchema(type),
        apiVersion: apiVersionOf(type),
        subresource: ctx.subresource,
        now: this.timestamp,
      });
      if (sameContent && jsonEqual(result.metadata.managedFields, old.metadata.managedFields)) return old;
    } else if (jsonEqual(next, old)) {
      return old;
    }
    if (opts.dryRun) return result;

    const key = this.key(type, oldMeta.namespace ?? '', name);
    // store.go shouldDeleteDuringUpdate: the last finalizer of a deleting object is gone
    if (
      result.metadata.deletionTimestamp &&
      !result.metadata.finalizers?.length &&
      oldMeta.deletionGracePeriodSeconds === 0 &&
      !this.namespaceBlocked(type, result)
    ) {
      this.toStorageVersion(type, result);
      const written = this.store.update(key, result, { expectedResourceVersion: oldMeta.resourceVersion });
      const gone = this.store.delete(key, { expectedResourceVersion: written.metadata.resourceVersion });
      this.afterDelete(type, gone);
      return this.present(type, gone);
    }
    this.toStorageVersion(type, result);
    const stored = this.store.update(key, result, { expectedResourceVersion: oldMeta.resourceVersion });
    return this.present(type, this.afterWrite(type, stored));
  }

  // ---------------------------------------------------------------- patch

  async patch(
    type: ResourceType,
    namespace: string,
    name: string,
    patch: string | Buffer,
    contentType: string,
    opts: WriteOptions & { force?: boolean; subresource?: string } = {},
  ): Promise<KubeObject> {
    const { object } = await this.patchWithOutcome(type, namespace, name, patch, contentType, opts);
    return object;
  }

  /** Like {@link patch}, also telling whether the patch created the object (apply: HTTP 201). */
  async patchWithOutcome(
    type: ResourceType,
    namespace: string,
    name: string,
    patch: string | Buffer,
    contentType: string,
    opts: WriteOptions & { force?: boolean; subresource?: string } = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
    const text = typeof patch === 'string' ? patch : patch.toString('utf8');
    const isApply =
      mediaType === 'application/apply-patch+yaml' || mediaType === 'application/apply-patch+json';
    const known = [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ];
    if (!isApply && !known.includes(mediaType)) throw errors.unsupportedMediaType(mediaType);
    if (mediaType === 'application/strategic-merge-patch+json' && type.custom)
      throw errors.unsupportedMediaType(mediaType);
    // validation.ValidatePatchOptions
    const optionCauses: StatusCause[] = [];
    if (isApply && !opts.fieldManager)
      optionCauses.push({
        reason: 'FieldValueRequired',
        field: 'fieldManager',
        message: 'Required value: is required for apply patch',
      });
    if (!isApply && opts.force !== undefined)
      optionCauses.push({
        reason: 'FieldValueForbidden',
        field: 'force',
        message: 'Forbidden: may not be specified for non-apply patch',
      });
    if (optionCauses.length) throw errors.invalid('PatchOptions', 'meta.k8s.io', '', optionCauses);
    if (opts.subresource === 'scale')
      return { object: await this.patchScale(type, namespace, name, text, mediaType, opts), created: false };

    const key = this.key(type, namespace, name);
    const manager = this.managerOf(opts);
    for (let attempt = 0; ; attempt++) {
      const stored = this.store.get(key);
      try {
        if (isApply) return this.applyPatch(type, namespace, name, stored, text, opts, manager);
        if (!stored) throw errors.notFound(type, name);
        const current = this.present(type, stored);
        let patched: KubeObject;
        if (mediaType === 'application/json-patch+json') patched = peer.jsonPatch(current, text);
        else if (mediaType === 'application/merge-patch+json') patched = peer.mergePatch(current, text);
        else patched = peer.strategicMergePatch(current, text, this.kindSchema(type));
        if (!isJsonObject(patched) || !isJsonObject(patched.metadata))
          throw errors.badRequest('the patched object is not a Kubernetes object');
        const patchedRv = patched.metadata.resourceVersion;
        const ownRv = patchedRv !== undefined && patchedRv !== current.metadata.resourceVersion;
        this.checkTypeMeta(type, patched);
        if (patched.metadata.name !== name) {
          throw errors.badRequest(
            `the name of the object (${String(patched.metadata.name)}) does not match the name on the URL (${name})`,
          );
        }
        const object = this.updateObject(type, stored, patched, opts, {
          subresource: opts.subresource,
          manager,
          fromPatch: !ownRv,
        });
        return { object, created: false };
      } catch (e) {
        // patch.go: retried on conflicts unless the patch itself pinned a resourceVersion
        if (
          e instanceof ApiError &&
          e.code === 409 &&
          e.reason === 'Conflict' &&
          attempt < PATCH_RETRIES &&
          !this.patchPinsVersion(text, isApply)
        )
          continue;
        throw e;
      }
    }
  }

  private patchPinsVersion(text: string, isApply: boolean): boolean {
    try {
      const p = isApply ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
      return isJsonObject(p) && isJsonObject(p.metadata) && p.metadata.resourceVersion !== undefined;
    } catch {
      return false;
    }
  }

  private applyPatch(
    type: ResourceType,
    namespace: string,
    name: string,
    stored: KubeObject | undefined,
    text: string,
    opts: WriteOptions & { force?: boolean; subresource?: string },
    manager: string,
  ): { object: KubeObject; created: boolean } {
    let applied: unknown;
    try {
      applied = parseYaml(text, { uniqueKeys: true });
    } catch (e) {
      throw errors.badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
    if (!isJsonObject(applied))
      throw errors.badRequest('error decoding YAML: the applied configuration is not an object');
    const cfg = applied as KubeObject;
    if (!cfg.apiVersion || !cfg.kind) {
      throw errors.badRequest('invalid object type: /, Kind=');
    }
    this.checkTypeMeta(type, cfg);
    const meta = isJsonObject(cfg.metadata) ? cfg.metadata : {};
    if (meta.name !== undefined && meta.name !== name) {
      throw errors.badRequest(
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
      );
    }
    this.checkNamespace(type, namespace, meta.namespace as string | undefined);
    // the reset fields of the status strategies: the main resource does not apply status, /status
    // applies nothing but status (fieldmanager ResetFields)
    if (opts.subresource === 'status') {
      applied = {
        apiVersion: cfg.apiVersion,
        kind: cfg.kind,
        metadata: { name, ...(type.namespaced ? { namespace } : {}) },
        ...(cfg.status !== undefined ? { status: cfg.status } : {}),
      };
    } else if (type.subresources.status) {
      delete (applied as Record<string, unknown>).status;
    }
    const schema = this.kindSchema(type);
    const input = {
      now: this.timestamp,
      applied: applied as JsonObject,
      manager,
      force: opts.force === true,
      schema,
      apiVersion: apiVersionOf(type),
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    };
    if (!stored) {
      if (opts.subresource) throw errors.notFound(type, name);
      const created = peer.serverSideApply({ ...input, live: undefined });
      created.metadata = { ...(created.metadata ?? {}), name };
      const object = this.createObject(type, namespace, created, opts, { manager, applied: true });
      return { object, created: true };
    }
    const live = this.present(type, stored);
    const merged = peer.serverSideApply({ ...input, live });
    merged.metadata.resourceVersion = live.metadata.resourceVersion;
    const object = this.updateObject(type, stored, merged, opts, {
      subresource: opts.subresource,
      manager,
      applied: true,
      fromPatch: true,
    });
    return { object, created: false };
  }

  // ---------------------------------------------------------------- delete

  async delete(
    type: ResourceType,
    namespace: string,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<KubeObject | Status> {
    return (await this.deleteWithOutcome(type, namespace, name, opts)).body;
  }

  /** Like {@link delete}, also telling whether the object is gone. */
  async deleteWithOutcome(
    type: ResourceType,
    namespace: string,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<DeleteResult> {
    const key = this.key(type, namespace, name);
    const stored = this.store.get(key);
    if (!stored) throw errors.notFound(type, name);
    const old = this.present(type, stored);
    const meta = old.metadata;
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw errors.conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw errors.conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`,
      );
    }
    if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) {
      throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueInvalid',
          field: 'gracePeriodSeconds',
          message: `Invalid value: ${opts.gracePeriodSeconds}: must be >= 0`,
        },
      ]);
    }
    const policy =
      opts.propagationPolicy ??
      (opts.orphanDependents === true
        ? 'Orphan'
        : opts.orphanDependents === false
          ? 'Foreground'
          : undefined);

    // finalizers the GC needs for the propagation policy (store.go deletionFinalizersForGarbageCollection)
    let finalizers = [...(meta.finalizers ?? [])];
    if (policy === 'Foreground')
      finalizers = [
        ...finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion'),
        'foregroundDeletion',
      ];
    else if (policy === 'Orphan')
      finalizers = [...finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion'), 'orphan'];
    else if (policy === 'Background')
      finalizers = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');

    const grace = strategy.gracePeriodFor(type, old, opts.gracePeriodSeconds);
    const isNamespace = this.isNamespaceType(type);
    const nsFinalizers = isNamespace
      ? ((old.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [])
      : [];
    if (this.isCrdType(type) && !meta.deletionTimestamp && !finalizers.includes(CRD_CLEANUP_FINALIZER))
      finalizers.push(CRD_CLEANUP_FINALIZER);

    if (meta.deletionTimestamp) {
      // already deleting: a pod may have its grace period shortened; finalizer changes are recorded
      const shorten = grace === 0 && (meta.deletionGracePeriodSeconds ?? 0) > 0;
      // nothing holds it any more (e.g. a namespace whose finalize step is done): it goes now
      if (
        finalizers.length === 0 &&
        nsFinalizers.length === 0 &&
        (grace === 0 || meta.deletionGracePeriodSeconds === 0)
      ) {
        if (opts.dryRun) return { body: this.deletedBody(type, old), deleted: true };
        return this.deleteNow(type, key, old);
      }
      const finalizersChanged = !jsonEqual(finalizers, meta.finalizers ?? []);
      if (!shorten && !finalizersChanged) return { body: old, deleted: false };
      if (opts.dryRun) return { body: old, deleted: false };
      if (shorten && finalizers.length === 0) return this.deleteNow(type, key, old);
      const next = structuredClone(old);
      next.metadata.finalizers = finalizers;
      if (shorten) {
        next.metadata.deletionGracePeriodSeconds = 0;
        next.metadata.deletionTimestamp = rfc3339(this.now());
      }
      if (!next.metadata.finalizers.length) delete next.metadata.finalizers;
      const written = this.store.update(key, this.stored(type, next), {
        expectedResourceVersion: meta.resourceVersion,
      });
      return { body: this.present(type, written), deleted: false };
    }

    if (finalizers.length === 0 && grace === 0 && nsFinalizers.length === 0) {
      if (opts.dryRun) return { body: this.deletedBody(type, old), deleted: true };
      return this.deleteNow(type, key, old);
    }
    // graceful deletion / finalizers: mark and keep (store.go updateForGracefulDeletionAndFinalizers)
    const next = structuredClone(old);
    const now = this.now();
    next.metadata.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
    next.metadata.deletionGracePeriodSeconds = grace;
    if (finalizers.length) next.metadata.finalizers = finalizers;
    else delete next.metadata.finalizers;
    if ((next.metadata.generation ?? 0) > 0) next.metadata.generation = (next.metadata.generation ?? 0) + 1;
    if (isNamespace) next.status = { ...((next.status as JsonObject) ?? {}), phase: 'Terminating' };
    if (opts.dryRun) return { body: next, deleted: false };
    const written = this.store.update(key, this.stored(type, next), {
      expectedResourceVersion: meta.resourceVersion,
    });
    const present = this.present(type, written);
    if (this.isCrdType(type)) return { body: this.finishCrdDeletion(type, present), deleted: true };
    return { body: present, deleted: false };
  }

  private deleteNow(type: ResourceType, key: StoreKey, old: KubeObject): DeleteResult {
    const gone = this.store.delete(key, { expectedResourceVersion: old.metadata.resourceVersion });
    this.afterDelete(type, gone);
    return { body: this.deletedBody(type, this.present(type, gone)), deleted: true };
  }

  private deletedBody(type: ResourceType, obj: KubeObject): KubeObject | Status {
    if (strategy.returnsDeletedObject(type)) return obj;
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: obj.metadata.name, group: type.group, kind: type.resource, uid: obj.metadata.uid },
      code: 200,
    } as Status;
  }

  async deleteCollection(
    type: ResourceType,
    namespace: string,
    opts: DeleteOptions & ListOptions = {},
  ): Promise<KubeList> {
    const list = await this.list(type, namespace, {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
    });
    const items: KubeObject[] = [];
    for (const item of list.items) {
      try {
        const r = await this.deleteWithOutcome(
          type,
          item.metadata.namespace ?? '',
          item.metadata.name ?? '',
          {
            propagationPolicy: opts.propagationPolicy,
            gracePeriodSeconds: opts.gracePeriodSeconds,
            dryRun: opts.dryRun,
            orphanDependents: opts.orphanDependents,
          },
        );
        items.push(r.body.kind === 'Status' ? item : (r.body as KubeObject));
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return { ...list, items };
  }

  // ---------------------------------------------------------------- pod subresources

  /**
   * pods/eviction: deletes the pod unless a PodDisruptionBudget covering it has no disruption left
   * (429), spending one of the budget's disruptions (pkg/registry/core/pod/storage/eviction.go).
   */
  async evict(namespace: string, name: string, eviction: unknown): Promise<Status> {
    return evictPod(this, namespace, name, eviction, this.now);
  }

  /**
   * pods/binding: assigns an unscheduled pod to a node, as BindingREST and setPodNodeName do
   * (pkg/registry/core/pod/storage/storage.go): the Binding's metadata.uid is a precondition and its
   * annotations are copied onto the pod. Conflict when the pod is already assigned or being deleted.
   */
  async bind(namespace: string, name: string, binding: unknown, opts: WriteOptions = {}): Promise<Status> {
    const type = this.typeOf('', 'v1', 'pods');
    const body = isJsonObject(binding) ? binding : {};
    const meta = isJsonObject(body.metadata) ? body.metadata : {};
    if (typeof meta.name === 'string' && meta.name !== '' && meta.name !== name) {
      throw errors.badRequest(`name in URL does not match name in Binding object`);
    }
    const target = isJsonObject(body.target) ? body.target : {};
    const nodeName = typeof target.name === 'string' ? target.name : '';
    // ValidatePodBinding
    if (typeof target.kind === 'string' && target.kind !== '' && target.kind !== 'Node') {
      throw errors.invalid('Binding', '', name, [
        {
          reason: 'FieldValueNotSupported',
          field: 'target.kind',
          message: `Unsupported value: ${JSON.stringify(target.kind)}: supported values: "Node"`,
        },
      ]);
    }
    if (!nodeName) {
      throw errors.invalid('Binding', '', name, [
        { reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' },
      ]);
    }
    const uid = typeof meta.uid === 'string' ? meta.uid : '';
    const annotations = isJsonObject(meta.annotations)
      ? (meta.annotations as Record<string, string>)
      : undefined;
    // the store is synchronous, so reading and writing the pod here cannot interleave with another write
    return this.bindOnce(type, namespace, name, nodeName, uid, annotations, opts);
  }

  private bindOnce(
    type: ResourceType,
    namespace: string,
    name: string,
    nodeName: string,
    uid: string,
    annotations: Record<string, string> | undefined,
    opts: WriteOptions,
  ): Status {
    const stored = this.store.get(this.key(type, namespace, name));
    if (!stored) throw errors.notFound(type, name);
    const pod = this.present(type, structuredClone(stored));
    if (uid && uid !== pod.metadata.uid) {
      throw errors.conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid ?? ''}`,
      );
    }
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (pod.metadata.deletionTimestamp)
      throw errors.conflict(type, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (spec.nodeName)
      throw errors.conflict(type, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    // as assignPod upstream: the node name and the PodScheduled condition, bypassing pod update validation
    pod.spec = { ...spec, nodeName };
    if (annotations) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations };
    const status = (pod.status ?? {}) as { conditions?: JsonObject[] };
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({
      type: 'PodScheduled',
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: rfc3339(this.now()),
    });
    pod.status = { ...status, conditions };
    if (opts.dryRun)
      return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as Status;
    const tracked = peer.trackUpdate({
      old: stored,
      updated: pod,
      manager: this.managerOf(opts),
      schema: this.kindSchema(type),
      apiVersion: 'v1',
      now: this.timestamp,
    });
    this.store.update(this.key(type, namespace, name), tracked, {
      expectedResourceVersion: stored.metadata.resourceVersion,
    });
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as Status;
  }

  // ---------------------------------------------------------------- scale subresource

  /** autoscaling/v1 Scale of an object whose kind has a scale subresource. */
  async getScale(type: ResourceType, namespace: string, name: string): Promise<KubeObject> {
    return this.toScale(type, await this.get(type, namespace, name));
  }

  private scaleSpec(type: ResourceType): {
    specReplicasPath: string;
    statusReplicasPath: string;
    labelSelectorPath?: string;
  } {
    const scale = type.subresources.scale;
    if (!scale) throw errors.noRoute();
    return scale;
  }

  private toScale(type: ResourceType, obj: KubeObject): KubeObject {
    const scale = this.scaleSpec(type);
    const m = obj.metadata;
    // built-ins render spec.selector (apps/v1 registry scale.go); CRDs read labelSelectorPath as a string
    const selector = type.custom
      ? scale.labelSelectorPath
        ? valueAtPath(obj, scale.labelSelectorPath)
        : undefined
      : labelSelectorToString((obj.spec as { selector?: unknown } | undefined)?.selector);
    const statusReplicas = valueAtPath(obj, scale.statusReplicasPath);
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: m.name,
        ...(m.namespace ? { namespace: m.namespace } : {}),
        uid: m.uid,
        resourceVersion: m.resourceVersion,
        creationTimestamp: m.creationTimestamp,
      },
      spec: { replicas: Number(valueAtPath(obj, scale.specReplicasPath) ?? 0) },
      status: {
        replicas: typeof statusReplicas === 'number' ? statusReplicas : 0,
        ...(typeof selector === 'string' && selector ? { selector } : {}),
      },
    };
  }

  private async updateScale(
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    opts: WriteOptions,
  ): Promise<KubeObject> {
    const scaleSpec = this.scaleSpec(type);
    const scale = this.decodeRaw(body, opts);
    if (scale.kind !== undefined && scale.kind !== 'Scale')
      throw errors.badRequest(
        `the kind in the data (${String(scale.kind)}) does not match the expected kind (Scale)`,
      );
    const stored = this.store.get(this.key(type, namespace, name));
    if (!stored) throw errors.notFound(type, name);
    const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid('Scale', 'autoscaling', name, [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.replicas',
          message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
        },
      ]);
    }
    const rv = (scale.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    const next = this.present(type, structuredClone(stored));
    next.metadata.resourceVersion = rv || next.metadata.resourceVersion;
    setValueAtPath(next as Record<string, unknown>, scaleSpec.specReplicasPath, replicas);
    const updated = this.updateObject(type, stored, next, opts, {
      subresource: 'scale',
      manager: this.managerOf(opts),
    });
    return this.toScale(type, updated);
  }

  private async patchScale(
    type: ResourceType,
    namespace: string,
    name: string,
    text: string,
    mediaType: string,
    opts: WriteOptions & { force?: boolean },
  ): Promise<KubeObject> {
    const current = await this.getScale(type, namespace, name);
    let patched: KubeObject;
    if (mediaType === 'application/json-patch+json') patched = peer.jsonPatch(current, text);
    else if (mediaType === 'application/apply-patch+yaml' || mediaType === 'application/apply-patch+json') {
      patched = peer.mergePatch(current, JSON.stringify(parseYaml(text) ?? {}));
    } else patched = peer.mergePatch(current, text);
    const pinned = this.patchPinsVersion(text, false);
    if (!pinned) patched.metadata.resourceVersion = current.metadata.resourceVersion;
    return this.updateScale(type, namespace, name, patched, opts);
  }

  // ---------------------------------------------------------------- shared steps

  private key(type: ResourceType, namespace: string, name: string): StoreKey {
    return { resource: this.resourceKey(type), namespace: type.namespaced ? namespace : '', name };
  }

  private resourceKey(type: ResourceType): string {
    return `${type.group}/${type.resource}`;
  }

  private managerOf(opts: WriteOptions): string {
    return opts.fieldManager || managerFromUserAgent(opts.userAgent);
  }

  /**
   * The object as served in the type's version (custom resources are stored in their storage
   * version). A shallow copy: watch events may share the store's objects between watchers.
   */
  private present(type: ResourceType, obj: KubeObject): KubeObject {
    return { ...obj, apiVersion: apiVersionOf(type), kind: type.kind };
  }

  private stored(type: ResourceType, obj: KubeObject): KubeObject {
    this.toStorageVersion(type, obj);
    return obj;
  }

  private toStorageVersion(type: ResourceType, obj: KubeObject): void {
    if (!type.custom) return;
    const storageType = this.registry
      .all()
      .find((t) => t.group === type.group && t.resource === type.resource && t.storage);
    if (storageType) obj.apiVersion = apiVersionOf(storageType);
  }

  private decodeRaw(body: unknown, opts: WriteOptions): Record<string, unknown> {
    let value: unknown;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      const yaml = /yaml/i.test(opts.contentType ?? '');
      try {
        value = yaml ? parseYaml(text) : JSON.parse(text);
      } catch (e) {
        throw errors.badRequest(
          yaml
            ? `error converting YAML to JSON: ${(e as Error).message}`
            : `couldn't get version/kind; json parse error: ${(e as Error).message}`,
        );
      }
      if (!yaml) {
        const dups = peer.duplicateFields(text);
        if (dups.length)
          this.reportFieldProblems(
            dups.map((d) => `duplicate field "${d}"`),
            opts,
          );
      }
    } else {
      value = structuredClone(body);
    }
    if (!isJsonObject(value)) throw errors.badRequest('the body of the request must be a JSON object');
    return value;
  }

  private decode(type: ResourceType, body: unknown, opts: WriteOptions): KubeObject {
    const obj = this.decodeRaw(body, opts) as KubeObject;
    this.checkTypeMeta(type, obj);
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!isJsonObject(obj.metadata as unknown)) throw errors.badRequest('metadata must be an object');
    // metav1.Time has second precision: clients that send milliseconds must not look like a change
    for (const entry of Array.isArray(obj.metadata.managedFields) ? obj.metadata.managedFields : []) {
      if (typeof entry?.time === 'string' && !Number.isNaN(Date.parse(entry.time)))
        entry.time = rfc3339(new Date(entry.time));
    }
    return obj;
  }

  /** apiVersion/kind are filled from the URL when missing and must match it otherwise (create.go). */
  private checkTypeMeta(type: ResourceType, obj: KubeObject): void {
    const expected = apiVersionOf(type);
    if (!obj.apiVersion) obj.apiVersion = expected;
    if (!obj.kind) obj.kind = type.kind;
    if (obj.apiVersion !== expected) {
      const [g] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : [''];
      const sameGroupOtherVersion =
        (g ?? '') === type.group &&
        this.registry.byKind(type.group, obj.apiVersion.split('/').pop() ?? '', obj.kind);
      if (!sameGroupOtherVersion) {
        throw errors.badRequest(
          `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`,
        );
      }
      obj.apiVersion = expected;
    }
    if (obj.kind !== type.kind) {
      throw errors.badRequest(
        `the kind in the data (${obj.kind}) does not match the expected kind (${type.kind})`,
      );
    }
  }

  private checkNamespace(type: ResourceType, namespace: string, inBody: string | undefined): void {
    if (type.namespaced && inBody && inBody !== namespace) {
      throw errors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
  }

  /** The NamespaceLifecycle admission plugin: content only in existing, non-terminating namespaces. */
  private admitNamespace(type: ResourceType, namespace: string, name: string): void {
    if (!type.namespaced) return;
    const ns = this.store.get({ resource: '/namespaces', namespace: '', name: namespace });
    if (!ns) throw errors.notFound(NAMESPACES, namespace);
    if (
      ns.metadata.deletionTimestamp ||
      (ns.status as { phase?: string } | undefined)?.phase === 'Terminating'
    ) {
      throw errors.forbidden(
        type,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  private reportFieldProblems(problems: string[], opts: WriteOptions): void {
    if (!problems.length) return;
    const mode = opts.fieldValidation ?? 'Warn';
    if (mode === 'Ignore') return;
    if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${problems.join(', ')}`);
    opts.warnings?.push(...problems);
  }

  /** fieldValidation: unknown fields of built-ins are reported; custom resources are pruned. */
  private checkUnknownFields(type: ResourceType, obj: KubeObject, opts: WriteOptions): void {
    const paths = type.custom
      ? this.customSchema(type).prune(obj as unknown as JsonObject)
      : peer.pruneBuiltin(obj, this.kindSchema(type));
    this.reportFieldProblems(
      paths.map((p) => `unknown field "${p}"`),
      opts,
    );
  }

  private defaultAndValidate(type: ResourceType, obj: KubeObject, old: KubeObject | undefined): void {
    if (type.custom) this.customSchema(type).applyDefaults(obj as unknown as JsonObject);
    else peer.defaultBuiltin(obj);
    const causes: StatusCause[] = [...peer.validateMeta(type, obj, !old)];
    if (type.custom)
      causes.push(
        ...this.customSchema(type).validate(
          obj as unknown as JsonObject,
          old as unknown as JsonObject | undefined,
        ),
      );
    else if (this.isCrdType(type)) causes.push(...peer.validateCrd(obj, old));
    else causes.push(...peer.validateBuiltin(obj, old));
    if (causes.length) throw errors.invalid(type.kind, type.group, obj.metadata.name ?? '', causes);
    if (!type.custom) strategy.convertToStorage(type, obj);
  }

  /** Whether anything but metadata (and status, when it is a subresource) changed: generation bumps. */
  private specChanged(type: ResourceType, old: KubeObject, next: KubeObject): boolean {
    const content = (o: KubeObject): Record<string, unknown> => {
      const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o;
      if (type.subresources.status) delete rest.status;
      return rest;
    };
    return !jsonEqual(content(old), content(next));
  }

  private withoutManagedFields(o: KubeObject): KubeObject {
    const copy = { ...o, metadata: { ...o.metadata } };
    delete copy.metadata.managedFields;
    return copy;
  }

  private kindSchema(type: ResourceType): KindSchema {
    return type.custom ? this.customSchema(type).toTypeSet() : peer.builtinKindSchema(type);
  }

  private customSchema(type: ResourceType): CustomSchema {
    const crd = this.crds.get(`${type.group}/${type.resource}`);
    if (!crd) throw errors.noRoute();
    const cacheKey = `${crd.metadata.uid ?? ''}/${crd.metadata.resourceVersion ?? ''}/${type.version}`;
    let schema = this.schemaCache.get(cacheKey);
    if (!schema) {
      schema = peer.customSchemaFor(crd, type.version);
      this.schemaCache.set(cacheKey, schema);
    }
    return schema;
  }

  private filterFor(
    type: ResourceType,
    labelSelector?: string,
    fieldSelector?: string,
  ): ((o: KubeObject) => boolean) | undefined {
    const labels = LabelSelector.parse(labelSelector);
    const fields = FieldSelector.parse(fieldSelector);
    strategy.checkFieldSelectorFields(type, fields.fields);
    if (labels.empty && fields.empty) return undefined;
    return (o) => labels.matches(o.metadata?.labels) && fields.matches(strategy.selectableFields(type, o));
  }

  private isNamespaceType(type: ResourceType): boolean {
    return type.group === '' && type.resource === 'namespaces';
  }

  private isCrdType(type: ResourceType): boolean {
    return this.resourceKey(type) === CRD_GROUP_RESOURCE;
  }

  /** A namespace stays while its spec finalizers (the namespace controller's work) remain. */
  private namespaceBlocked(type: ResourceType, obj: KubeObject): boolean {
    return (
      this.isNamespaceType(type) &&
      ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0
    );
  }

  // ---------------------------------------------------------------- CRDs and namespaces

  private prepareCrd(crd: KubeObject): void {
    const finalizers = crd.metadata.finalizers ?? [];
    if (!crd.metadata.deletionTimestamp && !finalizers.includes(CRD_CLEANUP_FINALIZER)) {
      crd.metadata.finalizers = [...finalizers, CRD_CLEANUP_FINALIZER];
    }
  }

  /** Side effects of a committed write: CRDs register their resources and become Established. */
  private afterWrite(type: ResourceType, stored: KubeObject): KubeObject {
    if (this.isNamespaceType(type) && stored.metadata.deletionTimestamp) {
      if (!this.namespaceBlocked(type, stored) && !stored.metadata.finalizers?.length) {
        // the namespace controller deletes a namespace once its finalizers are gone
        const gone = this.store.delete(this.key(type, '', stored.metadata.name ?? ''), {
          expectedResourceVersion: stored.metadata.resourceVersion,
        });
        return gone;
      }
      return stored;
    }
    if (!this.isCrdType(type) || stored.metadata.deletionTimestamp) return stored;
    const status = peer.crdStatus(stored, this.now());
    let current = stored;
    if (!jsonEqual(status, stored.status)) {
      current = this.store.update(
        this.key(type, '', stored.metadata.name ?? ''),
        { ...structuredClone(stored), status },
        {
          expectedResourceVersion: stored.metadata.resourceVersion,
        },
      );
    }
    this.registerCrd(current);
    return current;
  }

  private registerCrd(crd: KubeObject): void {
    const spec = crd.spec as { group?: string; names?: { plural?: string } } | undefined;
    if (!spec?.group || !spec.names?.plural) return;
    const gr = `${spec.group}/${spec.names.plural}`;
    const previous = this.crds.get(gr);
    this.crds.set(gr, crd);
    const types = peer.crdResourceTypes(crd);
    const existing = this.registry
      .all()
      .filter((t) => t.group === spec.group && t.resource === spec.names?.plural);
    const removed = existing.some((t) => !types.some((n) => n.version === t.version));
    if (removed || !previous) this.registry.removeGroupResource(spec.group, spec.names.plural);
    for (const t of types) this.registry.add(t);
  }

  /** Deleting a CRD deletes every custom resource of it, then the CRD (the CRD finalizer's job). */
  private finishCrdDeletion(type: ResourceType, crd: KubeObject): KubeObject {
    const spec = crd.spec as { group: string; names: { plural: string } };
    const resource = `${spec.group}/${spec.names.plural}`;
    for (const item of this.store.list(resource, {}).items) {
      try {
        this.store.delete({
          resource,
          namespace: item.metadata.namespace ?? '',
          name: item.metadata.name ?? '',
        });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    this.registry.removeGroupResource(spec.group, spec.names.plural);
    this.crds.delete(resource);
    const key = this.key(type, '', crd.metadata.name ?? '');
    const remaining = (crd.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    const next = structuredClone(crd);
    if (remaining.length) next.metadata.finalizers = remaining;
    else delete next.metadata.finalizers;
    const written = this.store.update(key, next, { expectedResourceVersion: crd.metadata.resourceVersion });
    if (remaining.length) return this.present(type, written);
    return this.present(
      type,
      this.store.delete(key, { expectedResourceVersion: written.metadata.resourceVersion }),
    );
  }

  private afterDelete(type: ResourceType, gone: KubeObject): void {
    if (this.isCrdType(type)) {
      const spec = gone.spec as { group: string; names: { plural: string } };
      this.registry.removeGroupResource(spec.group, spec.names.plural);
      this.crds.delete(`${spec.group}/${spec.names.plural}`);
    }
  }
}
