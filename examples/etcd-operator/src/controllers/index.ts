/** The EtcdCluster controller: the reconciler and what it may touch (RBAC for `opkit generate rbac`). */
export { EtcdClusterReconciler, statusOf, type EtcdClusterReconcilerOptions } from './etcd-cluster-reconciler.js';
export { rbac, type EtcdControllerRbac } from './rbac.js';
