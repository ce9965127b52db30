/**
 * etcd membership for the operator: {@link EtcdMembership} over etcd's gRPC API (member list / add as
 * learner / promote / remove, endpoint status, health, move-leader, snapshot) and quorum arithmetic.
 */
export {
  EtcdMembership,
  EtcdMembershipError,
  type ClusterHealth,
  type EndpointStatus,
  type EtcdClientTLS,
  type EtcdMember,
  type EtcdMembershipChange,
  type EtcdMembershipOptions,
  type MemberHealth,
  type RetryOptions,
} from './etcd-membership.js';
export {
  assessQuorum,
  canRemoveVoter,
  faultTolerance,
  quorumSize,
  type QuorumAssessment,
  type QuorumMember,
} from './quorum.js';
