/** The EtcdCluster controller: the reconciler, its manager wiring, and what it may touch (RBAC for `opkit generate rbac`). */
export {
  EtcdClusterReconciler,
  statusOf,
  type EtcdClusterReconcilerOptions,
} from './etcd-cluster-reconciler.js';
export {
  EtcdClusterController,
  EtcdOperatorSettingsToken,
  etcdClusterController,
  etcdClusterOf,
  type EtcdOperatorSettings,
} from './etcd-cluster-controller.js';
export { rbac, type EtcdControllerRbac } from './rbac.js';
