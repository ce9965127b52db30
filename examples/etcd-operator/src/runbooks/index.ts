/**
 * The etcd runbooks: described as data with the pure decisions behind them (`plan`), and as code for
 * @opkit/statefulset's RunbookEngine (`etcdRunbooks`, `planFor`).
 */
export {
  ETCD_RUNBOOKS,
  EtcdOperation,
  initialClusterForJoin,
  ordinalOfMember,
  planEtcdOperation,
  scaleDownVictim,
  UNSAFE_MEMBER_REMOVAL,
  upgradeOrder,
  type EtcdDecision,
  type EtcdObservation,
  type EtcdObservedMember,
  type EtcdOperationKind,
  type EtcdRunbookPlan,
  type EtcdStepPlan,
} from './plan.js';
export {
  bootstrapRunbook,
  clusterHealthy,
  etcdMembershipOptions,
  etcdRunbooks,
  observationOf,
  planFor,
  replaceMemberRunbook,
  type EtcdMembershipPort,
  type EtcdRunbookContext,
} from './runbooks.js';
