/**
 * Leader election: one active replica among many, through a coordination.k8s.io/v1 Lease, with
 * client-go's algorithm (tools/leaderelection) and controller-runtime's metric.
 */
export {
  JITTER_FACTOR,
  LeaderElectionConfigError,
  LeaderElector,
  type LeaderElectorEvents,
  type LeaderElectorOptions,
} from './elector.js';
export {
  LeaseLock,
  formatMicroTime,
  leaseClientFor,
  type LeaderElectionRecord,
  type Lease,
  type LeaseClient,
  type LeaseLockOptions,
  type LeaseSpec,
  type ObservedLock,
  type ResourceLock,
} from './lock.js';
