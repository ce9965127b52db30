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
import { ConditionType, evenSizeWarning, type EtcdCluster, type EtcdClusterStatus, type EtcdCondition } from '../api/index.js';
import { EtcdMembership, type ClusterHealth } from '../membership/index.js';
import {
  INITIAL_CLUSTER_KEY,
  INITIAL_CLUSTER_STATE_KEY,
  INITIAL_CLUSTER_TOKEN_KEY,
  bootstrapToken,
  etcdGroupSpec,
  etcdNames,
  memberClientURL,
  memberPeerURL,
  type BootstrapConfig,
} from '../manifests/index.js';
import { etcdRunbooks, planFor, type EtcdRunbookContext } from '../runbooks/index.js';

/** Options of {@link EtcdClusterReconciler}; `client` is required. */
export interface EtcdClusterReconcilerOptions {
  /** The Kubernetes client (e.g. `clusterClientFrom(kubeClient)`). */
  client: ClusterClient;
  /** DNS name → IP for members' names when the operator runs outside the cluster (the local cluster's resolver). */
  resolve?: (hostname: string) => string | undefined;
  /** Runbook engine settings (clock, events, poll interval...). */
  engine?: Omit<RunbookEngineOptions, 'client'>;
  /** Default cluster.local. */
  clusterDomain?: string;
  /** Deadline of one etcd call (ms). Default 3000. */
  etcdTimeoutMs?: number;
  /** How often a converged cluster's health is re-read (ms). Default 30 000. */
  resyncMs?: number;
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
    const found = await this.client.get({ apiVersion: 'etcd.opkit.dev/v1alpha1', kind: 'EtcdCluster', ...ref });
    if (!found || found.metadata.deletionTimestamp) return {};
    const cluster = found as EtcdCluster;
    const names = etcdNames(cluster);
    const pod = { clusterDomain: this.opts.clusterDomain };
    const bootstrapRead = await this.readBootstrap(cluster);
    const statefulSet = await this.client.get({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ref.namespace, name: names.statefulSet });
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
    const health = set.statefulSet ? await this.health(cluster, set.members.map((m) => m.name)) : undefined;

    const context: EtcdRunbookContext = {
      group,
      observed,
      cluster,
      etcd: this.membership(cluster, set.members.map((m) => m.name)),
      health,
      bootstrap: bootstrapRead,
      token,
      peerURLOf: (podName) => memberPeerURL(cluster, podName, pod),
      writeBootstrap: (config) => this.writeBootstrap(cluster, config),
      deleteMemberData: async (podName) => {
        const ordinal = Number(podName.slice(names.statefulSet.length + 1));
        const claim = group.claimOf(names.statefulSet, ordinal);
        if (claim) await this.client.delete({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ref.namespace, name: claim });
        await group.deletePod(names.statefulSet, ordinal);
      },
      memberDataFresh: async (podName, since) => {
        const ordinal = Number(podName.slice(names.statefulSet.length + 1));
        const claim = group.claimOf(names.statefulSet, ordinal);
        const pvc = claim ? await this.client.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ref.namespace, name: claim }) : undefined;
        const created = pvc?.metadata.creationTimestamp;
        return created !== undefined && pvc?.metadata.deletionTimestamp === undefined && Date.parse(created) >= Math.floor(Date.parse(since) / 1000) * 1000;
      },
    };

    let object: KubeObject = cluster;
    let requeueAfter: number | undefined;
    if (!cluster.spec.paused) {
      const outcome = await this.engine.reconcile({ object, runbooks: this.runbooks, context, plan: planFor });
      object = outcome.object;
      requeueAfter = outcome.result.requeueAfter ?? (outcome.idle ? this.opts.resyncMs ?? 30_000 : undefined);
    }
    await this.writeStatus(object as EtcdCluster, health, selectorOf(group));
    return requeueAfter !== undefined ? { requeueAfter } : {};
  }

  private membership(cluster: EtcdCluster, podNames: string[]): EtcdMembership {
    const endpoints = podNames.length ? podNames.map((p) => memberClientURL(cluster, p, { clusterDomain: this.opts.clusterDomain })) : [memberClientURL(cluster, `${etcdNames(cluster).statefulSet}-0`)];
    return new EtcdMembership({ endpoints, timeoutMs: this.opts.etcdTimeoutMs ?? 3000, ...(this.opts.resolve ? { resolve: this.opts.resolve } : {}) });
  }

  private async health(cluster: EtcdCluster, podNames: string[]): Promise<ClusterHealth | undefined> {
    if (podNames.length === 0) return undefined;
    try {
      return await this.membership(cluster, podNames).health();
    } catch {
      return undefined; // no member answers: the planner waits, never forces
    }
  }

  private async readBootstrap(cluster: EtcdCluster): Promise<BootstrapConfig | undefined> {
    const cm = await this.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: cluster.metadata.namespace ?? 'default', name: etcdNames(cluster).configMap });
    const data = (cm as { data?: Record<string, string> } | undefined)?.data;
    const state = data?.[INITIAL_CLUSTER_STATE_KEY];
    if (!data?.[INITIAL_CLUSTER_KEY] || (state !== 'new' && state !== 'existing')) return undefined;
    return { initialCluster: data[INITIAL_CLUSTER_KEY], state, token: data[INITIAL_CLUSTER_TOKEN_KEY] ?? bootstrapToken(cluster) };
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
          labels: { 'app.kubernetes.io/instance': spec.name, 'app.kubernetes.io/managed-by': 'opkit', ...spec.labels },
          ownerReferences: [{ apiVersion: cluster.apiVersion, kind: cluster.kind, name: cluster.metadata.name ?? '', uid: cluster.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
        },
        data: { ...spec.configMap!.data },
      },
      { fieldManager: FIELD_MANAGER, force: true },
    );
  }

  private async writeStatus(cluster: EtcdCluster, health: ClusterHealth | undefined, selector: string): Promise<void> {
    const next = statusOf(cluster, health, selector, new Date().toISOString());
    const current = cluster.status ?? {};
    const changed = (Object.keys(next) as (keyof EtcdClusterStatus)[]).some((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]));
    if (!changed) return;
    await this.client.patch(
      { apiVersion: cluster.apiVersion, kind: cluster.kind, namespace: cluster.metadata.namespace, name: cluster.metadata.name ?? '' },
      { status: next },
      { subresource: 'status', fieldManager: FIELD_MANAGER },
    );
  }
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
export function statusOf(cluster: EtcdCluster, health: ClusterHealth | undefined, selector: string, now: string): EtcdClusterStatus {
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
      ? 'Bootstrapping'
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
      ...(cluster.metadata.generation !== undefined ? { observedGeneration: cluster.metadata.generation } : {}),
    };
    if (i >= 0) conditions[i] = c;
    else conditions.push(c);
  };
  if (!health) set(ConditionType.Available, 'False', 'NoMemberAnswers', 'no etcd member answers');
  else if (health.hasQuorum) set(ConditionType.Available, 'True', 'QuorumHealthy', `${health.healthyVoters}/${health.voters} voters healthy`);
  else set(ConditionType.Available, 'False', 'QuorumLost', `${health.healthyVoters}/${health.voters} voters healthy, ${health.quorum} needed`);
  if (health) {
    if (health.atRisk) set(ConditionType.QuorumAtRisk, 'True', 'NoSpareVoter', `losing one more of ${health.healthyVoters} healthy voters loses quorum (${health.quorum} needed)`);
    else set(ConditionType.QuorumAtRisk, 'False', 'SpareVoters', `${health.spare} voter(s) may fail`);
  }
  const even = evenSizeWarning(size);
  if (even) set(ConditionType.RecommendedSize, 'False', even.reason, even.message);
  else set(ConditionType.RecommendedSize, 'True', 'OddSize', `size ${size} tolerates ${Math.floor((size - 1) / 2)} failed member(s)`);
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
