/**
 * Quorum arithmetic of a Raft cluster: only voters count, learners never do
 * (etcd Documentation/learning/design-learner.md; raft's quorum is a majority of voters).
 */

/** Voters that must agree: ⌊N/2⌋+1 of N voters. */
export function quorumSize(voters: number): number {
  return voters <= 0 ? 0 : Math.floor(voters / 2) + 1;
}

/** How many voters may fail while a quorum remains: N − (⌊N/2⌋+1). */
export function faultTolerance(voters: number): number {
  return Math.max(0, voters - quorumSize(voters));
}

/** What a member contributes to quorum. */
export interface QuorumMember {
  learner: boolean;
  healthy: boolean;
}

/** The quorum position of a cluster. */
export interface QuorumAssessment {
  voters: number;
  learners: number;
  healthyVoters: number;
  /** ⌊voters/2⌋+1. */
  quorum: number;
  /** healthyVoters ≥ quorum. */
  hasQuorum: boolean;
  /** How many more healthy voters may fail before quorum is lost (0 when it is at risk, negative when lost). */
  spare: number;
  /** Losing one more voter would lose quorum (or it is already lost). */
  atRisk: boolean;
}

/** Counts voters and healthy voters; see {@link QuorumAssessment}. */
export function assessQuorum(members: readonly QuorumMember[]): QuorumAssessment {
  const voters = members.filter((m) => !m.learner);
  const healthyVoters = voters.filter((m) => m.healthy).length;
  const quorum = quorumSize(voters.length);
  const spare = healthyVoters - quorum;
  return {
    voters: voters.length,
    learners: members.length - voters.length,
    healthyVoters,
    quorum,
    hasQuorum: voters.length > 0 && spare >= 0,
    spare,
    atRisk: spare <= 0,
  };
}

/**
 * Whether removing one voter keeps a quorum of healthy voters among those left. A healthy member's
 * removal costs a healthy vote; an unhealthy one's lowers the quorum without costing one (that is
 * why replacing a failed member starts with removing it).
 *
 * Never from 2 voters (etcd op-guide runtime-configuration.md: "never remove from a 2-member
 * cluster"): the removal itself needs both votes to commit, and if the leaving member fails while the
 * change is in flight the survivor still counts it, needs 2 of 2 and cannot reach quorum again.
 */
export function canRemoveVoter(members: readonly QuorumMember[], removedHealthy: boolean): boolean {
  const a = assessQuorum(members);
  if (a.voters <= 2) return false;
  const after = assessQuorum([
    ...Array.from({ length: a.voters - 1 }, (_, i) => ({
      learner: false,
      healthy: i < a.healthyVoters - (removedHealthy ? 1 : 0),
    })),
  ]);
  return after.hasQuorum;
}
