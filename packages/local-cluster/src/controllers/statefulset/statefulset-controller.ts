/**
 * The StatefulSet controller, after kube-controller-manager's
 * (pkg/controller/statefulset/{stateful_set,stateful_set_control,stateful_set_utils,stateful_pod_control}.go
 * and https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/):
 *
 * - pods `<set>-<ordinal>` for ordinals spec.ordinals.start … start+replicas−1, built from the
 *   template with hostname = pod name, subdomain = spec.serviceName, the labels
 *   statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and controller-revision-hash, and
 *   a controller reference;
 * - PVCs `<template>-<set>-<ordinal>` created before their pod and reused when present;
 * - OrderedReady: one creation per sync, each waiting for every lower ordinal to be Running, Ready
 *   and available; Failed/Succeeded pods deleted and recreated; scale-down from the highest ordinal,
 *   one at a time, each waiting for the previous termination. Parallel: slow-start batches 1, 2, 4…;
 * - RollingUpdate from the highest ordinal down to the partition, one pod at a time, waiting for
 *   health (or up to maxUnavailable pods); OnDelete never deletes for updates;
 * - ControllerRevisions `<set>-<hash>` with rollback to an identical older template under a new
 *   revision number, and revisionHistoryLimit;
 * - persistentVolumeClaimRetentionPolicy through owner references.
 *
 * The pitfalls come along: under OrderedReady a pod that never becomes Ready blocks every later step,
 * a reverted template included, until someone deletes it (the documented "forced rollback").
 */
import type { KubeObject, OwnerReference } from '../../api/index.js';
import { ApiError } from '../../api/index.js';
import {
  canonicalJson,
  CONTROLLER_MANAGER,
  controllerOf,
  controllerRef,
  deleteIgnoringMissing,
  getObject,
  isPodAvailable,
  isRunningAndReady,
  isTerminating,
  listObjectKeys,
  listObjects,
  msUntilAvailable,
  objectKey,
  podPhase,
  recordEvent,
  scaledValue,
  splitKey,
  type ControllerContext,
  type ControllerDefinition,
  type ReconcileResult,
} from '../runtime/index.js';
import {
  createRevision,
  equalRevisionData,
  listRevisions,
  renumberRevision,
  revisionData,
  revisionNumber,
  templateOf,
} from './revisions.js';

/** apps/v1 StatefulSetRevisionLabel. */
export const REVISION_LABEL = 'controller-revision-hash';
/** apps/v1 StatefulSetPodNameLabel. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** apps/v1 PodIndexLabel. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

interface ClaimTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

interface StatefulSetSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: Record<string, unknown>;
  serviceName?: string;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: {
    type?: 'RollingUpdate' | 'OnDelete';
    rollingUpdate?: { partition?: number; maxUnavailable?: number | string };
  };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  ordinals?: { start?: number };
  volumeClaimTemplates?: ClaimTemplate[];
  persistentVolumeClaimRetentionPolicy?: {
    whenDeleted?: 'Retain' | 'Delete';
    whenScaled?: 'Retain' | 'Delete';
  };
}

interface StatefulSetStatus {
  observedGeneration?: number;
  replicas?: number;
  currentRevision?: string;
  collisionCount?: number;
}

/** A view of one set during a sync. */
/** The component name of the StatefulSet controller's Events (source.component). */
const STATEFULSET_CONTROLLER = 'statefulset-controller';

interface SetView {
  obj: KubeObject;
  name: string;
  namespace: string;
  spec: StatefulSetSpec;
  replicas: number;
  start: number;
  minReadySeconds: number;
}

interface Revisions {
  current: KubeObject;
  update: KubeObject;
  collisionCount: number;
}

interface ReplicaCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

const STATEFUL_POD_NAME = /^(.*)-([0-9]+)$/;
/** slowStartBatch's cap (MaxBatchSize). */
const MAX_BATCH_SIZE = 500;

/** getParentNameAndOrdinal: the set and ordinal a pod's name encodes (−1 when none). */
export function parentAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const m = STATEFUL_POD_NAME.exec(podName);
  if (!m) return { parent: '', ordinal: -1 };
  const ordinal = Number(m[2]);
  return {
    parent: m[1] ?? '',
    ordinal: Number.isSafeInteger(ordinal) && ordinal <= 0x7fffffff ? ordinal : -1,
  };
}

/** getPersistentVolumeClaimName. */
export function claimName(template: string, setName: string, ordinal: number): string {
  return `${template}-${setName}-${ordinal}`;
}

function podRevision(pod: KubeObject | undefined): string {
  return pod?.metadata.labels?.[REVISION_LABEL] ?? '';
}

/** A pod the API server has accepted (isCreated: it has a phase). */
function isCreated(pod: KubeObject | undefined): pod is KubeObject {
  return pod !== undefined && podPhase(pod) !== '';
}

function hasOwner(obj: KubeObject, uid: string | undefined): boolean {
  return uid !== undefined && (obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid);
}

/** The StatefulSet controller; see the module comment. */
export class StatefulSetController implements ControllerDefinition {
  readonly name = 'statefulset';

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(event: {
    key: { resource: string; namespace: string; name: string };
    object: KubeObject;
    prevObject?: KubeObject;
  }): string[] {
    const { resource, namespace, name } = event.key;
    if (resource === 'apps/statefulsets') return [objectKey(namespace, name)];
    if (resource === '/pods') {
      const keys = new Set<string>();
      for (const o of [event.object, event.prevObject]) {
        const ref = o ? controllerOf(o) : undefined;
        if (ref?.kind === 'StatefulSet' && ref.apiVersion.startsWith('apps/'))
          keys.add(objectKey(namespace, ref.name));
      }
      return [...keys];
    }
    if (resource === '/persistentvolumeclaims') {
      // a claim going away may unblock an ordinal waiting on a stale claim (PodClaimIsStale)
      return (event.object.metadata.ownerReferences ?? []).flatMap((r) => {
        if (r.kind === 'StatefulSet') return [objectKey(namespace, r.name)];
        if (r.kind === 'Pod') {
          const parent = parentAndOrdinal(r.name).parent;
          return parent ? [objectKey(namespace, parent)] : [];
        }
        return [];
      });
    }
    return [];
  }

  listKeys(): string[] {
    return listObjectKeys(this.ctx, this.ctx.types.statefulSets);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const obj = getObject(this.ctx, this.ctx.types.statefulSets, namespace, name);
    if (!obj) return;
    const spec = (obj.spec ?? {}) as StatefulSetSpec;
    const set: SetView = {
      obj,
      name,
      namespace,
      spec,
      replicas: spec.replicas ?? 1,
      start: spec.ordinals?.start ?? 0,
      minReadySeconds: spec.minReadySeconds ?? 0,
    };
    const pods = this.podsOf(set);
    const revisions = await this.revisions(set);
    try {
      await this.updateStatefulSet(set, revisions, pods);
    } finally {
      // the status is written even when a step failed (performUpdate), from the pods as they are now
      const latestPods = this.podsOf(set);
      await this.writeStatus(set, revisions, this.computeCounts(set, latestPods, revisions));
      await this.truncateHistory(set, latestPods, revisions);
    }
    const fresh = this.computeCounts(set, this.podsOf(set), revisions);
    if (set.minReadySeconds > 0 && fresh.availableReplicas !== set.replicas) {
      // stateful_set.go sync: look again once a ready pod may have become available
      const waits = this.podsOf(set)
        .map((p) => msUntilAvailable(p, set.minReadySeconds, this.ctx.clock.now()))
        .filter((ms) => ms > 0);
      return { requeueAfterMs: waits.length ? Math.min(...waits) : set.minReadySeconds * 1000 };
    }
  }

  /** Pods the set controls, whose names carry its name (getPodsForStatefulSet + isMemberOf). */
  private podsOf(set: SetView): KubeObject[] {
    const uid = set.obj.metadata.uid;
    return listObjects(this.ctx, this.ctx.types.pods, set.namespace, (p) => {
      const ref = controllerOf(p);
      return ref?.uid === uid && parentAndOrdinal(p.metadata.name ?? '').parent === set.name;
    });
  }

  // ------------------------------------------------------------ revisions (getStatefulSetRevisions)

  private async revisions(set: SetView): Promise<Revisions> {
    const revisions = listRevisions(this.ctx, set.obj);
    const collision = { count: (set.obj.status as StatefulSetStatus | undefined)?.collisionCount ?? 0 };
    const data = revisionData(set.obj);
    const next = revisions.length ? revisionNumber(revisions[revisions.length - 1] as KubeObject) + 1 : 1;
    const equal = revisions.filter((r) => equalRevisionData(r, data));
    let update: KubeObject;
    const latest = revisions[revisions.length - 1];
    const lastEqual = equal[equal.length - 1];
    if (lastEqual && latest && lastEqual.metadata.name === latest.metadata.name) {
      update = latest;
    } else if (lastEqual) {
      // rolling back to an older template: that revision gets the next number
      update = await renumberRevision(this.ctx, lastEqual, next);
    } else {
      update = await createRevision(this.ctx, set.obj, data, next, collision);
    }
    const currentName = (set.obj.status as StatefulSetStatus | undefined)?.currentRevision;
    const current = revisions.find((r) => r.metadata.name === currentName) ?? update;
    return {
      current: current.metadata.name === update.metadata.name ? update : current,
      update,
      collisionCount: collision.count,
    };
  }

  /** Deletes revisions beyond revisionHistoryLimit that neither the status nor a pod uses. */
  private async truncateHistory(set: SetView, pods: KubeObject[], revs: Revisions): Promise<void> {
    const live = new Set([
      revs.current.metadata.name,
      revs.update.metadata.name,
      ...pods.map((p) => podRevision(p)),
    ]);
    const history = listRevisions(this.ctx, set.obj).filter((r) => !live.has(r.metadata.name));
    const limit = set.spec.revisionHistoryLimit ?? 10;
    if (limit < 0 || history.length <= limit) return;
    for (const r of history.slice(0, history.length - limit)) {
      await deleteIgnoringMissing(
        this.ctx,
        this.ctx.types.controllerRevisions,
        set.namespace,
        r.metadata.name ?? '',
      );
    }
  }

  // ------------------------------------------------------------ the update (updateStatefulSet)

  private async updateStatefulSet(set: SetView, revs: Revisions, pods: KubeObject[]): Promise<void> {
    const slots: (KubeObject | undefined)[] = new Array<KubeObject | undefined>(set.replicas).fill(undefined);
    const condemned: KubeObject[] = [];
    for (const pod of pods) {
      const ordinal = parentAndOrdinal(pod.metadata.name ?? '').ordinal;
      if (ordinal >= set.start && ordinal < set.start + set.replicas) slots[ordinal - set.start] = pod;
      else if (ordinal >= 0) condemned.push(pod);
    }
    condemned.sort(
      (a, b) =>
        parentAndOrdinal(b.metadata.name ?? '').ordinal - parentAndOrdinal(a.metadata.name ?? '').ordinal,
    );

    // the first unavailable pod: lowest in-range ordinal, else the lowest condemned one
    let firstUnavailable: KubeObject | undefined;
    for (const pod of slots) {
      if (this.isUnavailable(set, pod)) {
        firstUnavailable ??= pod;
      }
    }
    for (let i = condemned.length - 1; i >= 0; i--) {
      const pod = condemned[i] as KubeObject;
      if (this.isUnavailable(set, pod)) firstUnavailable ??= pod;
    }

    if (set.obj.metadata.deletionTimestamp) return;
    const monotonic = set.spec.podManagementPolicy !== 'Parallel';

    if (
      await this.runForAll(
        slots.length,
        (i) => this.processReplica(set, revs, monotonic, slots, i),
        monotonic,
      )
    )
      return;
    if (
      await this.runForAll(
        condemned.length,
        (i) => this.fixClaimOwners(set, condemned[i] as KubeObject, true).then(() => false),
        monotonic,
      )
    )
      return;
    if (
      await this.runForAll(
        condemned.length,
        (i) => this.processCondemned(set, firstUnavailable, monotonic, condemned[i] as KubeObject),
        monotonic,
      )
    )
      return;

    const strategy = set.spec.updateStrategy ?? {};
    if (strategy.type === 'OnDelete') return;
    const partition = strategy.rollingUpdate?.partition ?? 0;
    if (strategy.rollingUpdate?.maxUnavailable !== undefined) {
      return this.updateWithMaxUnavailable(set, revs, slots, partition);
    }
    // the pod with the largest ordinal that does not match the update revision goes first
    for (let target = slots.length - 1; target >= partition; target--) {
      const pod = slots[target];
      if (!pod) return;
      if (podRevision(pod) !== revs.update.metadata.name && !isTerminating(pod)) {
        await this.deletePod(set, pod);
        return;
      }
      if (this.isUnavailable(set, pod)) return;
    }
    return;
  }

  /** updateStatefulSetAfterInvariantEstablished: up to maxUnavailable pods updated at once. */
  private async updateWithMaxUnavailable(
    set: SetView,
    revs: Revisions,
    slots: (KubeObject | undefined)[],
    partition: number,
  ): Promise<void> {
    const maxUnavailable = Math.max(
      1,
      scaledValue(set.spec.updateStrategy?.rollingUpdate?.maxUnavailable, set.replicas, true, 1),
    );
    const unavailable = slots.filter((p) => this.isUnavailable(set, p)).length;
    if (unavailable > maxUnavailable) return;
    let toDelete = maxUnavailable - unavailable;
    for (let target = slots.length - 1; target >= partition && toDelete > 0; target--) {
      const pod = slots[target];
      if (pod && podRevision(pod) !== revs.update.metadata.name && !isTerminating(pod)) {
        await this.deletePod(set, pod);
        toDelete--;
      }
    }
    return;
  }

  /** runForAll: in order, stopping at the first blocked step; Parallel: slow-start batches. Returns "stop here". */
  private async runForAll(
    count: number,
    fn: (i: number) => Promise<boolean>,
    monotonic: boolean,
  ): Promise<boolean> {
    if (monotonic) {
      for (let i = 0; i < count; i++) if (await fn(i)) return true;
      return false;
    }
    // slowStartBatch(1, …): 1, 2, 4, … at once; the first failing batch ends the sync
    let next = 0;
    for (
      let batch = Math.min(count, 1);
      batch > 0;
      batch = Math.min(2 * batch, count - next, MAX_BATCH_SIZE)
    ) {
      const results = await Promise.allSettled(Array.from({ length: batch }, (_, k) => fn(next + k)));
      next += batch;
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
    return false;
  }

  /** processReplica: replace failed pods, create missing ones, wait for health in order. Returns "stop here". */
  private async processReplica(
    set: SetView,
    revs: Revisions,
    monotonic: boolean,
    slots: (KubeObject | undefined)[],
    i: number,
  ): Promise<boolean> {
    const pod = slots[i];
    const phase = pod ? podPhase(pod) : '';
    if (pod && (phase === 'Failed' || phase === 'Succeeded')) {
      // a new pod is made on a later sync, once this one is gone
      if (!isTerminating(pod)) await this.deletePod(set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      const ordinal = set.start + i;
      if (this.claimsAreStale(set, ordinal)) return true;
      slots[i] = await this.createPod(set, revs, ordinal);
      if (monotonic) return true;
      return false;
    }
    if (phase === 'Pending')
      await this.createClaims(set, pod, parentAndOrdinal(pod.metadata.name ?? '').ordinal);
    if (isTerminating(pod) && monotonic) return true;
    if (!isRunningAndReady(pod) && monotonic) return true;
    if (!isPodAvailable(pod, set.minReadySeconds, this.ctx.clock.now()) && monotonic) return true;
    // enforce the invariants on a healthy pod: identity labels and claim owners
    await this.fixIdentityLabels(set, pod);
    await this.fixClaimOwners(set, pod, false);
    return false;
  }

  /** processCondemned: scale-down, highest ordinal first, waiting for each termination. Returns "stop here". */
  private async processCondemned(
    set: SetView,
    firstUnavailable: KubeObject | undefined,
    monotonic: boolean,
    pod: KubeObject,
  ): Promise<boolean> {
    if (isTerminating(pod)) return monotonic;
    const isFirstUnhealthy = firstUnavailable?.metadata.uid === pod.metadata.uid;
    if (!isRunningAndReady(pod) && monotonic && !isFirstUnhealthy) return true;
    if (!isPodAvailable(pod, set.minReadySeconds, this.ctx.clock.now()) && monotonic && !isFirstUnhealthy)
      return true;
    await this.deletePod(set, pod);
    return true;
  }

  private isUnavailable(set: SetView, pod: KubeObject | undefined): boolean {
    if (!isCreated(pod)) return true;
    const healthy = isRunningAndReady(pod) && !isTerminating(pod);
    return !healthy || !isPodAvailable(pod, set.minReadySeconds, this.ctx.clock.now());
  }

  // ------------------------------------------------------------ pods and claims (stateful_pod_control.go)

  private async deletePod(set: SetView, pod: KubeObject): Promise<void> {
    const name = pod.metadata.name ?? '';
    await deleteIgnoringMissing(this.ctx, this.ctx.types.pods, set.namespace, name);
    // recordPodEvent("delete", ...)
    await this.event(
      set,
      'Normal',
      'SuccessfulDelete',
      `delete Pod ${name} in StatefulSet ${set.name} successful`,
    );
  }

  /** stateful_pod_control.go recordPodEvent / recordClaimEvent: Events on the set, from statefulset-controller. */
  private event(set: SetView, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return recordEvent(this.ctx, STATEFULSET_CONTROLLER, set.obj, type, reason, message);
  }

  /**
   * newVersionedStatefulSetPod: below the partition a missing pod is recreated at the current
   * revision, otherwise at the update revision.
   */
  private async createPod(set: SetView, revs: Revisions, ordinal: number): Promise<KubeObject> {
    const strategy = set.spec.updateStrategy ?? {};
    const currentReplicas =
      (set.obj.status as { currentReplicas?: number } | undefined)?.currentReplicas ?? 0;
    const atCurrent =
      strategy.type === 'RollingUpdate' &&
      (strategy.rollingUpdate === undefined
        ? ordinal < set.start + currentReplicas
        : ordinal < set.start + (strategy.rollingUpdate.partition ?? 0));
    const revision = atCurrent ? revs.current : revs.update;
    const template = templateOf(revision) as {
      metadata?: {
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        finalizers?: string[];
      };
      spec?: Record<string, unknown>;
    };
    const podName = `${set.name}-${ordinal}`;
    const spec = structuredClone(template.spec ?? {}) as {
      hostname?: string;
      subdomain?: string;
      volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
    };
    // updateIdentity
    spec.hostname = podName;
    if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
    // updateStorage: one volume per claim template, replacing template volumes of the same name
    const claimTemplates = set.spec.volumeClaimTemplates ?? [];
    const claimVolumes = claimTemplates.map((t) => ({
      name: t.metadata?.name ?? '',
      persistentVolumeClaim: { claimName: claimName(t.metadata?.name ?? '', set.name, ordinal) },
    }));
    const others = (spec.volumes ?? []).filter((v) => !claimVolumes.some((c) => c.name === v.name));
    if (claimVolumes.length || spec.volumes) spec.volumes = [...claimVolumes, ...others];
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: set.namespace,
        labels: {
          ...(template.metadata?.labels ?? {}),
          [POD_NAME_LABEL]: podName,
          [POD_INDEX_LABEL]: String(ordinal),
          [REVISION_LABEL]: revision.metadata.name ?? '',
        },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ...(template.metadata?.finalizers ? { finalizers: [...template.metadata.finalizers] } : {}),
        ownerReferences: [controllerRef(set.obj)],
      },
      spec,
    };
    // createPersistentVolumeClaims runs before the pod is created (CreateStatefulPod)
    await this.createClaims(set, undefined, ordinal);
    try {
      const created = await this.ctx.core.create(this.ctx.types.pods, set.namespace, pod, {
        fieldManager: CONTROLLER_MANAGER,
      });
      await this.event(
        set,
        'Normal',
        'SuccessfulCreate',
        `create Pod ${podName} in StatefulSet ${set.name} successful`,
      );
      return created;
    } catch (e) {
      // a pod of that name still exists (e.g. not yet visible as ours): the next sync sorts it out
      if (e instanceof ApiError && e.code === 409)
        return getObject(this.ctx, this.ctx.types.pods, set.namespace, podName) ?? pod;
      await this.event(
        set,
        'Warning',
        'FailedCreate',
        `create Pod ${podName} in StatefulSet ${set.name} failed error: ${e instanceof Error ? e.message : String(e)}`,
      );
      throw e;
    }
  }

  /** Creates each missing claim of an ordinal; an existing one is reused as it is. */
  private async createClaims(set: SetView, pod: KubeObject | undefined, ordinal: number): Promise<void> {
    for (const template of set.spec.volumeClaimTemplates ?? []) {
      const name = claimName(template.metadata?.name ?? '', set.name, ordinal);
      const existing = getObject(this.ctx, this.ctx.types.pvcs, set.namespace, name);
      if (existing) {
        if (existing.metadata.deletionTimestamp) throw new Error(`pvc ${name} is being deleted`);
        continue;
      }
      const claim: KubeObject = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: set.namespace,
          // getPersistentVolumeClaims: the claims carry the selector's labels
          labels: { ...(template.metadata?.labels ?? {}), ...(set.spec.selector?.matchLabels ?? {}) },
          ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        },
        spec: structuredClone(template.spec ?? {}),
      };
      const owners = this.desiredClaimOwners(set, claim, pod, ordinal);
      if (owners.length) claim.metadata.ownerReferences = owners;
      const podName = `${set.name}-${ordinal}`;
      try {
        await this.ctx.core.create(this.ctx.types.pvcs, set.namespace, claim, {
          fieldManager: CONTROLLER_MANAGER,
        });
        await this.event(
          set,
          'Normal',
          'SuccessfulCreate',
          `create Claim ${name} Pod ${podName} in StatefulSet ${set.name} success`,
        );
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) {
          await this.event(
            set,
            'Warning',
            'FailedCreate',
            `create Claim ${name} for Pod ${podName} in StatefulSet ${set.name} failed error: ${e instanceof Error ? e.message : String(e)}`,
          );
          throw e;
        }
      }
    }
  }

  /** PodClaimIsStale: a claim still owned by an earlier pod of this ordinal waits for the GC. */
  private claimsAreStale(set: SetView, ordinal: number): boolean {
    const podName = `${set.name}-${ordinal}`;
    return (set.spec.volumeClaimTemplates ?? []).some((t) => {
      const claim = getObject(
        this.ctx,
        this.ctx.types.pvcs,
        set.namespace,
        claimName(t.metadata?.name ?? '', set.name, ordinal),
      );
      return (claim?.metadata.ownerReferences ?? []).some((r) => r.kind === 'Pod' && r.name === podName);
    });
  }

  /**
   * The owner references a claim should carry under persistentVolumeClaimRetentionPolicy
   * (claimOwnerMatchesSetAndPod / updateClaimOwnerRefForSetAndPod): whenDeleted=Delete → owned by
   * the set; whenScaled=Delete → owned by its pod once the ordinal is out of range (and then not by
   * the set). Other owners are kept.
   */
  private desiredClaimOwners(
    set: SetView,
    claim: KubeObject,
    pod: KubeObject | undefined,
    ordinal: number,
  ): OwnerReference[] {
    const policy = set.spec.persistentVolumeClaimRetentionPolicy ?? {};
    const scaledDown = ordinal < set.start || ordinal >= set.start + set.replicas;
    const setUid = set.obj.metadata.uid;
    const podUid = pod?.metadata.uid;
    const wantSet = policy.whenDeleted === 'Delete' && !(policy.whenScaled === 'Delete' && scaledDown);
    const wantPod = policy.whenScaled === 'Delete' && scaledDown && pod !== undefined;
    const owners = (claim.metadata.ownerReferences ?? []).filter(
      (r) => r.uid !== setUid && !(r.kind === 'Pod' && r.uid === podUid),
    );
    if (wantSet)
      owners.push({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.name, uid: setUid ?? '' });
    if (wantPod && pod)
      owners.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: podUid ?? '' });
    return owners;
  }

  /** ClaimsMatchRetentionPolicy / UpdatePodClaimForRetentionPolicy for one pod's claims. */
  private async fixClaimOwners(set: SetView, pod: KubeObject, condemned: boolean): Promise<void> {
    const ordinal = parentAndOrdinal(pod.metadata.name ?? '').ordinal;
    if (condemned && isTerminating(pod)) return;
    for (const template of set.spec.volumeClaimTemplates ?? []) {
      const claim = getObject(
        this.ctx,
        this.ctx.types.pvcs,
        set.namespace,
        claimName(template.metadata?.name ?? '', set.name, ordinal),
      );
      if (!claim || claim.metadata.deletionTimestamp) continue;
      const owners = this.desiredClaimOwners(set, claim, pod, ordinal);
      const sameSet =
        hasOwner(claim, set.obj.metadata.uid) === owners.some((o) => o.uid === set.obj.metadata.uid);
      const samePod = hasOwner(claim, pod.metadata.uid) === owners.some((o) => o.uid === pod.metadata.uid);
      if (sameSet && samePod) continue;
      const next = structuredClone(claim);
      if (owners.length) next.metadata.ownerReferences = owners;
      else delete next.metadata.ownerReferences;
      await this.ctx.core.update(this.ctx.types.pvcs, set.namespace, claim.metadata.name ?? '', next, {
        fieldManager: CONTROLLER_MANAGER,
      });
    }
  }

  /** identityMatches, for what may change on a live pod: its identity labels. */
  private async fixIdentityLabels(set: SetView, pod: KubeObject): Promise<void> {
    const name = pod.metadata.name ?? '';
    const ordinal = String(parentAndOrdinal(name).ordinal);
    const labels = pod.metadata.labels ?? {};
    if (labels[POD_NAME_LABEL] === name && labels[POD_INDEX_LABEL] === ordinal) return;
    const patch = { metadata: { labels: { [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: ordinal } } };
    await this.ctx.core.patch(
      this.ctx.types.pods,
      set.namespace,
      name,
      JSON.stringify(patch),
      'application/merge-patch+json',
      { fieldManager: CONTROLLER_MANAGER },
    );
  }

  // ------------------------------------------------------------ status

  /** computeReplicaStatus over every pod of the set. */
  private computeCounts(set: SetView, pods: KubeObject[], revs: Revisions): ReplicaCounts {
    const counts: ReplicaCounts = {
      replicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
    };
    const now = this.ctx.clock.now();
    for (const pod of pods) {
      if (parentAndOrdinal(pod.metadata.name ?? '').ordinal < 0) continue;
      const created = isCreated(pod);
      if (created) counts.replicas++;
      if (isRunningAndReady(pod)) {
        counts.readyReplicas++;
        if (isPodAvailable(pod, set.minReadySeconds, now)) counts.availableReplicas++;
      }
      if (created && !isTerminating(pod)) {
        const revision = podRevision(pod);
        if (revision === revs.current.metadata.name) counts.currentReplicas++;
        if (revision === revs.update.metadata.name) counts.updatedReplicas++;
      }
    }
    return counts;
  }

  /** updateStatefulSetStatus: completes a finished rolling update, then writes what changed. */
  private async writeStatus(set: SetView, revs: Revisions, counts: ReplicaCounts): Promise<void> {
    let currentRevision = revs.current.metadata.name ?? '';
    let currentReplicas = counts.currentReplicas;
    if (
      set.spec.updateStrategy?.type !== 'OnDelete' &&
      counts.updatedReplicas === counts.replicas &&
      counts.readyReplicas === counts.replicas
    ) {
      // completeRollingUpdate
      currentReplicas = counts.updatedReplicas;
      currentRevision = revs.update.metadata.name ?? '';
    }
    // field order and omitempty as apps/v1 StatefulSetStatus serializes
    const status: Record<string, unknown> = {
      observedGeneration: set.obj.metadata.generation ?? 0,
      replicas: counts.replicas,
    };
    if (counts.readyReplicas) status.readyReplicas = counts.readyReplicas;
    if (currentReplicas) status.currentReplicas = currentReplicas;
    if (counts.updatedReplicas) status.updatedReplicas = counts.updatedReplicas;
    if (currentRevision) status.currentRevision = currentRevision;
    status.updateRevision = revs.update.metadata.name ?? '';
    status.collisionCount = revs.collisionCount;
    const conditions = (set.obj.status as { conditions?: unknown[] } | undefined)?.conditions;
    if (conditions) status.conditions = conditions;
    status.availableReplicas = counts.availableReplicas;
    const latest = getObject(this.ctx, this.ctx.types.statefulSets, set.namespace, set.name);
    if (!latest || latest.metadata.uid !== set.obj.metadata.uid) return;
    if (canonicalJson(latest.status ?? {}) === canonicalJson(status)) return;
    await this.ctx.core.update(
      this.ctx.types.statefulSets,
      set.namespace,
      set.name,
      { ...latest, status },
      { subresource: 'status', fieldManager: CONTROLLER_MANAGER },
    );
  }
}
