/**
 * The garbage collector and the namespace controller of the local cluster, copying
 * kube-controller-manager's rules (k8s.io/kubernetes/pkg/controller/garbagecollector/garbagecollector.go
 * attemptToDeleteItem / processDeletingDependentsItem / orphanDependents, and
 * pkg/controller/namespace/deletion/namespaced_resources_deleter.go;
 * https://kubernetes.io/docs/concepts/architecture/garbage-collection/):
 *
 * - an object all of whose owners are gone (no object with the owner's uid) is deleted, with the
 *   propagation policy its own finalizers ask for (Background otherwise);
 * - an object with some owners gone and others alive loses the references to the gone ones;
 * - an owner being deleted with the `orphan` finalizer has its reference removed from every dependent,
 *   then the finalizer removed;
 * - an owner being deleted with the `foregroundDeletion` finalizer has its dependents deleted
 *   (foreground again if they have dependents of their own); the finalizer is removed once no
 *   dependent with `blockOwnerDeletion: true` remains;
 * - a namespace being deleted has every namespaced object in it deleted; when it is empty its
 *   `kubernetes` finalizer is removed and the namespace goes away.
 *
 * It works in the API server's process on change notifications from the store, through the same
 * in-process API (`ApiCore`) the HTTP handlers use, so every rule of a normal delete/update applies.
 */
import type { KubeObject, OwnerReference } from '../api/index.js';
import { ApiError } from '../api/index.js';
import type { ApiCore } from '../apiserver/index.js';
import type { ResourceType } from '../registry/index.js';
import type { StoreEvent } from '../storage/index.js';
import { silentLogger, type Logger } from '../logging/index.js';

interface ObjectRef {
  type: ResourceType;
  namespace: string;
  name: string;
  uid: string;
}

type Job =
  { kind: 'dependent'; uid: string } | { kind: 'owner'; uid: string } | { kind: 'namespace'; name: string };

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';
const NAMESPACE_FINALIZER = 'kubernetes';

/** Options of {@link GarbageCollector}. */
export interface GarbageCollectorOptions {
  logger?: Logger;
  /** Delay before a failed job is tried again, in ms. Default 200. */
  retryDelayMs?: number;
}

/** Deletes dependents of deleted owners and empties deleted namespaces; see the module comment. */
export class GarbageCollector {
  private readonly objects = new Map<string, ObjectRef>();
  private readonly latest = new Map<string, KubeObject>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue: Job[] = [];
  private readonly queued = new Set<string>();
  private readonly logger: Logger;
  private readonly retryDelayMs: number;
  private unsubscribe: (() => void) | undefined;
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly core: ApiCore,
    options: GarbageCollectorOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger();
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  /** Indexes every stored object, then follows changes. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.core.store.subscribe((event) => this.observe(event));
    for (const type of this.storedTypes()) {
      const list = await this.core.list(type, '', {});
      for (const item of list.items) this.index(item);
    }
    for (const [uid, obj] of this.latest) this.enqueueFor(uid, obj);
    this.loop = this.run();
  }

  /** Stops following changes; resolves when the job in progress has finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
  }

  /** Resolves when no job is queued (tests use it to wait for the collector to settle). */
  async idle(): Promise<void> {
    if (this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private storedTypes(): ResourceType[] {
    // One type per stored resource: the storage version (built-ins: their only version).
    const seen = new Set<string>();
    return this.core.registry.all().filter((t) => {
      const k = `${t.group}/${t.resource}`;
      if (!t.storage || seen.has(k) || !t.verbs.includes('list')) return false;
      seen.add(k);
      return true;
    });
  }

  private typeOf(obj: KubeObject): ResourceType | undefined {
    const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
    return this.core.registry.byKind(group, version, obj.kind);
  }

  private observe(event: StoreEvent): void {
    const obj = event.object;
    const uid = obj.metadata.uid;
    if (!uid) return;
    if (event.type === 'DELETED') {
      // A dependent that went away may unblock an owner waiting in foreground deletion.
      for (const ref of obj.metadata.ownerReferences ?? []) {
        const owner = this.latest.get(ref.uid);
        if (owner?.metadata.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND)) {
          this.enqueue({ kind: 'owner', uid: ref.uid });
        }
      }
      this.unindex(uid);
      // Dependents of a vanished owner may now be garbage.
      for (const dep of this.dependents.get(uid) ?? []) this.enqueue({ kind: 'dependent', uid: dep });
      this.dependents.delete(uid);
      return;
    }
    this.index(obj);
    this.enqueueFor(uid, obj);
  }

  private enqueueFor(uid: string, obj: KubeObject): void {
    if (obj.metadata.ownerReferences?.length) this.enqueue({ kind: 'dependent', uid });
    if (obj.metadata.deletionTimestamp) {
      const finalizers = obj.metadata.finalizers ?? [];
      if (finalizers.includes(ORPHAN) || finalizers.includes(FOREGROUND))
        this.enqueue({ kind: 'owner', uid });
      if (obj.kind === 'Namespace' && obj.apiVersion === 'v1' && obj.metadata.name) {
        this.enqueue({ kind: 'namespace', name: obj.metadata.name });
      }
    }
    // A dependent that changed may unblock an owner waiting in foreground deletion.
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const owner = this.latest.get(ref.uid);
      if (owner?.metadata.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND)) {
        this.enqueue({ kind: 'owner', uid: ref.uid });
      }
    }
    if (obj.metadata.deletionTimestamp && obj.metadata.namespace) {
      const ns = this.namespaceObject(obj.metadata.namespace);
      if (ns?.metadata.deletionTimestamp) this.enqueue({ kind: 'namespace', name: obj.metadata.namespace });
    }
  }

  private index(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    const type = this.typeOf(obj);
    if (!uid || !type || !obj.metadata.name) return;
    const previous = this.latest.get(uid);
    for (const ref of previous?.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(uid);
    this.objects.set(uid, { type, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name, uid });
    this.latest.set(uid, obj);
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(uid);
    }
  }

  private unindex(uid: string): void {
    const previous = this.latest.get(uid);
    for (const ref of previous?.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(uid);
    this.objects.delete(uid);
    this.latest.delete(uid);
  }

  private namespaceObject(name: string): KubeObject | undefined {
    for (const [uid, ref] of this.objects) {
      if (ref.type.kind === 'Namespace' && ref.type.group === '' && ref.name === name)
        return this.latest.get(uid);
    }
    return undefined;
  }

  private jobKey(job: Job): string {
    return job.kind === 'namespace' ? `ns:${job.name}` : `${job.kind}:${job.uid}`;
  }

  private enqueue(job: Job): void {
    const key = this.jobKey(job);
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(job);
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const job = this.queue.shift();
      if (!job) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      this.queued.delete(this.jobKey(job));
      try {
        if (job.kind === 'dependent') await this.attemptToDelete(job.uid);
        else if (job.kind === 'owner') await this.processDeletingOwner(job.uid);
        else await this.emptyNamespace(job.name);
      } catch (err) {
        if (!this.running) return;
        this.logger.debug('garbage collector job failed; retrying', {
          job: this.jobKey(job),
          error: String(err),
        });
        setTimeout(() => this.enqueue(job), this.retryDelayMs).unref();
      }
    }
  }

  /** An owner reference points at a live owner only when an object with that uid exists. */
  private ownerAlive(ref: OwnerReference): KubeObject | undefined {
    return this.latest.get(ref.uid);
  }

  private async attemptToDelete(uid: string): Promise<void> {
    const ref = this.objects.get(uid);
    if (!ref) return;
    const obj = await this.fresh(ref);
    if (!obj || (obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length)) return;
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length === 0) return;
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    const solid: OwnerReference[] = [];
    for (const owner of owners) {
      const live = this.ownerAlive(owner);
      if (!live) dangling.push(owner);
      else if (live.metadata.deletionTimestamp && live.metadata.finalizers?.includes(FOREGROUND))
        waiting.push(owner);
      else solid.push(owner);
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // Some owners live on: only drop the references to the dead or departing ones.
      const drop = new Set([...dangling, ...waiting].map((o) => o.uid));
      await this.rewrite(ref, (o) => {
        o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => !drop.has(r.uid));
      });
      return;
    }
    if (obj.metadata.deletionTimestamp) return;
    const hasDependents = (this.dependents.get(uid)?.size ?? 0) > 0;
    let policy: 'Foreground' | 'Background' | 'Orphan' = 'Background';
    if (waiting.length > 0 && hasDependents) policy = 'Foreground';
    else if (obj.metadata.finalizers?.includes(ORPHAN)) policy = 'Orphan';
    else if (obj.metadata.finalizers?.includes(FOREGROUND)) policy = 'Foreground';
    this.logger.debug('deleting object whose owners are gone', {
      resource: ref.type.resource,
      namespace: ref.namespace,
      name: ref.name,
      policy,
    });
    await this.ignoreNotFound(
      this.core.delete(ref.type, ref.namespace, ref.name, {
        propagationPolicy: policy,
        preconditions: { uid },
      }),
    );
  }

  private async processDeletingOwner(uid: string): Promise<void> {
    const ref = this.objects.get(uid);
    if (!ref) return;
    const owner = await this.fresh(ref);
    if (!owner?.metadata.deletionTimestamp) return;
    const finalizers = owner.metadata.finalizers ?? [];
    const deps = [...(this.dependents.get(uid) ?? [])];
    if (finalizers.includes(ORPHAN)) {
      for (const depUid of deps) {
        const dep = this.objects.get(depUid);
        if (!dep) continue;
        await this.rewrite(dep, (o) => {
          o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
        });
      }
      await this.removeFinalizer(ref, ORPHAN);
      return;
    }
    if (finalizers.includes(FOREGROUND)) {
      let blocking = 0;
      for (const depUid of deps) {
        const dep = this.latest.get(depUid);
        if (!dep) continue;
        const refToOwner = dep.metadata.ownerReferences?.find((r) => r.uid === uid);
        if (refToOwner?.blockOwnerDeletion) blocking++;
        this.enqueue({ kind: 'dependent', uid: depUid });
      }
      if (blocking === 0) await this.removeFinalizer(ref, FOREGROUND);
    }
  }

  private async emptyNamespace(name: string): Promise<void> {
    const nsType = this.core.registry.get('', 'v1', 'namespaces');
    if (!nsType) return;
    const ns = await this.ignoreNotFound(this.core.get(nsType, '', name));
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const type of this.storedTypes()) {
      if (!type.namespaced) continue;
      const list = await this.core.list(type, name, {});
      for (const item of list.items) {
        remaining++;
        if (!item.metadata.deletionTimestamp && item.metadata.name) {
          await this.ignoreNotFound(
            this.core.delete(type, name, item.metadata.name, { propagationPolicy: 'Background' }),
          );
        }
      }
    }
    if (remaining > 0) {
      // Objects held by finalizers or graceful deletion: come back when they change (enqueueFor) or soon.
      setTimeout(() => this.enqueue({ kind: 'namespace', name }), 1000).unref();
      return;
    }
    const spec = (ns.spec ?? {}) as { finalizers?: string[] };
    if (spec.finalizers?.includes(NAMESPACE_FINALIZER)) {
      await this.core.update(
        nsType,
        '',
        name,
        {
          ...ns,
          spec: { ...spec, finalizers: spec.finalizers.filter((f) => f !== NAMESPACE_FINALIZER) },
        },
        { subresource: 'finalize' },
      );
    }
    if (!ns.metadata.finalizers?.length) {
      await this.ignoreNotFound(this.core.delete(nsType, '', name, {}));
    }
  }

  private async fresh(ref: ObjectRef): Promise<KubeObject | undefined> {
    const obj = await this.ignoreNotFound(this.core.get(ref.type, ref.namespace, ref.name));
    return obj && obj.metadata.uid === ref.uid ? obj : undefined;
  }

  private async removeFinalizer(ref: ObjectRef, finalizer: string): Promise<void> {
    await this.rewrite(ref, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    });
  }

  /** Read-modify-write with the object's resourceVersion, so a concurrent change makes it retry. */
  private async rewrite(ref: ObjectRef, change: (obj: KubeObject) => void): Promise<void> {
    const obj = await this.fresh(ref);
    if (!obj) return;
    change(obj);
    await this.ignoreNotFound(
      this.core.update(ref.type, ref.namespace, ref.name, obj, { fieldManager: 'garbage-collector' }),
    );
  }

  private async ignoreNotFound<T>(promise: Promise<T>): Promise<T | undefined> {
    try {
      return await promise;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }
}
