/**
 * Backups of an EtcdCluster: the cron schedule, snapshots into a claim's directory with retention,
 * and what restoring needs (the snapshot files of a cluster).
 */
export { parseCron } from './cron.js';
export {
  claimDirectory,
  nextBackupTime,
  pruneSnapshots,
  snapshotFiles,
  snapshotName,
  takeBackup,
  type BackupPorts,
  type BackupRecord,
} from './backup.js';
