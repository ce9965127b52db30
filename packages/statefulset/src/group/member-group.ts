/**
 * {@link MemberGroup}: applies a group's objects, reads its observed state in one pass, and carries
 * out the storage policy for members the runbook has recorded as gone.
 */
import type { KubeObject } from '../client/index.js';
import type { ClusterClient } from '../client/index.js';
import { GroupIdentity, claimName, memberName, ordinalOf } from './identity.js';
import {
  buildClientService,
  buildConfigMap,
  buildHeadlessService,
  buildPodDisruptionBudget,
  buildStatefulSet,
  groupLabels,
  ownerReferenceTo,
  setSelector,
} from './manifests.js';
import {
  GROUP_LABEL,
  MEMBER_LEFT_ANNOTATION,
  REVISION_LABEL,
  type MemberGroupSpec,
  type MemberSetSpec,
} from './spec.js';

const STATEFULSET = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
const POD = { apiVersion: 'v1', kind: 'Pod' };
const PVC = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' };

/** A member's PVC as observed. */
export interface ObservedClaim {
  name: string;
  /** status.phase: Pending, Bound, Lost. */
  phase?: string;
  /** Marked by the storage policy as the data of a member that has left. */
  left: boolean;
  uid?: string;
}

/** One member slot of a set (an ordinal in range, or an out-of-range pod or claim still around). */
export interface ObservedMember {
  set: string;
  rack?: string;
  ordinal: number;
  /** Pod name `<set>-<ordinal>`. */
  name: string;
  fqdn: string;
  /** Within the StatefulSet's spec.replicas. */
  inRange: boolean;
  pod?: KubeObject;
  podUid?: string;
  podIP?: string;
  phase?: string;
  /** Running and condition Ready=True. */
  ready: boolean;
  /** Has a deletionTimestamp. */
  terminating: boolean;
  /** The pod's controller-revision-hash label value (a ControllerRevision name suffix). */
  revision?: string;
  /** Runs the StatefulSet's updateRevision. */
  updated: boolean;
  claim?: ObservedClaim;
}

/** One StatefulSet of the group as observed. */
export interface ObservedSet {
  name: string;
  rack?: string;
  statefulSet?: KubeObject;
  /** spec.replicas of the StatefulSet (0 when it does not exist). */
  replicas: number;
  /** The controller has seen the latest spec (status.observedGeneration ≥ metadata.generation). */
  settled: boolean;
  readyReplicas: number;
  currentRevision?: string;
  updateRevision?: string;
  members: ObservedMember[];
  /** In-range ordinals whose pod runs the updateRevision. */
  updated: number[];
  /** In-range ordinals whose pod runs another revision. */
  outdated: number[];
  /** In-range ordinals without a pod. */
  missing: number[];
  /** Claims of ordinals out of range with no pod: data of members that are gone. */
  orphanedClaims: ObservedClaim[];
}

/** The whole group as observed in one read. */
export interface ObservedGroup {
  sets: ObservedSet[];
  /** A set by name; throws when the group has none. */
  set(name: string): ObservedSet;
  /** Every member of every set. */
  members(): ObservedMember[];
}

function isReady(pod: KubeObject): boolean {
  const status = pod.status as
    { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
  return (
    status?.phase === 'Running' &&
    (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

function revisionSuffix(setName: string, revision: string | undefined): string | undefined {
  return revision?.startsWith(`${setName}-`) ? revision : revision ? `${setName}-${revision}` : undefined;
}

/** A group of StatefulSets under one custom resource; see the module comment. */
export class MemberGroup {
  readonly identity: GroupIdentity;
  readonly fieldManager: string;

  constructor(
    private readonly client: ClusterClient,
    readonly spec: MemberGroupSpec,
  ) {
    this.identity = new GroupIdentity(spec);
    this.fieldManager = spec.fieldManager ?? 'opkit-statefulset';
  }

  /**
   * Server-side applies every object of the group. A StatefulSet keeps its current replica count
   * (the runbooks change it, one member at a time) unless `replicas` names one; a new one starts
   * with `initialReplicas(set)` (default: the spec's).
   */
  async apply(
    opts: {
      replicas?: (set: MemberSetSpec) => number | undefined;
      initialReplicas?: (set: MemberSetSpec) => number;
    } = {},
  ): Promise<void> {
    const objects = [
      buildConfigMap(this.spec),
      buildHeadlessService(this.spec),
      buildClientService(this.spec),
      buildPodDisruptionBudget(this.spec),
    ];
    for (const obj of objects)
      if (obj) await this.client.apply(obj, { fieldManager: this.fieldManager, force: true });
    for (const set of this.spec.sets) {
      const existing = await this.client.get({
        ...STATEFULSET,
        namespace: this.spec.namespace,
        name: set.name,
      });
      const current = (existing?.spec as { replicas?: number } | undefined)?.replicas;
      const replicas = opts.replicas?.(set) ?? current ?? opts.initialReplicas?.(set) ?? set.replicas;
      await this.client.apply(buildStatefulSet(this.spec, set, replicas), {
        fieldManager: this.fieldManager,
        force: true,
      });
    }
    if (this.spec.storagePolicy?.whenDeleted === 'Delete') await this.adoptClaims();
  }

  /** Sets one StatefulSet's replica count (re-applying its full desired object). */
  async scale(setName: string, replicas: number): Promise<void> {
    await this.client.apply(buildStatefulSet(this.spec, this.identity.set(setName), replicas), {
      fieldManager: this.fieldManager,
      force: true,
    });
  }

  /** Deletes one member's pod (only the incarnation with `uid` when given); false when already gone. */
  deletePod(setName: string, ordinal: number, uid?: string): Promise<boolean> {
    return this.client.delete(
      { ...POD, namespace: this.spec.namespace, name: memberName(setName, ordinal) },
      { uid },
    );
  }

  /** The claim name of a member, or undefined when the set has no storage. */
  claimOf(setName: string, ordinal: number): string | undefined {
    const set = this.identity.set(setName);
    return set.storage ? claimName(set.storage.name ?? 'data', setName, ordinal) : undefined;
  }

  /**
   * Applies the scale-down storage policy to a member the runbook has recorded as left: deletes
   * its PVC, or marks it so its data never rejoins. Resolves true once the policy holds.
   */
  async releaseClaim(setName: string, ordinal: number): Promise<boolean> {
    const name = this.claimOf(setName, ordinal);
    if (!name) return true;
    const ref = { ...PVC, namespace: this.spec.namespace, name };
    const claim = await this.client.get(ref);
    if (!claim) return true;
    if ((this.spec.storagePolicy?.whenScaled ?? 'Delete') === 'Delete') {
      await this.client.delete(ref, { uid: claim.metadata.uid });
      return false;
    }
    if (claim.metadata.annotations?.[MEMBER_LEFT_ANNOTATION]) return true;
    await this.client.patch(ref, {
      metadata: { annotations: { [MEMBER_LEFT_ANNOTATION]: new Date().toISOString() } },
    });
    return true;
  }

  /** Deletes a leftover claim of an ordinal about to be added; resolves true once none is left. */
  async removeStaleClaim(setName: string, ordinal: number): Promise<boolean> {
    const name = this.claimOf(setName, ordinal);
    if (!name) return true;
    const ref = { ...PVC, namespace: this.spec.namespace, name };
    const claim = await this.client.get(ref);
    if (!claim) return true;
    if (!claim.metadata.deletionTimestamp) await this.client.delete(ref, { uid: claim.metadata.uid });
    return false;
  }

  /** Reads the group: StatefulSets, then its pods and claims in one list each. */
  async observe(): Promise<ObservedGroup> {
    const ns = this.spec.namespace;
    const selector = { [GROUP_LABEL]: this.spec.name };
    const statefulSets = await Promise.all(
      this.spec.sets.map((s) => this.client.get({ ...STATEFULSET, namespace: ns, name: s.name })),
    );
    const [pods, claims] = await Promise.all([
      this.client.list(POD, ns, selector),
      this.client.list(PVC, ns),
    ]);
    const sets = this.spec.sets.map((set, i) => this.observeSet(set, statefulSets[i], pods, claims));
    return {
      sets,
      set(name: string): ObservedSet {
        const found = sets.find((s) => s.name === name);
        if (!found) throw new Error(`member group has no set ${name}`);
        return found;
      },
      members: () => sets.flatMap((s) => s.members),
    };
  }

  private observeSet(
    set: MemberSetSpec,
    sts: KubeObject | undefined,
    pods: KubeObject[],
    claims: KubeObject[],
  ): ObservedSet {
    const spec = sts?.spec as { replicas?: number } | undefined;
    const status = (sts?.status ?? {}) as {
      readyReplicas?: number;
      currentRevision?: string;
      updateRevision?: string;
      observedGeneration?: number;
    };
    const replicas = sts ? (spec?.replicas ?? 1) : 0;
    const updateRevision = status.updateRevision;
    const podByOrdinal = new Map<number, KubeObject>();
    for (const pod of pods) {
      const ordinal = ordinalOf(pod.metadata.name ?? '', set.name);
      const ownSet = Object.entries(setSelector(this.spec, set)).every(
        ([k, v]) => pod.metadata.labels?.[k] === v,
      );
      if (ordinal !== undefined && ownSet) podByOrdinal.set(ordinal, pod);
    }
    const template = set.storage?.name ?? 'data';
    const claimByOrdinal = new Map<number, ObservedClaim>();
    if (set.storage) {
      for (const c of claims) {
        const name = c.metadata.name ?? '';
        if (!name.startsWith(`${template}-`)) continue;
        const ordinal = ordinalOf(name.slice(template.length + 1), set.name);
        if (ordinal === undefined) continue;
        claimByOrdinal.set(ordinal, {
          name,
          phase: (c.status as { phase?: string } | undefined)?.phase,
          left: Boolean(c.metadata.annotations?.[MEMBER_LEFT_ANNOTATION]),
          uid: c.metadata.uid,
        });
      }
    }
    const top = Math.max(replicas, ...[...podByOrdinal.keys()].map((o) => o + 1), 0);
    const members: ObservedMember[] = [];
    for (let ordinal = 0; ordinal < top; ordinal++) {
      const pod = podByOrdinal.get(ordinal);
      const revision = pod?.metadata.labels?.[REVISION_LABEL];
      const podStatus = pod?.status as { phase?: string; podIP?: string } | undefined;
      const name = memberName(set.name, ordinal);
      members.push({
        set: set.name,
        rack: set.rack,
        ordinal,
        name,
        fqdn: this.identity.fqdn(name),
        inRange: ordinal < replicas,
        pod,
        podUid: pod?.metadata.uid,
        podIP: podStatus?.podIP,
        phase: podStatus?.phase,
        ready: pod ? isReady(pod) && !pod.metadata.deletionTimestamp : false,
        terminating: Boolean(pod?.metadata.deletionTimestamp),
        revision,
        updated: Boolean(revision && updateRevision && revisionSuffix(set.name, revision) === updateRevision),
        claim: claimByOrdinal.get(ordinal),
      });
    }
    const inRange = members.filter((m) => m.inRange);
    return {
      name: set.name,
      rack: set.rack,
      statefulSet: sts,
      replicas,
      settled: Boolean(sts) && (status.observedGeneration ?? 0) >= (sts?.metadata.generation ?? 0),
      readyReplicas: status.readyReplicas ?? 0,
      currentRevision: status.currentRevision,
      updateRevision,
      members,
      updated: inRange.filter((m) => m.pod && m.updated).map((m) => m.ordinal),
      outdated: inRange.filter((m) => m.pod && !m.updated).map((m) => m.ordinal),
      missing: inRange.filter((m) => !m.pod).map((m) => m.ordinal),
      orphanedClaims: [...claimByOrdinal.entries()]
        .filter(([o]) => o >= replicas && !podByOrdinal.has(o))
        .map(([, c]) => c),
    };
  }

  /** Gives the group's PVCs an owner reference to the custom resource (whenDeleted: Delete). */
  private async adoptClaims(): Promise<void> {
    const owner = ownerReferenceTo(this.spec.owner);
    const claims = await this.client.list(PVC, this.spec.namespace, groupLabels(this.spec));
    for (const c of claims) {
      const refs = c.metadata.ownerReferences ?? [];
      if (refs.some((r) => r.uid === owner.uid)) continue;
      await this.client.patch(
        { ...PVC, namespace: this.spec.namespace, name: c.metadata.name ?? '' },
        { metadata: { ownerReferences: [...refs, { ...owner, controller: false }] } },
      );
    }
  }
}
