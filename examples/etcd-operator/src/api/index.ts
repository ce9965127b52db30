/** The etcd operator's API: the `EtcdCluster` custom resource and its condition types. */
export {
  BACKUP_REQUEST_ANNOTATION,
  ConditionType,
  DEFAULT_ETCD_REPOSITORY,
  DEFAULT_ETCD_VERSION,
  ETCD_GROUP,
  EtcdClusterKind,
  etcdImage,
  evenSizeWarning,
  invalidSpecReason,
  type EtcdCluster,
  type EtcdClusterSpec,
  type EtcdClusterStatus,
  type EtcdCondition,
  type EtcdMemberStatus,
} from './etcd-cluster.js';
