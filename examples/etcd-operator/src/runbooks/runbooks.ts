/**
 * The etcd runbooks as code for @opkit/statefulset's RunbookEngine: the generic scale-up, scale-down
 * and rolling-update runbooks with etcd's hooks (learner add/promote, leader transfer, member remove),
 * plus etcd's own Bootstrap and ReplaceMember. Every action is safe to repeat: each step's `applied`
 * / `complete` look at etcd's member list, so a crash between an action and its record never repeats it.
 */
import {
  rollingUpdateRunbook,
  scaleDownRunbook,
  scaleUpRunbook,
  type CheckResult,
  type GroupContext,
  type MembershipOptions,
  type ObservedMember,
  type PlannedOperation,
  type Runbook,
  type StepContext,
} from '@opkit/statefulset';
import type { EtcdCluster } from '../api/index.js';
import {
  canRemoveVoter,
  type ClusterHealth,
  type EtcdMember,
  type RetryOptions,
} from '../membership/index.js';
import type { BootstrapConfig } from '../manifests/index.js';
import {
  UNSAFE_MEMBER_REMOVAL,
  initialClusterForJoin,
  planEtcdOperation,
  type EtcdDecision,
  type EtcdObservation,
} from './plan.js';

/** The part of {@link EtcdMembership} the runbooks call (a fake stands in for it in unit tests). */
export interface EtcdMembershipPort {
  memberAddAsLearner(peerURL: string): Promise<{ member: EtcdMember; members: EtcdMember[] }>;
  memberPromote(id: string, retry?: RetryOptions): Promise<void>;
  memberRemove(id: string): Promise<boolean>;
  moveLeader(targetId: string): Promise<void>;
}

/** What every etcd step sees, built once per reconcile by the reconciler. */
export interface EtcdRunbookContext extends GroupContext {
  cluster: EtcdCluster;
  etcd: EtcdMembershipPort;
  /** etcd's view read this reconcile; undefined when no member answered. */
  health: ClusterHealth | undefined;
  /** The bootstrap ConfigMap's content as read this reconcile. */
  bootstrap: BootstrapConfig | undefined;
  /** Writes the bootstrap ConfigMap (server-side apply). */
  writeBootstrap(config: BootstrapConfig): Promise<void>;
  /** The peer URL of a member by pod name. */
  peerURLOf(podName: string): string;
  /** The bootstrap token of this cluster. */
  token: string;
  /** Deletes a member's pod and PVC (ReplaceMember); idempotent. */
  deleteMemberData(podName: string): Promise<void>;
  /** Whether the member's claim was created after `since` (RFC 3339): its old data is gone. */
  memberDataFresh(podName: string, since: string): Promise<boolean>;
  /** Voters judged failed for good this reconcile (see the reconciler's `failedRestarts`). */
  failedMembers?: string[];
}

function memberOf(context: EtcdRunbookContext, podName: string): EtcdMember | undefined {
  const peer = context.peerURLOf(podName);
  return context.health?.members.find((m) => m.member.name === podName || m.member.peerURLs.includes(peer))
    ?.member;
}

function healthOf(context: EtcdRunbookContext, podName: string) {
  const peer = context.peerURLOf(podName);
  return context.health?.members.find((m) => m.member.name === podName || m.member.peerURLs.includes(peer));
}

/** Quorum and every voter healthy: the safety check before any membership change or restart. */
export function clusterHealthy(context: EtcdRunbookContext): CheckResult {
  const h = context.health;
  if (!h) return { ok: false, reason: 'NoMemberAnswers', message: 'no etcd member answers' };
  if (!h.hasQuorum)
    return {
      ok: false,
      reason: 'QuorumLost',
      message: `${h.healthyVoters}/${h.voters} voters healthy, ${h.quorum} needed`,
    };
  const sick = h.members.filter((m) => !m.member.learner && !m.healthy);
  if (sick.length)
    return {
      ok: false,
      reason: 'MemberUnhealthy',
      message: `unhealthy: ${sick.map((m) => `${m.member.name || m.member.id} (${m.reason ?? 'unknown'})`).join(', ')}`,
    };
  return true;
}

function noOtherLearner(context: EtcdRunbookContext, podName: string): CheckResult {
  const peer = context.peerURLOf(podName);
  const other = context.health?.members.find((m) => m.member.learner && !m.member.peerURLs.includes(peer));
  // etcd 3.4 accepts one learner at a time, and one change at a time keeps quorum arithmetic honest
  return other
    ? {
        ok: false,
        reason: 'LearnerPending',
        message: `learner ${other.member.name || other.member.id} is still pending`,
      }
    : true;
}

/** Adds `podName` as a learner after pointing the bootstrap ConfigMap at the cluster it joins. */
async function addLearner(context: EtcdRunbookContext, podName: string): Promise<void> {
  const peerURL = context.peerURLOf(podName);
  const current = context.health?.members.map((m) => m.member) ?? [];
  // written before `member add`, so the pod finds it whatever moment it starts
  await context.writeBootstrap({
    initialCluster: initialClusterForJoin(current, { name: podName, peerURL }),
    state: 'existing',
    token: context.token,
  });
  await context.etcd.memberAddAsLearner(peerURL);
}

async function promote(context: EtcdRunbookContext, podName: string): Promise<void> {
  const m = memberOf(context, podName);
  if (!m) throw new Error(`member ${podName} is not in the member list`);
  await context.etcd.memberPromote(m.id, { timeoutMs: 5000 });
}

/** The etcd hooks of the generic membership runbooks. */
export function etcdMembershipOptions(): MembershipOptions<EtcdRunbookContext> {
  const started = (member: ObservedMember, context: EtcdRunbookContext): CheckResult => {
    const h = healthOf(context, member.name);
    return h?.status
      ? true
      : {
          ok: false,
          reason: 'LearnerNotStarted',
          message: `${member.name} does not answer yet${h?.reason ? `: ${h.reason}` : ''}`,
        };
  };
  return {
    clusterHealthy,
    desiredReplicas: (_set, context) => context.cluster.spec.size ?? 3,
    preAdd: {
      precondition: (member, context) => noOtherLearner(context, member.name),
      done: (member, context) => memberOf(context, member.name) !== undefined,
      action: (member, context) => addLearner(context, member.name),
    },
    postJoin: {
      precondition: started,
      done: (member, context) => memberOf(context, member.name)?.learner === false,
      action: (member, context) => promote(context, member.name),
      timeoutMs: 5 * 60_000,
    },
    preRemove: {
      precondition(member, context) {
        const h = context.health;
        const target = healthOf(context, member.name);
        if (!h || !target) return true; // not a member: nothing to remove
        const members = h.members.map((m) => ({ learner: m.member.learner, healthy: m.healthy }));
        if (!target.member.learner && !canRemoveVoter(members, target.healthy)) {
          const voters = members.filter((m) => !m.learner).length;
          // the planner never starts this; an operation started by an older operator waits here, untouched
          return voters === 2
            ? {
                ok: false,
                reason: UNSAFE_MEMBER_REMOVAL,
                message: `never removing ${member.name} from a 2-member cluster: set spec.size back to 2, or restore a backup into a size-1 cluster`,
              }
            : { ok: false, reason: 'QuorumAtRisk', message: `removing ${member.name} would leave no quorum` };
        }
        return true;
      },
      done: (member, context) => memberOf(context, member.name) === undefined,
      async action(member, context) {
        const target = healthOf(context, member.name);
        if (!target) return;
        if (target.leader) {
          // hand leadership over first so the removal is not a leader election under load
          const next = context.health?.members.find((m) => !m.member.learner && m.healthy && m !== target);
          if (next) await context.etcd.moveLeader(next.member.id);
        }
        await context.etcd.memberRemove(target.member.id);
      },
    },
    hasLeft: (member, context) => memberOf(context, member.name) === undefined,
    healthy: (member, context) => healthOf(context, member.name)?.healthy === true,
    leader: (_set, context) => context.health?.members.find((m) => m.leader)?.member.name,
    beforeRestart: {
      done: (member, context) => healthOf(context, member.name)?.leader !== true,
      async action(member, context) {
        // restart the leader only after handing leadership to an updated follower (or any healthy one)
        const followers =
          context.health?.members.filter((m) => !m.member.learner && m.healthy && !m.leader) ?? [];
        const updated = new Set(
          context.observed
            .members()
            .filter((x) => x.updated)
            .map((x) => x.name),
        );
        const next = followers.find((f) => updated.has(f.member.name)) ?? followers[0];
        if (next) await context.etcd.moveLeader(next.member.id);
      },
    },
  };
}

function stsReplicas(ctx: StepContext<EtcdRunbookContext>): number {
  return ctx.context.observed.set(ctx.operation.target ?? '').replicas;
}

/**
 * Bootstrap: the seed alone with state `new`, then `existing` (the planner adds the others one at a
 * time). A cluster restored from a snapshot (`spec.restoreFrom`) starts every member at once instead,
 * all restoring the same snapshot with the new cluster's token (etcd recovery.md: a restore always
 * makes a new cluster; never `--force-new-cluster`), and is done when all of them are healthy voters.
 */
export function bootstrapRunbook(): Runbook<EtcdRunbookContext> {
  const podName = (ctx: StepContext<EtcdRunbookContext>, ordinal: number): string =>
    `${ctx.operation.target ?? ''}-${ordinal}`;
  const seedName = (ctx: StepContext<EtcdRunbookContext>): string => podName(ctx, 0);
  const restore = (ctx: StepContext<EtcdRunbookContext>) => ctx.context.cluster.spec.restoreFrom;
  const size = (ctx: StepContext<EtcdRunbookContext>): number => ctx.context.cluster.spec.size ?? 3;
  const seedConfig = (ctx: StepContext<EtcdRunbookContext>): BootstrapConfig => {
    const from = restore(ctx);
    const members = from ? Array.from({ length: size(ctx) }, (_, i) => podName(ctx, i)) : [seedName(ctx)];
    return {
      initialCluster: members.map((m) => `${m}=${ctx.context.peerURLOf(m)}`).join(','),
      state: 'new',
      token: ctx.context.token,
      ...(from ? { restoreFrom: from.file } : {}),
    };
  };
  return {
    kind: 'Bootstrap',
    steps: [
      {
        name: 'WriteSeedConfig',
        complete: (ctx) => {
          const b = ctx.context.bootstrap;
          // already past this step when the StatefulSet exists
          return (
            ctx.context.observed.set(ctx.operation.target ?? '').statefulSet !== undefined ||
            (b?.state === 'new' &&
              b.initialCluster === seedConfig(ctx).initialCluster &&
              b.restoreFrom === seedConfig(ctx).restoreFrom)
          );
        },
        action: (ctx) => ctx.context.writeBootstrap(seedConfig(ctx)),
      },
      {
        name: 'CreateSeed',
        complete: (ctx) => ctx.context.observed.set(ctx.operation.target ?? '').statefulSet !== undefined,
        action: (ctx) => ctx.context.group.apply({ initialReplicas: () => (restore(ctx) ? size(ctx) : 1) }),
      },
      {
        name: 'WaitSeedHealthy',
        timeoutMs: 5 * 60_000,
        complete: (ctx) => {
          const h = ctx.context.health;
          const wanted = restore(ctx)
            ? Array.from({ length: size(ctx) }, (_, i) => podName(ctx, i))
            : [seedName(ctx)];
          for (const name of wanted) {
            const m = h?.members.find((x) => x.member.name === name);
            if (!h || !m)
              return {
                ok: false,
                reason: 'SeedNotStarted',
                message: `${name} does not answer yet (replicas ${stsReplicas(ctx)})`,
              };
            if (!m.healthy)
              return { ok: false, reason: 'SeedUnhealthy', message: `${name}: ${m.reason ?? 'unhealthy'}` };
          }
          return true;
        },
      },
      {
        name: 'MarkExisting',
        complete: (ctx) =>
          ctx.context.bootstrap?.state === 'existing' && ctx.context.bootstrap.restoreFrom === undefined,
        action: async (ctx) => {
          const { restoreFrom: _restored, ...b } = ctx.context.bootstrap ?? seedConfig(ctx);
          // members added later join as learners: nothing to restore for them
          await ctx.context.writeBootstrap({ ...b, state: 'existing' });
        },
      },
    ],
  };
}

/** ReplaceMember: remove a failed member, wipe its data, add it back as a learner and promote it. */
export function replaceMemberRunbook(): Runbook<EtcdRunbookContext> {
  const pod = (ctx: StepContext<EtcdRunbookContext>): string =>
    `${ctx.operation.target ?? ''}-${String(ctx.operation.ordinal ?? -1)}`;
  return {
    kind: 'ReplaceMember',
    steps: [
      {
        name: 'RemoveFailedMember',
        precondition: (ctx) => {
          const h = ctx.context.health;
          const target = healthOf(ctx.context, pod(ctx));
          if (!h || !target || target.member.learner) return true;
          const ok = canRemoveVoter(
            h.members.map((m) => ({ learner: m.member.learner, healthy: m.healthy })),
            target.healthy,
          );
          return ok
            ? true
            : { ok: false, reason: 'QuorumAtRisk', message: `removing ${pod(ctx)} would leave no quorum` };
        },
        complete: (ctx) => memberOf(ctx.context, pod(ctx)) === undefined,
        action: async (ctx) => {
          const m = memberOf(ctx.context, pod(ctx));
          if (m) await ctx.context.etcd.memberRemove(m.id);
        },
      },
      {
        name: 'DeleteMemberData',
        // a removed member's data must never rejoin: its pod and claim go, the StatefulSet recreates both empty
        complete: async (ctx) =>
          (await ctx.context.memberDataFresh(pod(ctx), ctx.operation.startedAt))
            ? true
            : {
                ok: false,
                reason: 'DeletingMemberData',
                message: `waiting for ${pod(ctx)} to come back with an empty claim`,
              },
        action: (ctx) => ctx.context.deleteMemberData(pod(ctx)),
      },
      {
        name: 'AddLearner',
        precondition: (ctx) => {
          const c = clusterHealthy(ctx.context);
          return c === true || (typeof c === 'object' && c.ok) ? noOtherLearner(ctx.context, pod(ctx)) : c;
        },
        applied: (ctx) => memberOf(ctx.context, pod(ctx)) !== undefined,
        complete: (ctx) => memberOf(ctx.context, pod(ctx)) !== undefined,
        action: (ctx) => addLearner(ctx.context, pod(ctx)),
      },
      {
        name: 'WaitStarted',
        timeoutMs: 5 * 60_000,
        complete: (ctx) =>
          healthOf(ctx.context, pod(ctx))?.status
            ? true
            : { ok: false, reason: 'LearnerNotStarted', message: `${pod(ctx)} does not answer yet` },
      },
      {
        name: 'Promote',
        complete: (ctx) => memberOf(ctx.context, pod(ctx))?.learner === false,
        action: (ctx) => promote(ctx.context, pod(ctx)),
      },
    ],
  };
}

/** Every runbook the etcd operator runs, for `RunbookEngine.reconcile({ runbooks })`. */
export function etcdRunbooks(): Runbook<EtcdRunbookContext>[] {
  const opts = etcdMembershipOptions();
  return [
    bootstrapRunbook(),
    scaleUpRunbook(opts),
    scaleDownRunbook(opts),
    replaceMemberRunbook(),
    rollingUpdateRunbook(opts),
  ];
}

/** The observation the pure planner decides on, from a reconcile's context. */
export function observationOf(context: EtcdRunbookContext, failed: string[] = []): EtcdObservation {
  const set = context.group.spec.sets[0]!.name;
  const observed = context.observed.set(set);
  const h = context.health;
  return {
    set,
    size: context.cluster.spec.size ?? 3,
    paused: context.cluster.spec.paused,
    replicas: observed.statefulSet ? observed.replicas : undefined,
    reachable: h !== undefined,
    members: (h?.members ?? []).map((m) => ({
      name: m.member.name || podNameOfPeer(context, m.member) || m.member.id,
      id: m.member.id,
      learner: m.member.learner,
      healthy: m.healthy,
      leader: m.leader,
    })),
    failed,
    revisions: {
      ...(observed.currentRevision ? { current: observed.currentRevision } : {}),
      ...(observed.updateRevision ? { update: observed.updateRevision } : {}),
      outdated: observed.settled ? observed.outdated.map((o) => `${set}-${o}`) : [],
    },
  };
}

function podNameOfPeer(context: EtcdRunbookContext, member: EtcdMember): string | undefined {
  const set = context.group.spec.sets[0]!.name;
  return (
    context.observed.set(set).members.find((m) => member.peerURLs.includes(context.peerURLOf(m.name)))
      ?.name ??
    member.peerURLs.map((u) => /^https?:\/\/([^.]+)\./.exec(u)?.[1]).find((n) => n?.startsWith(`${set}-`))
  );
}

/** The engine's `plan`: the next operation, or undefined when converged or blocked (see {@link planEtcdOperation}). */
export function planFor(context: EtcdRunbookContext): PlannedOperation | undefined {
  const decision: EtcdDecision = planEtcdOperation(observationOf(context, context.failedMembers ?? []));
  return decision.type === 'Operation' ? decision.operation : undefined;
}
