/**
 * The generic membership runbooks over a member group: ordered scale-up and scale-down, one member
 * per operation, and a health-gated rolling update through the OnDelete strategy. Database specifics
 * come in as hooks (etcd `member add`/`promote`, MongoDB reconfig, Cassandra decommission).
 *
 * Scale-up:   ClearStaleClaim → PreAdd → AddReplica → WaitReady → PostJoin
 * Scale-down: PreRemove → WaitLeft → RemoveReplica → ReleaseClaim
 * Rolling:    UpdateMembers (followers first, leader last, one at a time, each only when all are healthy)
 */
import type { MemberGroup, ObservedClaim, ObservedGroup, ObservedMember } from '../group/index.js';
import type { CheckResult, Operation, PlannedOperation, Runbook, Step, StepContext } from './types.js';

/** What the membership runbooks need per reconcile: the group and its state read this reconcile. */
export interface GroupContext {
  group: MemberGroup;
  observed: ObservedGroup;
}

/** A database-specific action around a membership change. Both functions must be safe to repeat. */
export interface MembershipHook<C extends GroupContext> {
  /** Does the work (e.g. `member add`). */
  action(member: ObservedMember, context: C): Promise<void>;
  /** Whether its effect is visible (e.g. the member is listed); the action never runs again once it is. */
  done(member: ObservedMember, context: C): Promise<boolean> | boolean;
  /** An extra safety check before the action. */
  precondition?(member: ObservedMember, context: C): Promise<CheckResult> | CheckResult;
  timeoutMs?: number;
}

/** Hooks and timings of {@link membershipRunbooks}; every field has a default. */
export interface MembershipOptions<C extends GroupContext> {
  /** Before the StatefulSet grows: announce the new member. */
  preAdd?: MembershipHook<C>;
  /** After the new member is ready: e.g. promote a learner. */
  postJoin?: MembershipHook<C>;
  /** Before the StatefulSet shrinks: ask the member to leave. */
  preRemove?: MembershipHook<C>;
  /** Whether a member that was asked to leave has left (default: at once). */
  hasLeft?(member: ObservedMember, context: C): Promise<boolean> | boolean;
  /** Application health of a member beyond pod readiness (default: ready). */
  healthy?(member: ObservedMember, context: C): Promise<boolean> | boolean;
  /** The pod name of the leader of a set, updated last (default: none, highest ordinal first). */
  leader?(set: string, context: C): Promise<string | undefined> | string | undefined;
  /** Before a member's pod is deleted for an update: e.g. step the primary down. */
  beforeRestart?: MembershipHook<C>;
  /** Safety check of the whole cluster before any membership change or restart (e.g. quorum). */
  clusterHealthy?(context: C): Promise<CheckResult> | CheckResult;
  /** The desired replicas of a set (the custom resource's spec); default: the group spec's. */
  desiredReplicas?(set: string, context: C): number;
  readyTimeoutMs?: number;
  leaveTimeoutMs?: number;
  /** Timeout of one member's update. */
  updateTimeoutMs?: number;
}

/** The runbook kinds. */
export const SCALE_UP = 'ScaleUp';
export const SCALE_DOWN = 'ScaleDown';
export const ROLLING_UPDATE = 'RollingUpdate';

function stsReplicas(ctx: StepContext<GroupContext>): number {
  return ctx.context.observed.set(ctx.operation.target ?? '').replicas;
}

/** The member an operation is about; a stub when the group has no slot for it yet. */
function memberAt(context: GroupContext, set: string, ordinal: number | undefined): ObservedMember {
  const o = ordinal ?? -1;
  const found = context.observed.set(set).members.find((m) => m.ordinal === o);
  if (found) return found;
  const name = `${set}-${o}`;
  return {
    set,
    ordinal: o,
    name,
    fqdn: context.group.identity.fqdn(name),
    inRange: false,
    ready: false,
    terminating: false,
    updated: false,
  };
}

/** The observed claim of the operation's member, in range or orphaned. */
function claimOf<C extends GroupContext>(ctx: StepContext<C>): ObservedClaim | undefined {
  const m = member(ctx);
  if (m.claim) return m.claim;
  const name = ctx.context.group.claimOf(m.set, m.ordinal);
  return ctx.context.observed.set(m.set).orphanedClaims.find((c) => c.name === name);
}

function member<C extends GroupContext>(ctx: StepContext<C>): ObservedMember {
  return memberAt(ctx.context, ctx.operation.target ?? '', ctx.ordinal ?? ctx.operation.ordinal);
}

async function allHealthy<C extends GroupContext>(
  ctx: StepContext<C>,
  opts: MembershipOptions<C>,
): Promise<CheckResult> {
  const set = ctx.context.observed.set(ctx.operation.target ?? '');
  for (const m of set.members.filter((x) => x.inRange)) {
    if (!m.ready) return { ok: false, reason: 'MemberNotReady', message: `member ${m.name} is not ready` };
    if (opts.healthy && !(await opts.healthy(m, ctx.context)))
      return { ok: false, reason: 'MemberUnhealthy', message: `member ${m.name} is not healthy` };
  }
  const cluster = opts.clusterHealthy ? await opts.clusterHealthy(ctx.context) : true;
  return cluster;
}

function hookStep<C extends GroupContext>(
  name: string,
  hook: MembershipHook<C> | undefined,
  extra: Partial<Step<C>> & { safety?: (ctx: StepContext<C>) => Promise<CheckResult> },
): Step<C> {
  return {
    name,
    ...extra,
    timeoutMs: hook?.timeoutMs ?? extra.timeoutMs,
    async precondition(ctx) {
      if (extra.safety) {
        const s = await extra.safety(ctx);
        if (!(typeof s === 'boolean' ? s : s.ok)) return s;
      }
      return hook?.precondition ? hook.precondition(member(ctx), ctx.context) : true;
    },
    applied: hook ? (ctx) => hook.done(member(ctx), ctx.context) : undefined,
    action: hook ? (ctx) => hook.action(member(ctx), ctx.context) : undefined,
    complete: hook ? (ctx) => hook.done(member(ctx), ctx.context) : () => true,
  };
}

/** The scale-up runbook: adds member `op.ordinal` (= old replicas) to set `op.target`. */
export function scaleUpRunbook<C extends GroupContext>(opts: MembershipOptions<C> = {}): Runbook<C> {
  const claimAbsent = (ctx: StepContext<C>): boolean => {
    return !claimOf(ctx);
  };
  return {
    kind: SCALE_UP,
    wanted: (op, context) => desired(opts, op.target ?? '', context) >= Number(op.to),
    steps: [
      {
        name: 'ClearStaleClaim',
        interruptible: true,
        // past AddReplica the claim is the new member's own
        complete: (ctx) => stsReplicas(ctx) >= Number(ctx.operation.to) || claimAbsent(ctx),
        precondition: (ctx) =>
          ctx.context.group.spec.storagePolicy?.staleClaim === 'Block'
            ? {
                ok: false,
                reason: 'StaleVolumeClaim',
                message: `a PVC of a removed member ${member(ctx).name} is in the way; delete it to scale up`,
              }
            : true,
        action: async (ctx) => {
          await ctx.context.group.removeStaleClaim(ctx.operation.target ?? '', ctx.operation.ordinal ?? -1);
        },
      },
      hookStep('PreAdd', opts.preAdd, { interruptible: true, safety: (ctx) => allHealthy(ctx, opts) }),
      {
        name: 'AddReplica',
        precondition: (ctx) => allHealthy(ctx, opts),
        complete: (ctx) => stsReplicas(ctx) >= Number(ctx.operation.to),
        action: (ctx) => ctx.context.group.scale(ctx.operation.target ?? '', Number(ctx.operation.to)),
      },
      {
        name: 'WaitReady',
        timeoutMs: opts.readyTimeoutMs,
        complete: (ctx) => {
          const m = member(ctx);
          return m.ready
            ? true
            : {
                ok: false,
                reason: 'MemberNotReady',
                message: `member ${m.name} is ${m.pod ? (m.phase ?? 'starting') : 'not created yet'}`,
              };
        },
      },
      hookStep('PostJoin', opts.postJoin, {}),
    ],
  };
}

/** The scale-down runbook: removes member `op.ordinal` (the highest) from set `op.target`. */
export function scaleDownRunbook<C extends GroupContext>(opts: MembershipOptions<C> = {}): Runbook<C> {
  return {
    kind: SCALE_DOWN,
    wanted: (op, context) => desired(opts, op.target ?? '', context) <= Number(op.to),
    steps: [
      hookStep('PreRemove', opts.preRemove, { interruptible: true, safety: (ctx) => allHealthy(ctx, opts) }),
      {
        name: 'WaitLeft',
        timeoutMs: opts.leaveTimeoutMs,
        complete: async (ctx) => {
          const m = member(ctx);
          const left = opts.hasLeft ? await opts.hasLeft(m, ctx.context) : true;
          return left
            ? true
            : { ok: false, reason: 'MemberNotLeft', message: `member ${m.name} has not left yet` };
        },
      },
      {
        name: 'RemoveReplica',
        // with a leave hook the member is gone from the cluster by now; without one, remove only from a healthy cluster
        precondition: opts.preRemove ? undefined : (ctx) => allHealthy(ctx, opts),
        applied: (ctx) => stsReplicas(ctx) <= Number(ctx.operation.to),
        complete: (ctx) => {
          const m = member(ctx);
          return stsReplicas(ctx) <= Number(ctx.operation.to) && !m.pod
            ? true
            : { ok: false, reason: 'PodStillPresent', message: `pod ${m.name} is still there` };
        },
        action: (ctx) => ctx.context.group.scale(ctx.operation.target ?? '', Number(ctx.operation.to)),
      },
      {
        name: 'ReleaseClaim',
        complete: (ctx) => {
          const claim = claimOf(ctx);
          const retain = ctx.context.group.spec.storagePolicy?.whenScaled === 'Retain';
          return !claim || (retain && claim.left);
        },
        action: async (ctx) => {
          await ctx.context.group.releaseClaim(ctx.operation.target ?? '', ctx.operation.ordinal ?? -1);
        },
      },
    ],
  };
}

/** The rolling update runbook: restarts outdated members of set `op.target` onto revision `op.to`. */
export function rollingUpdateRunbook<C extends GroupContext>(opts: MembershipOptions<C> = {}): Runbook<C> {
  const healthy = async (m: ObservedMember, context: C): Promise<boolean> =>
    m.ready && (!opts.healthy || (await opts.healthy(m, context)));
  return {
    kind: ROLLING_UPDATE,
    wanted: (op, context) => context.observed.set(op.target ?? '').updateRevision === op.to,
    steps: [
      {
        name: 'UpdateMembers',
        interruptible: true,
        timeoutMs: opts.updateTimeoutMs,
        async members(ctx) {
          const set = ctx.context.observed.set(ctx.operation.target ?? '');
          const leader = await opts.leader?.(set.name, ctx.context);
          // followers from the highest ordinal down (the StatefulSet controller's order), the leader last
          return set.outdated
            .map((o) => memberAt(ctx.context, set.name, o))
            .sort((a, b) => Number(a.name === leader) - Number(b.name === leader) || b.ordinal - a.ordinal)
            .map((m) => m.ordinal);
        },
        precondition: (ctx) => allHealthy(ctx, opts),
        applied: (ctx) => {
          const m = member(ctx);
          return !m.pod || m.terminating || m.updated;
        },
        async action(ctx) {
          const m = member(ctx);
          if (opts.beforeRestart && !(await opts.beforeRestart.done(m, ctx.context)))
            await opts.beforeRestart.action(m, ctx.context);
          await ctx.context.group.deletePod(m.set, m.ordinal, m.podUid);
        },
        async complete(ctx) {
          const m = member(ctx);
          if (m.pod && m.updated && (await healthy(m, ctx.context))) return true;
          return {
            ok: false,
            reason: 'MemberUpdating',
            message: `member ${m.name} is ${m.updated ? 'not healthy yet' : 'not updated yet'}`,
          };
        },
        async unwind(ctx) {
          // the template changed again mid-update: a healthy member is a finished step; a broken pod
          // on a revision that is no longer wanted is deleted once, so it comes back on the reverted
          // template (the "forced rollback" the StatefulSet controller never does by itself)
          const m = member(ctx);
          if (ctx.ordinal === undefined || !m.pod) return ctx.ordinal === undefined;
          if (m.terminating) return false;
          if (m.updated || (await healthy(m, ctx.context))) return true;
          await ctx.context.group.deletePod(m.set, m.ordinal, m.podUid);
          return false;
        },
      },
    ],
  };
}

function desired<C extends GroupContext>(opts: MembershipOptions<C>, set: string, context: C): number {
  return opts.desiredReplicas ? opts.desiredReplicas(set, context) : context.group.identity.set(set).replicas;
}

/** The three membership runbooks with the same hooks. */
export function membershipRunbooks<C extends GroupContext>(opts: MembershipOptions<C> = {}): Runbook<C>[] {
  return [scaleUpRunbook(opts), scaleDownRunbook(opts), rollingUpdateRunbook(opts)];
}

/**
 * The next membership operation for a group: per set in order, one member up or down toward the
 * desired replicas, else a rolling update of outdated members (OnDelete sets). Undefined when
 * converged or a StatefulSet does not exist yet (bootstrap is the operator's own first apply).
 */
export function planMembershipChange<C extends GroupContext>(
  context: C,
  opts: Pick<MembershipOptions<C>, 'desiredReplicas'> = {},
): PlannedOperation | undefined {
  for (const setSpec of context.group.spec.sets) {
    const set = context.observed.set(setSpec.name);
    if (!set.statefulSet) continue;
    const want = desired(opts, setSpec.name, context);
    if (want > set.replicas)
      return {
        kind: SCALE_UP,
        target: set.name,
        from: set.replicas,
        to: set.replicas + 1,
        ordinal: set.replicas,
      };
    if (want < set.replicas)
      return {
        kind: SCALE_DOWN,
        target: set.name,
        from: set.replicas,
        to: set.replicas - 1,
        ordinal: set.replicas - 1,
      };
  }
  for (const setSpec of context.group.spec.sets) {
    const set = context.observed.set(setSpec.name);
    if (!set.statefulSet || !set.settled || !set.updateRevision) continue;
    if ((setSpec.updateStrategy ?? 'OnDelete') === 'OnDelete' && set.outdated.length > 0) {
      return { kind: ROLLING_UPDATE, target: set.name, from: set.currentRevision, to: set.updateRevision };
    }
  }
  return undefined;
}

/** Whether `op` is a membership change (at most one is ever in flight per resource). */
export function isMembershipChange(op: Pick<Operation, 'kind'>): boolean {
  return op.kind === SCALE_UP || op.kind === SCALE_DOWN;
}
