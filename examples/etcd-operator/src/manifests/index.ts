/**
 * The Kubernetes objects of an EtcdCluster: the etcd command line, the member group spec for
 * @opkit/statefulset (StatefulSet, headless and client Services, PDB, bootstrap ConfigMap).
 */
export {
  BOOTSTRAP_MOUNT,
  CLIENT_PORT,
  DATA_DIR,
  DATA_MOUNT,
  INITIAL_CLUSTER_KEY,
  INITIAL_CLUSTER_STATE_KEY,
  INITIAL_CLUSTER_TOKEN_KEY,
  PEER_PORT,
  RESTORE_FROM_KEY,
  RESTORE_MOUNT,
  restoreScript,
  bootstrapToken,
  etcdArgs,
  etcdGroupSpec,
  etcdNames,
  initialClusterOf,
  memberClientURL,
  memberHost,
  memberPeerURL,
  type BootstrapConfig,
  type EtcdNames,
  type EtcdPodOptions,
} from './etcd-pod.js';
