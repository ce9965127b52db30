/**
 * The EtcdCluster reconciler as a plain function of one object (no manager wiring yet): observe the
 * member group and etcd's own member list, let the runbook engine advance the operation in progress
 * (or start the one the planner picks), then report what etcd says in `.status`.
 */
import {
  MemberGroup,
  RunbookEngine,
  operationOf,
  setSelector,
  type ClusterClient,
  type KubeObject,
  type RunbookEngineOptions,
} from '@opkit/statefulset';
import { TerminalError } from '@opkit/core';
import {
  BACKUP_REQUEST_ANNOTATION,
  ConditionType,
  evenSizeWarning,
  invalidSpecReason,
  type EtcdCluster,
  type EtcdClusterStatus,
  type EtcdCondition,
} from '../api/index.js';
import { nextBackupTime, takeBackup, type BackupRecord } from '../backup/index.js';
import { EtcdMembership, type ClusterHealth, type EtcdMembershipOptions } from '../membership/index.js';
import {
  INITIAL_CLUSTER_KEY,
  INITIAL_CLUSTER_STATE_KEY,
  INITIAL_CLUSTER_TOKEN_KEY,
  RESTORE_FROM_KEY,
  bootstrapToken,
  etcdGroupSpec,
  etcdNames,
  memberClientURL,
  memberPeerURL,
  type BootstrapConfig,
} from '../manifests/index.js';
import {
  UNSAFE_MEMBER_REMOVAL,
  etcdRunbooks,
  observationOf,
  planEtcdOperation,
  planFor,
  type EtcdDecision,
  type EtcdRunbookContext,
} from '../runbooks/index.js';

/** Options of {@link EtcdClusterReconciler}; `client` is required. */
export interface EtcdClusterReconcilerOptions {
  /** The Kubernetes client (e.g. `clusterClientFrom(kubeClient)`). */
  client: ClusterClient;
  /** DNS name → IP for members' names when the operator runs outside the cluster (the local cluster's resolver). */
  resolve?: (hostname: string) => string | undefined;
  /**
   * How members are reached: by their DNS names (`dns`, in the cluster: the default), or by their pods'
   * IPs (`podIP`: an operator outside the cluster, e.g. `opkit dev` on the local cluster, where the
   * pods' loopback addresses are reachable but cluster DNS is not). `resolve` wins over both.
   */
  memberAddresses?: 'dns' | 'podIP';
  /** Runbook engine settings (clock, events, poll interval...). */
  engine?: Omit<RunbookEngineOptions, 'client'>;
  /** Default cluster.local. */
  clusterDomain?: string;
  /** Deadline of one etcd call (ms). Default 3000. */
  etcdTimeoutMs?: number;
  /** How often a converged cluster's health is re-read (ms). Default 30 000. */
  resyncMs?: number;
  /**
   * Where backup claims are mounted in the operator's pod (`--backup-dir`); unset: a claim's own
   * hostPath/local volume directory (the local cluster).
   */
  backupRoot?: string;
  /**
   * A voter that does not answer while its container has restarted this many times is failed for
   * good (e.g. its data was lost: etcd panics on a raft log behind its commit index, and crash-loops)
   * and is replaced: removed, its claim wiped, re-added as a learner. Default 3.
   */
  failedRestarts?: number;
  /**
   * Called after every etcd membership call (add, promote, remove) returns; a hook that throws aborts
   * the reconcile right there, as a crashed operator would (crash tests). See {@link EtcdMembershipOptions.afterChange}.
   */
  afterMembershipChange?: EtcdMembershipOptions['afterChange'];
}

const FIELD_MANAGER = 'etcd-operator';

/** Reconciles EtcdClusters; see the module comment. */
export class EtcdClusterReconciler {
  private readonly client: ClusterClient;
  private readonly engine: RunbookEngine;
  private readonly runbooks = etcdRunbooks();

  constructor(private readonly opts: EtcdClusterReconcilerOptions) {
    this.client = opts.client;
    this.engine = new RunbookEngine({ fieldManager: FIELD_MANAGER, ...opts.engine, client: opts.client });
  }

  /** One reconcile of `namespace/name`; returns when to come back. */
  async reconcile(ref: { namespace: string; name: string }): Promise<{ requeueAfter?: number }> {
    const found = await this.client.get({
      apiVersion: 'etcd.opkit.dev/v1alpha1',
      kind: 'EtcdCluster',
      ...ref,
    });
    if (!found || found.metadata.deletionTimestamp) return {};
    const cluster = found as EtcdCluster;
    const problem = invalidSpecReason(cluster);
    if (problem) {
      // nothing a retry fixes: say so on the object, and wait for the next spec change
      await this.writeInvalidSpec(cluster, problem);
      throw new TerminalError(`invalid spec of ${ref.namespace}/${ref.name}: ${problem}`);
    }
    const names = etcdNames(cluster);
    const pod = { clusterDomain: this.opts.clusterDomain };
    const bootstrapRead = await this.readBootstrap(cluster);
    const statefulSet = await this.client.get({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      namespace: ref.namespace,
      name: names.statefulSet,
    });
    const token = bootstrapRead?.token ?? bootstrapToken(cluster);
    // with members running, a missing ConfigMap must never come back as `new` (a second cluster)
    const bootstrap: BootstrapConfig = bootstrapRead ?? {
      initialCluster: `${names.statefulSet}-0=${memberPeerURL(cluster, `${names.statefulSet}-0`, pod)}`,
      state: statefulSet ? 'existing' : 'new',
      token,
    };
    const group = new MemberGroup(this.client, etcdGroupSpec(cluster, bootstrap, pod));
    // keeps the template (version, resources) current; the replica count is the runbooks' to change
    if (statefulSet) await group.apply();
    const observed = await group.observe();
    const set = observed.set(names.statefulSet);
    const resolve = this.resolverFor(observed.members());
    const health = set.statefulSet
      ? await this.health(
          cluster,
          set.members.map((m) => m.name),
          resolve,
        )
      : undefined;

    const context: EtcdRunbookContext = {
      group,
      observed,
      cluster,
      etcd: this.membership(
        cluster,
        set.members.map((m) => m.name),
        resolve,
      ),
      health,
      bootstrap: bootstrapRead,
      token,
      peerURLOf: (podName) => memberPeerURL(cluster, podName, pod),
      writeBootstrap: (config) => this.writeBootstrap(cluster, config),
      deleteMemberData: async (podName) => {
        const ordinal = Number(podName.slice(names.statefulSet.length + 1));
        const claim = group.claimOf(names.statefulSet, ordinal);
        if (claim)
          await this.client.delete({
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace: ref.namespace,
            name: claim,
          });
        await group.deletePod(names.statefulSet, ordinal);
      },
      failedMembers: failedMembers(set.members, health, this.opts.failedRestarts ?? 3),
      memberDataFresh: async (podName, since) => {
        const ordinal = Number(podName.slice(names.statefulSet.length + 1));
        const claim = group.claimOf(names.statefulSet, ordinal);
        const pvc = claim
          ? await this.client.get({
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              namespace: ref.namespace,
              name: claim,
            })
          : undefined;
        const created = pvc?.metadata.creationTimestamp;
        return (
          created !== undefined &&
          pvc?.metadata.deletionTimestamp === undefined &&
          Date.parse(created) >= Math.floor(Date.parse(since) / 1000) * 1000
        );
      },
    };

    let object: KubeObject = cluster;
    let requeueAfter: number | undefined;
    let lastBackup: BackupRecord | undefined;
    let decision: EtcdDecision | undefined;
    if (!cluster.spec.paused) {
      const outcome = await this.engine.reconcile({
        object,
        runbooks: this.runbooks,
        context,
        plan: planFor,
      });
      object = outcome.object;
      if (outcome.idle) {
        // the planner's refusals are invisible to the engine (no operation): say them on the object
        decision = planEtcdOperation(observationOf(context, context.failedMembers ?? []));
        await this.announceBlockedScaleDown(object as EtcdCluster, decision);
      }
      requeueAfter =
        outcome.result.requeueAfter ?? (outcome.idle ? (this.opts.resyncMs ?? 30_000) : undefined);
      // backups only between operations, with a quorum: a snapshot of a cluster being changed is still
      // consistent, but streaming it competes with a joining learner for the same leader
      if (outcome.idle && health?.hasQuorum) {
        const backup = await this.backupIfDue(object as EtcdCluster, context.etcd as EtcdMembership);
        lastBackup = backup.record;
        if (backup.nextInMs !== undefined)
          requeueAfter = Math.min(requeueAfter ?? backup.nextInMs, backup.nextInMs);
      }
    }
    await this.writeStatus(object as EtcdCluster, health, selectorOf(group), lastBackup, decision);
    return requeueAfter !== undefined ? { requeueAfter } : {};
  }

  /** Takes a backup when the schedule is due or one was asked for; says when the next is due. */
  private async backupIfDue(
    cluster: EtcdCluster,
    etcd: EtcdMembership,
  ): Promise<{ record?: BackupRecord; nextInMs?: number }> {
    if (!cluster.spec.backup) return {};
    const now = new Date();
    const request = cluster.metadata.annotations?.[BACKUP_REQUEST_ANNOTATION];
    const asked = request !== undefined && request !== cluster.status?.lastBackup?.request;
    const due = nextBackupTime(cluster);
    if (!asked && due && due.getTime() > now.getTime()) return { nextInMs: due.getTime() - now.getTime() };
    const taken = await takeBackup(cluster, {
      client: this.client,
      snapshot: (file) => etcd.snapshot(file),
      now: () => now,
      ...(this.opts.backupRoot ? { backupRoot: this.opts.backupRoot } : {}),
    });
    const record: BackupRecord = { ...taken, ...(request !== undefined ? { request } : {}) };
    await this.opts.engine?.events?.event(
      cluster,
      record.succeeded ? 'Normal' : 'Warning',
      record.succeeded ? 'BackupSucceeded' : 'BackupFailed',
      record.succeeded
        ? `snapshot ${record.file} (${record.sizeBytes ?? 0} bytes, revision ${record.revision ?? '?'}); ${record.message ?? ''}`
        : `backup to ${record.file} failed: ${record.message ?? ''}`,
    );
    const next = nextBackupTime({ ...cluster, status: { ...cluster.status, lastBackup: record } });
    return { record, ...(next ? { nextInMs: Math.max(1000, next.getTime() - Date.now()) } : {}) };
  }

  /** How members' host names become addresses this reconcile (see {@link EtcdClusterReconcilerOptions.memberAddresses}). */
  private resolverFor(
    members: readonly { fqdn: string; podIP?: string }[],
  ): ((hostname: string) => string | undefined) | undefined {
    if (this.opts.resolve) return this.opts.resolve;
    if (this.opts.memberAddresses !== 'podIP') return undefined;
    const ipOf = new Map(members.filter((m) => m.podIP).map((m) => [m.fqdn, m.podIP!]));
    return (hostname) => ipOf.get(hostname.replace(/\.$/, ''));
  }

  /** etcd's API through the members' client URLs. */
  membership(
    cluster: EtcdCluster,
    podNames: string[],
    resolve?: (hostname: string) => string | undefined,
  ): EtcdMembership {
    const endpoints = podNames.length
      ? podNames.map((p) => memberClientURL(cluster, p, { clusterDomain: this.opts.clusterDomain }))
      : [memberClientURL(cluster, `${etcdNames(cluster).statefulSet}-0`)];
    return new EtcdMembership({
      endpoints,
      timeoutMs: this.opts.etcdTimeoutMs ?? 3000,
      ...(resolve ? { resolve } : {}),
      ...(this.opts.afterMembershipChange ? { afterChange: this.opts.afterMembershipChange } : {}),
    });
  }

  private async health(
    cluster: EtcdCluster,
    podNames: string[],
    resolve?: (hostname: string) => string | undefined,
  ): Promise<ClusterHealth | undefined> {
    if (podNames.length === 0) return undefined;
    try {
      return await this.membership(cluster, podNames, resolve).health();
    } catch {
      return undefined; // no member answers: the planner waits, never forces
    }
  }

  private async readBootstrap(cluster: EtcdCluster): Promise<BootstrapConfig | undefined> {
    const cm = await this.client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: cluster.metadata.namespace ?? 'default',
      name: etcdNames(cluster).configMap,
    });
    const data = (cm as { data?: Record<string, string> } | undefined)?.data;
    const state = data?.[INITIAL_CLUSTER_STATE_KEY];
    if (!data?.[INITIAL_CLUSTER_KEY] || (state !== 'new' && state !== 'existing')) return undefined;
    const restoreFrom = data[RESTORE_FROM_KEY];
    return {
      initialCluster: data[INITIAL_CLUSTER_KEY],
      state,
      token: data[INITIAL_CLUSTER_TOKEN_KEY] ?? bootstrapToken(cluster),
      ...(restoreFrom ? { restoreFrom } : {}),
    };
  }

  private async writeBootstrap(cluster: EtcdCluster, config: BootstrapConfig): Promise<void> {
    // the whole group spec carries the ConfigMap (labels, owner reference); apply just that object
    const spec = etcdGroupSpec(cluster, config, { clusterDomain: this.opts.clusterDomain });
    const names = etcdNames(cluster);
    await this.client.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: names.configMap,
          namespace: spec.namespace,
          labels: {
            'app.kubernetes.io/instance': spec.name,
            'app.kubernetes.io/managed-by': 'opkit',
            ...spec.labels,
          },
          ownerReferences: [
            {
              apiVersion: cluster.apiVersion,
              kind: cluster.kind,
              name: cluster.metadata.name ?? '',
              uid: cluster.metadata.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        data: { ...spec.configMap!.data },
      },
      { fieldManager: FIELD_MANAGER, force: true },
    );
  }

  private async writeInvalidSpec(cluster: EtcdCluster, message: string): Promise<void> {
    const conditions = [...(cluster.status?.conditions ?? [])];
    const i = conditions.findIndex((c) => c.type === ConditionType.Degraded);
    const old = conditions[i];
    if (old?.status === 'True' && old.reason === 'InvalidSpec' && old.message === message) return;
    const c: EtcdCondition = {
      type: ConditionType.Degraded,
      status: 'True',
      reason: 'InvalidSpec',
      message,
      lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : new Date().toISOString(),
      ...(cluster.metadata.generation !== undefined
        ? { observedGeneration: cluster.metadata.generation }
        : {}),
    };
    if (i >= 0) conditions[i] = c;
    else conditions.push(c);
    await this.client.patch(
      {
        apiVersion: cluster.apiVersion,
        kind: cluster.kind,
        namespace: cluster.metadata.namespace,
        name: cluster.metadata.name ?? '',
      },
      { status: { conditions } },
      { subresource: 'status', fieldManager: FIELD_MANAGER },
    );
  }

  /** A Warning Event when a scale-down becomes blocked as unsafe (once per transition, not per resync). */
  private async announceBlockedScaleDown(cluster: EtcdCluster, decision: EtcdDecision): Promise<void> {
    if (decision.type !== 'Blocked' || decision.reason !== UNSAFE_MEMBER_REMOVAL) return;
    const was = cluster.status?.conditions?.find((c) => c.type === ConditionType.ScaleDownBlocked);
    if (was?.status === 'True' && was.reason === decision.reason) return;
    await this.opts.engine?.events?.event(cluster, 'Warning', decision.reason, decision.message);
  }

  private async writeStatus(
    cluster: EtcdCluster,
    health: ClusterHealth | undefined,
    selector: string,
    lastBackup?: BackupRecord,
    decision?: EtcdDecision,
  ): Promise<void> {
    const next: EtcdClusterStatus = {
      ...statusOf(cluster, health, selector, new Date().toISOString(), decision),
      ...(lastBackup ? { lastBackup } : {}),
    };
    const current = cluster.status ?? {};
    const changed = (Object.keys(next) as (keyof EtcdClusterStatus)[]).some(
      (k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]),
    );
    if (!changed) return;
    await this.client.patch(
      {
        apiVersion: cluster.apiVersion,
        kind: cluster.kind,
        namespace: cluster.metadata.namespace,
        name: cluster.metadata.name ?? '',
      },
      { status: next },
      { subresource: 'status', fieldManager: FIELD_MANAGER },
    );
  }
}

function restartsOf(pod: KubeObject | undefined): number {
  const statuses =
    (pod?.status as { containerStatuses?: { restartCount?: number }[] } | undefined)?.containerStatuses ?? [];
  return Math.max(0, ...statuses.map((s) => s.restartCount ?? 0));
}

/** Voters that do not answer and whose pod keeps restarting: a restart does not bring them back. */
function failedMembers(
  members: readonly { name: string; pod?: KubeObject }[],
  health: ClusterHealth | undefined,
  threshold: number,
): string[] {
  if (!health) return [];
  return members
    .filter((m) => {
      const h = health.members.find((x) => x.member.name === m.name);
      return h !== undefined && !h.member.learner && !h.healthy && restartsOf(m.pod) >= threshold;
    })
    .map((m) => m.name);
}

function selectorOf(group: MemberGroup): string {
  return Object.entries(setSelector(group.spec, group.spec.sets[0]!))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * The observed part of `.status` (all but `operation`, which the runbook engine owns, and the engine's
 * Progressing/Degraded conditions, which are kept as they are).
 */
export function statusOf(
  cluster: EtcdCluster,
  health: ClusterHealth | undefined,
  selector: string,
  now: string,
  /** The planner's decision this reconcile, when it was asked (no operation in progress); else ScaleDownBlocked stays as it is. */
  decision?: EtcdDecision,
): EtcdClusterStatus {
  const op = operationOf(cluster);
  const size = cluster.spec.size ?? 3;
  const members = (health?.members ?? []).map((m) => ({
    name: m.member.name || m.member.peerURLs[0]?.replace(/^https?:\/\/([^.:]+).*$/, '$1') || m.member.id,
    id: m.member.id,
    ...(m.member.peerURLs[0] ? { peerURL: m.member.peerURLs[0] } : {}),
    learner: m.member.learner,
    healthy: m.healthy,
    leader: m.leader,
    ...(m.status?.version ? { version: m.status.version } : {}),
  }));
  const versions = members.filter((m) => m.version).map((m) => m.version!);
  const phase: EtcdClusterStatus['phase'] = cluster.spec.paused
    ? 'Paused'
    : op?.kind === 'Bootstrap'
      ? cluster.spec.restoreFrom
        ? 'Restoring'
        : 'Bootstrapping'
      : op?.kind === 'RollingUpdate'
        ? 'Upgrading'
        : op
          ? 'Scaling'
          : !health
            ? 'Pending'
            : !health.hasQuorum
              ? 'Degraded'
              : 'Running';
  const conditions = [...(cluster.status?.conditions ?? [])];
  const set = (type: string, status: EtcdCondition['status'], reason: string, message: string): void => {
    const i = conditions.findIndex((c) => c.type === type);
    const old = conditions[i];
    if (old && old.status === status && old.reason === reason && old.message === message) return;
    const c: EtcdCondition = {
      type,
      status,
      reason,
      message,
      // as apimachinery meta.SetStatusCondition: the time moves only when the status flips
      lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
      ...(cluster.metadata.generation !== undefined
        ? { observedGeneration: cluster.metadata.generation }
        : {}),
    };
    if (i >= 0) conditions[i] = c;
    else conditions.push(c);
  };
  if (!health) set(ConditionType.Available, 'False', 'NoMemberAnswers', 'no etcd member answers');
  else if (health.hasQuorum)
    set(
      ConditionType.Available,
      'True',
      'QuorumHealthy',
      `${health.healthyVoters}/${health.voters} voters healthy`,
    );
  else
    set(
      ConditionType.Available,
      'False',
      'QuorumLost',
      `${health.healthyVoters}/${health.voters} voters healthy, ${health.quorum} needed`,
    );
  if (health) {
    if (health.atRisk)
      set(
        ConditionType.QuorumAtRisk,
        'True',
        'NoSpareVoter',
        `losing one more of ${health.healthyVoters} healthy voters loses quorum (${health.quorum} needed)`,
      );
    else set(ConditionType.QuorumAtRisk, 'False', 'SpareVoters', `${health.spare} voter(s) may fail`);
  }
  // a spec fixed after InvalidSpec: the complaint goes (other Degraded reasons are the engine's)
  const degraded = conditions.find((c) => c.type === ConditionType.Degraded);
  if (degraded?.reason === 'InvalidSpec' && degraded.status === 'True')
    set(ConditionType.Degraded, 'False', 'SpecValid', 'the spec is valid');
  if (decision?.type === 'Blocked' && decision.reason === UNSAFE_MEMBER_REMOVAL)
    set(ConditionType.ScaleDownBlocked, 'True', decision.reason, decision.message);
  else if (
    decision &&
    conditions.some((c) => c.type === ConditionType.ScaleDownBlocked && c.status === 'True')
  )
    set(ConditionType.ScaleDownBlocked, 'False', 'ScaleDownSafe', 'no unsafe member removal is asked for');
  const even = evenSizeWarning(size);
  if (even) set(ConditionType.RecommendedSize, 'False', even.reason, even.message);
  else
    set(
      ConditionType.RecommendedSize,
      'True',
      'OddSize',
      `size ${size} tolerates ${Math.floor((size - 1) / 2)} failed member(s)`,
    );
  const leader = members.find((m) => m.leader)?.name;
  return {
    observedGeneration: cluster.metadata.generation,
    phase,
    size: health?.voters ?? 0,
    readyMembers: health?.healthyVoters ?? 0,
    selector,
    ...(leader ? { leader } : {}),
    members,
    ...(health?.clusterId ? { clusterID: health.clusterId } : {}),
    ...(versions.length ? { currentVersion: versions.sort()[0] } : {}),
    conditions,
  };
}
