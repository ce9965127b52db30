/**
 * What running etcd members on opkit's local cluster needs from this machine (etcd, etcdctl and
 * libnss_wrapper), checked — and installed when possible — before the operator starts.
 */
export {
  ETCD_INSTALL_COMMAND,
  ETCD_PACKAGES,
  ensureEtcdBinaries,
  findOnPath,
  missingEtcdBinaries,
  missingEtcdMessage,
  targetsLocalCluster,
  type CommandRunner,
  type EnsureEtcdBinariesOptions,
} from './etcd-binaries.js';
