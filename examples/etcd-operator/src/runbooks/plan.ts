/**
 * The etcd runbooks as data (step, safety check, action, completion check: what README's table and
 * status messages show) and the pure decisions behind them: which operation comes next, who leaves
 * on scale-down, in which order members are upgraded. Facts from etcd Documentation/op-guide/
 * runtime-configuration.md, recovery.md and design-learner.md.
 */
import { assessQuorum, canRemoveVoter } from '../membership/index.js';

/** The operations of the etcd operator. */
export const EtcdOperation = {
  Bootstrap: 'Bootstrap',
  ScaleUp: 'ScaleUp',
  ScaleDown: 'ScaleDown',
  ReplaceMember: 'ReplaceMember',
  RollingUpdate: 'RollingUpdate',
  Backup: 'Backup',
  Restore: 'Restore',
} as const;
export type EtcdOperationKind = (typeof EtcdOperation)[keyof typeof EtcdOperation];

/** One step of a runbook, described. */
export interface EtcdStepPlan {
  name: string;
  precondition: string;
  action: string;
  completion: string;
}

/** One runbook, described. */
export interface EtcdRunbookPlan {
  kind: EtcdOperationKind;
  trigger: string;
  /** Whether the runbook is implemented as code (`etcdRunbooks`) or only planned. */
  implemented: boolean;
  steps: EtcdStepPlan[];
}

const QUORUM = 'a quorum of voters healthy (⌊N/2⌋+1), every voter healthy';

/**
 * The reason the planner gives for refusing a scale-down of a 2-voter cluster (etcd op-guide
 * runtime-configuration.md: never remove a member from a 2-member cluster).
 */
export const UNSAFE_MEMBER_REMOVAL = 'UnsafeMemberRemoval';

/**
 * The runbooks. Bootstrap is "first member alone, then one member at a time" rather than "all initial
 * members at once with state new": every later member joins through the same learner path as a
 * scale-up (one code path, exercised on every cluster), the cluster has a quorum after every step, a
 * member that never starts blocks nothing but its own step, and no `new`-state pod can ever form a
 * second cluster once the seed exists (the ConfigMap flips to `existing`). The price: N−1 membership
 * changes (about a second each) instead of one election.
 */
export const ETCD_RUNBOOKS: readonly EtcdRunbookPlan[] = [
  {
    kind: 'Bootstrap',
    trigger: 'no StatefulSet yet',
    implemented: true,
    steps: [
      {
        name: 'WriteSeedConfig',
        precondition: 'none',
        action:
          'bootstrap ConfigMap: initial-cluster = member 0 alone, state new, a token unique to the object',
        completion: 'the ConfigMap says so',
      },
      {
        name: 'CreateSeed',
        precondition: 'the seed config is written',
        action:
          'apply headless Service (publishNotReadyAddresses), client Service, PDB, StatefulSet with replicas 1',
        completion: 'the StatefulSet exists',
      },
      {
        name: 'WaitSeedHealthy',
        precondition: 'none',
        action: 'none (wait)',
        completion: 'member 0 answers status, is its own leader, member list has exactly it',
      },
      {
        name: 'MarkExisting',
        precondition: 'the seed is healthy',
        action:
          'ConfigMap state := existing (a seed that loses its data must not bootstrap a second cluster)',
        completion: 'the ConfigMap says existing',
      },
    ],
  },
  {
    kind: 'ScaleUp',
    trigger: 'fewer voters than spec.size (one member per operation, ordinal = replicas)',
    implemented: true,
    steps: [
      {
        name: 'ClearStaleClaim',
        precondition: 'none',
        action: 'delete a leftover PVC of a removed member at this ordinal',
        completion: 'no claim, or the replicas already include the member',
      },
      {
        name: 'PreAdd',
        precondition: `${QUORUM}; no learner pending (etcd 3.4 allows one)`,
        action:
          'ConfigMap: initial-cluster = members + new one, state existing; `member add --learner <peerURL>`',
        completion: 'the peer URL is in the member list',
      },
      {
        name: 'AddReplica',
        precondition: QUORUM,
        action: 'StatefulSet replicas + 1',
        completion: 'replicas reached',
      },
      {
        name: 'WaitReady',
        precondition: 'none',
        action: 'none (wait)',
        completion: 'the pod is Ready (its etcd accepts connections)',
      },
      {
        name: 'PostJoin',
        precondition: 'the learner answers status',
        action: '`member promote <id>`, retried while "not in sync with leader"',
        completion: 'the member is a voter',
      },
    ],
  },
  {
    kind: 'ScaleDown',
    trigger: 'more voters than spec.size (highest ordinal first)',
    implemented: true,
    steps: [
      {
        name: 'PreRemove',
        precondition: `${QUORUM}; a quorum remains without the member; never from a 2-voter cluster (planner: blocked, ${UNSAFE_MEMBER_REMOVAL})`,
        action: 'move leadership away if it leads; `member remove <id>`',
        completion: 'the member is not in the member list',
      },
      {
        name: 'WaitLeft',
        precondition: 'none',
        action: 'none (etcd stops a removed member itself)',
        completion: 'not in the member list',
      },
      {
        name: 'RemoveReplica',
        precondition: 'none',
        action: 'StatefulSet replicas − 1',
        completion: 'the pod is gone',
      },
      {
        name: 'ReleaseClaim',
        precondition: 'none',
        action: 'delete its PVC (a removed member’s data never rejoins)',
        completion: 'the claim is gone',
      },
    ],
  },
  {
    kind: 'ReplaceMember',
    trigger:
      'a voter failed for good (its data is lost or it cannot rejoin) while a quorum remains without it',
    implemented: true,
    steps: [
      {
        name: 'RemoveFailedMember',
        precondition: 'a quorum of healthy voters remains after the removal',
        action: '`member remove <id>`',
        completion: 'not in the member list',
      },
      {
        name: 'DeleteMemberData',
        precondition: 'removed',
        action: 'delete the pod and its PVC (never restore one member from a snapshot)',
        completion: 'no pod or claim of the old member remains',
      },
      {
        name: 'AddLearner',
        precondition: `${QUORUM}; no learner pending`,
        action: 'ConfigMap: members + it, state existing; `member add --learner`',
        completion: 'listed',
      },
      {
        name: 'WaitStarted',
        precondition: 'none',
        action: 'none (the StatefulSet recreates the pod with an empty claim)',
        completion: 'the learner answers status',
      },
      {
        name: 'Promote',
        precondition: 'none',
        action: '`member promote`, retried while catching up',
        completion: 'a voter',
      },
    ],
  },
  {
    kind: 'RollingUpdate',
    trigger: 'pods not on the StatefulSet’s update revision (version or template changed; OnDelete strategy)',
    implemented: true,
    steps: [
      {
        name: 'UpdateMembers',
        precondition: `per member: ${QUORUM}`,
        action:
          'followers first (highest ordinal first), the leader last after `move-leader` to an updated follower; delete the pod',
        completion: 'the pod runs the new revision and its member is healthy',
      },
    ],
  },
  {
    kind: 'Backup',
    trigger:
      'spec.backup.schedule is due, or the etcd.opkit.dev/backup-request annotation has a new value (run by the reconciler between operations, not as an engine runbook)',
    implemented: false,
    steps: [
      {
        name: 'Snapshot',
        precondition: 'no operation in progress; a quorum',
        action:
          'stream `snapshot save` from one member to <claim>/<directory>/<cluster>-<UTC time>.db.part, renamed at the end',
        completion: 'the file exists',
      },
      {
        name: 'Prune',
        precondition: 'none',
        action: 'delete the oldest snapshots beyond retention',
        completion: 'at most retention files',
      },
      {
        name: 'Record',
        precondition: 'none',
        action: 'status.lastBackup and an Event',
        completion: 'recorded',
      },
    ],
  },
  {
    kind: 'Restore',
    trigger:
      'a new EtcdCluster with spec.restoreFrom (run as the Bootstrap runbook’s restore flavour); never automatic, never --force-new-cluster',
    implemented: false,
    steps: [
      {
        name: 'WriteSeedConfig',
        precondition: 'none',
        action:
          'ConfigMap: every member in initial-cluster, state new, the new object’s token, restore-from = the snapshot',
        completion: 'written',
      },
      {
        name: 'CreateSeed',
        precondition: 'none',
        action:
          'StatefulSet with replicas = size; each member restores the same snapshot into its empty data dir before exec etcd',
        completion: 'the StatefulSet exists',
      },
      {
        name: 'WaitSeedHealthy',
        precondition: 'none',
        action: 'none (wait)',
        completion: 'every member a healthy voter, one new cluster ID',
      },
      {
        name: 'MarkExisting',
        precondition: 'healthy',
        action: 'ConfigMap state := existing, restore-from removed',
        completion: 'written',
      },
    ],
  },
];

/** What the planner sees of etcd and of the StatefulSet, joined by member (pod) name. */
export interface EtcdObservedMember {
  /** Pod name (= etcd member name); for a learner that has not started, derived from its peer URL. */
  name: string;
  id: string;
  learner: boolean;
  healthy: boolean;
  leader: boolean;
}

/** The input of {@link planEtcdOperation}. */
export interface EtcdObservation {
  /** The StatefulSet's name: pods are `<set>-<ordinal>`. */
  set: string;
  /** spec.size. */
  size: number;
  paused?: boolean;
  /** The StatefulSet's spec.replicas; undefined when it does not exist. */
  replicas: number | undefined;
  /** Whether any member answered (the member list below is etcd's). */
  reachable: boolean;
  members: EtcdObservedMember[];
  /** Members judged failed for good by the caller (e.g. unhealthy past a grace period with an empty data dir). */
  failed?: string[];
  /** The StatefulSet's current and update revisions and the pods not on the update revision. */
  revisions?: { current?: string; update?: string; outdated: string[] };
}

/** What to do next: an operation for the runbook engine, a reason to wait, or nothing. */
export type EtcdDecision =
  | {
      type: 'Operation';
      operation: {
        kind: EtcdOperationKind;
        target: string;
        from?: number | string;
        to?: number | string;
        ordinal?: number;
      };
    }
  | { type: 'Blocked'; reason: string; message: string }
  | { type: 'Converged' };

/** The ordinal of a member named `<set>-<ordinal>`. */
export function ordinalOfMember(set: string, name: string): number | undefined {
  if (!name.startsWith(`${set}-`)) return undefined;
  const rest = name.slice(set.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

/**
 * The next operation, decided on etcd's member list (not the replica count: a crash between
 * `member add` and the replica change must not add a second member). At most one membership change
 * at a time; never acts without a quorum.
 */
export function planEtcdOperation(obs: EtcdObservation): EtcdDecision {
  if (obs.paused) return { type: 'Blocked', reason: 'Paused', message: 'spec.paused is true' };
  const set = obs.set;
  if (obs.replicas === undefined)
    return {
      type: 'Operation',
      operation: { kind: 'Bootstrap', target: set, from: 0, to: obs.size, ordinal: 0 },
    };
  if (!obs.reachable)
    return {
      type: 'Blocked',
      reason: 'NoMemberAnswers',
      message: 'no etcd member answers; waiting (a lost cluster is restored by a human, never forced)',
    };
  const quorum = assessQuorum(obs.members);
  if (!quorum.hasQuorum) {
    return {
      type: 'Blocked',
      reason: 'QuorumLost',
      message: `${quorum.healthyVoters} of ${quorum.voters} voters healthy, ${quorum.quorum} needed; no membership change without a quorum`,
    };
  }
  const voters = obs.members.filter((m) => !m.learner);
  const learner = obs.members.find((m) => m.learner);
  if (learner) {
    // a learner nobody is promoting (its operation was lost): finish it if it is wanted, else remove it
    const ordinal = ordinalOfMember(set, learner.name);
    if (ordinal !== undefined && voters.length < obs.size && ordinal < obs.size) {
      // the scale-up runbook resumes it: PreAdd sees it listed, AddReplica and PostJoin finish the job
      return {
        type: 'Operation',
        operation: {
          kind: 'ScaleUp',
          target: set,
          from: obs.replicas,
          to: Math.max(obs.replicas, ordinal + 1),
          ordinal,
        },
      };
    }
    return {
      type: 'Operation',
      operation: {
        kind: 'ScaleDown',
        target: set,
        from: obs.replicas,
        to: Math.min(obs.replicas, ordinal ?? obs.replicas),
        ordinal: ordinal ?? obs.replicas,
      },
    };
  }
  for (const name of obs.failed ?? []) {
    const failed = obs.members.find((m) => m.name === name);
    const ordinal = ordinalOfMember(set, name);
    if (!failed || failed.learner || ordinal === undefined || failed.healthy) continue;
    if (canRemoveVoter(obs.members, false))
      return { type: 'Operation', operation: { kind: 'ReplaceMember', target: set, ordinal } };
    return {
      type: 'Blocked',
      reason: 'QuorumAtRisk',
      message: `member ${name} failed, but removing it would leave no quorum`,
    };
  }
  const listed = new Set(obs.members.map((m) => ordinalOfMember(set, m.name)));
  if (voters.length < obs.size) {
    // a pod in range whose member is missing (removed behind our back, or its add was lost): replace it
    for (let o = 0; o < Math.min(obs.replicas, obs.size); o++) {
      if (!listed.has(o))
        return { type: 'Operation', operation: { kind: 'ReplaceMember', target: set, ordinal: o } };
    }
    return {
      type: 'Operation',
      operation: {
        kind: 'ScaleUp',
        target: set,
        from: obs.replicas,
        to: obs.replicas + 1,
        ordinal: obs.replicas,
      },
    };
  }
  if (voters.length > obs.size) {
    const victim = scaleDownVictim(set, obs.members);
    if (!victim)
      return { type: 'Blocked', reason: 'NoMemberToRemove', message: 'no member has an ordinal name' };
    if (voters.length === 2) {
      // removing from 2 needs both votes to commit; should the leaving member fail mid-change, the
      // survivor still needs 2 of 2 and never regains quorum. Nothing is started: the cluster stays at 2
      // (a pending version change still rolls).
      if ((obs.revisions?.outdated.length ?? 0) > 0) return rollingUpdate(obs);
      return {
        type: 'Blocked',
        reason: UNSAFE_MEMBER_REMOVAL,
        message:
          `spec.size is ${obs.size} but removing a voter from a 2-member etcd cluster is unsafe (the change needs both ` +
          `members to commit; if the leaving one fails mid-change the survivor cannot reach quorum). The cluster ` +
          `stays at 2 members: set spec.size to 2 (or more), or take a backup and restore it into a new EtcdCluster ` +
          `of size 1 (spec.restoreFrom), then delete this one`,
      };
    }
    if (!voters.every((v) => v.healthy))
      return {
        type: 'Blocked',
        reason: 'MemberUnhealthy',
        message: 'scale-down waits until every voter is healthy',
      };
    const ordinal = ordinalOfMember(set, victim.name)!;
    return {
      type: 'Operation',
      operation: { kind: 'ScaleDown', target: set, from: ordinal + 1, to: ordinal, ordinal },
    };
  }
  if ((obs.revisions?.outdated.length ?? 0) > 0) return rollingUpdate(obs);
  return { type: 'Converged' };
}

function rollingUpdate(obs: EtcdObservation): EtcdDecision {
  return {
    type: 'Operation',
    operation: {
      kind: 'RollingUpdate',
      target: obs.set,
      ...(obs.revisions?.current ? { from: obs.revisions.current } : {}),
      ...(obs.revisions?.update ? { to: obs.revisions.update } : {}),
    },
  };
}

/** The member that leaves on scale-down: the highest ordinal (the StatefulSet removes that pod). */
export function scaleDownVictim<M extends { name: string; learner: boolean }>(
  set: string,
  members: readonly M[],
): M | undefined {
  return [...members]
    .filter((m) => ordinalOfMember(set, m.name) !== undefined)
    .sort((a, b) => (ordinalOfMember(set, b.name) ?? 0) - (ordinalOfMember(set, a.name) ?? 0))[0];
}

/** Upgrade order: followers from the highest ordinal down, the leader last. */
export function upgradeOrder(set: string, outdated: readonly string[], leader: string | undefined): string[] {
  return [...outdated].sort(
    (a, b) =>
      Number(a === leader) - Number(b === leader) ||
      (ordinalOfMember(set, b) ?? 0) - (ordinalOfMember(set, a) ?? 0),
  );
}

/** `--initial-cluster` for a member joining now: the current members (by the member list) plus itself. */
export function initialClusterForJoin(
  current: readonly { name: string; peerURLs: string[] }[],
  joining: { name: string; peerURL: string },
): string {
  const entries = current
    .filter((m) => !m.peerURLs.includes(joining.peerURL))
    .map((m) => ({ name: m.name, peerURL: m.peerURLs[0] ?? '' }))
    .filter((m) => m.name && m.peerURL);
  return [...entries, joining].map((m) => `${m.name}=${m.peerURL}`).join(',');
}
