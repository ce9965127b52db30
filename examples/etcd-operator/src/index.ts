/**
 * The etcd example operator: the `EtcdCluster` API, etcd membership over gRPC, the runbooks of every
 * membership change, and the Kubernetes objects that run the members.
 */
export * from './api/index.js';
export * from './membership/index.js';
export * from './manifests/index.js';
export * from './runbooks/index.js';
export * from './controllers/index.js';
export * from './backup/index.js';
export * from './local-etcd/index.js';
export { LEADER_ELECTION_ID, runEtcdOperator, type RunEtcdOperatorOptions } from './operator.js';
