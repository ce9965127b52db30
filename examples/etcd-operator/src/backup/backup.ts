/**
 * Scheduled backups: when `spec.backup.schedule` is due, one member streams a snapshot (etcd's
 * maintenance API, `etcdctl snapshot save`) to `<claim>/<directory>/<cluster>-<time>.db` (a `.part`
 * file renamed when complete), the oldest beyond `retention` are deleted, and `status.lastBackup`
 * records it. Where the claim is: the operator's `backupRoot` when the claim is mounted into the
 * operator's pod, else the directory of the claim's hostPath/local volume (the local cluster).
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterClient } from '@opkit/statefulset';
import type { EtcdCluster, EtcdClusterStatus } from '../api/index.js';
import { parseCron } from './cron.js';

/** `status.lastBackup`. */
export type BackupRecord = NonNullable<EtcdClusterStatus['lastBackup']>;

/** When the next backup is due: after the last one (or the object's creation), by the schedule. */
export function nextBackupTime(cluster: EtcdCluster): Date | undefined {
  const schedule = cluster.spec.backup?.schedule;
  if (!schedule) return undefined;
  const since = cluster.status?.lastBackup?.time ?? cluster.metadata.creationTimestamp;
  return parseCron(schedule)(since ? new Date(since) : new Date(0));
}

/** Snapshot files of a cluster in a directory, oldest first (names carry a sortable UTC time). */
export async function snapshotFiles(directory: string, clusterName: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${clusterName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{8}T\\d{9}Z\\.db$`);
  return names.filter((n) => pattern.test(n)).sort();
}

/** `<cluster>-<yyyymmddThhmmssmmmZ>.db` (milliseconds: two backups asked for in one second differ). */
export function snapshotName(clusterName: string, at: Date): string {
  return `${clusterName}-${at.toISOString().replace(/[-:.]/g, '')}.db`;
}

/**
 * The local directory of a claim: `<backupRoot>` when the operator has the claim mounted there, else
 * the path of its bound hostPath/local PersistentVolume. Undefined when neither applies.
 */
export async function claimDirectory(
  client: ClusterClient,
  namespace: string,
  claimName: string,
  backupRoot?: string,
): Promise<string | undefined> {
  if (backupRoot) return backupRoot;
  const claim = await client.get({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    namespace,
    name: claimName,
  });
  const volumeName = (claim?.spec as { volumeName?: string } | undefined)?.volumeName;
  if (!volumeName) return undefined;
  const volume = await client.get({ apiVersion: 'v1', kind: 'PersistentVolume', name: volumeName });
  const spec = volume?.spec as { hostPath?: { path?: string }; local?: { path?: string } } | undefined;
  return spec?.hostPath?.path ?? spec?.local?.path;
}

/** Deletes the oldest snapshots beyond `retention`; returns the deleted names. */
export async function pruneSnapshots(
  directory: string,
  clusterName: string,
  retention: number,
): Promise<string[]> {
  const files = await snapshotFiles(directory, clusterName);
  const doomed = files.slice(0, Math.max(0, files.length - retention));
  for (const f of doomed) await rm(path.join(directory, f), { force: true });
  return doomed;
}

/** What a backup needs from the reconcile. */
export interface BackupPorts {
  client: ClusterClient;
  /** Streams a snapshot from a member to `file` (EtcdMembership.snapshot). */
  snapshot(file: string): Promise<{ sizeBytes: number; revision?: string }>;
  backupRoot?: string;
  now(): Date;
}

/**
 * Takes one backup now: the directory of `spec.backup.claimName`, a snapshot, pruning to retention.
 * Never throws: the outcome (success or why not) is the returned record.
 */
export async function takeBackup(cluster: EtcdCluster, ports: BackupPorts): Promise<BackupRecord> {
  const backup = cluster.spec.backup!;
  const at = ports.now();
  const time = at.toISOString();
  const namespace = cluster.metadata.namespace ?? 'default';
  const name = cluster.metadata.name ?? 'etcd';
  const relative = path.posix.join(backup.directory ?? '/', snapshotName(name, at)).replace(/^\//, '');
  try {
    const root = await claimDirectory(ports.client, namespace, backup.claimName, ports.backupRoot);
    if (!root) {
      return {
        time,
        file: relative,
        succeeded: false,
        message: `claim ${backup.claimName} is not bound to a hostPath/local volume; mount it into the operator and pass --backup-dir`,
      };
    }
    const directory = path.join(root, backup.directory ?? '/');
    await mkdir(directory, { recursive: true });
    const result = await ports.snapshot(path.join(root, relative));
    const pruned = await pruneSnapshots(directory, name, backup.retention ?? 7);
    return {
      time,
      file: relative,
      sizeBytes: result.sizeBytes,
      ...(result.revision ? { revision: result.revision } : {}),
      succeeded: true,
      message: pruned.length ? `pruned ${pruned.join(', ')}` : 'snapshot saved',
    };
  } catch (err) {
    return {
      time,
      file: relative,
      succeeded: false,
      message: err instanceof Error ? err.message : String(err),
    };
  }
}
