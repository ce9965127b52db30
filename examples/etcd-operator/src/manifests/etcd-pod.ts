/**
 * What runs an EtcdCluster on Kubernetes: one StatefulSet (Parallel pod management, OnDelete updates,
 * a PVC per member), a headless Service that publishes not-ready addresses, a client Service, a
 * PodDisruptionBudget, and the bootstrap ConfigMap that tells a member with an empty data directory
 * which cluster to join and whether it is `new` or `existing`.
 *
 * Why a ConfigMap and not per-pod flags: every pod of a StatefulSet has the same template, but
 * `--initial-cluster` and `--initial-cluster-state` differ between the seed (`new`, itself alone) and a
 * member added later (`existing`, the members at the time of its `member add`). etcd reads these
 * flags only when its data directory is empty (etcd Documentation/op-guide/configuration.md:
 * "ignored on restart"), so one value in the ConfigMap, rewritten by the runbook right before each
 * `member add`, is right for the one pod that reads it: the new member. Existing members ignore it.
 */
import type { MemberGroupSpec, MemberSetSpec, KubeObject } from '@opkit/statefulset';
import { etcdImage, type EtcdCluster } from '../api/index.js';

/** etcd's client port. */
export const CLIENT_PORT = 2379;
/** etcd's peer port. */
export const PEER_PORT = 2380;
/** Where each member's PVC is mounted; etcd's data directory is a subdirectory (a fresh volume may hold lost+found). */
export const DATA_MOUNT = '/var/lib/etcd';
export const DATA_DIR = `${DATA_MOUNT}/data`;
/** Where the bootstrap ConfigMap is mounted (for humans and `kubectl exec`; etcd reads it through env). */
export const BOOTSTRAP_MOUNT = '/etc/etcd-operator';
/** ConfigMap keys. */
export const INITIAL_CLUSTER_KEY = 'initial-cluster';
export const INITIAL_CLUSTER_STATE_KEY = 'initial-cluster-state';
export const INITIAL_CLUSTER_TOKEN_KEY = 'initial-cluster-token';
/** The snapshot (inside the restore claim) a member with an empty data directory restores; empty after the restore. */
export const RESTORE_FROM_KEY = 'restore-from';
/** Where the restore claim is mounted (read-only) in a restored cluster's members. */
export const RESTORE_MOUNT = '/var/lib/etcd-restore';
const PEER_TLS_MOUNT = '/etc/etcd/tls/peer';
const CLIENT_TLS_MOUNT = '/etc/etcd/tls/client';

/** What a member with an empty data directory bootstraps from. */
export interface BootstrapConfig {
  /** `name=peerURL,...`: the members it joins, itself included. */
  initialCluster: string;
  state: 'new' | 'existing';
  /** Distinguishes this cluster from others (and a restored cluster from its original). */
  token: string;
  /** The snapshot every member restores before its first start (a restore's bootstrap only). */
  restoreFrom?: string;
}

/** Names derived from an EtcdCluster's name. */
export interface EtcdNames {
  /** The StatefulSet, the headless Service and the pods' prefix: `<cluster>`. */
  statefulSet: string;
  headlessService: string;
  clientService: string;
  configMap: string;
}

export function etcdNames(cluster: Pick<EtcdCluster, 'metadata'>): EtcdNames {
  const name = cluster.metadata.name ?? '';
  return {
    statefulSet: name,
    headlessService: name,
    clientService: `${name}-client`,
    configMap: `${name}-bootstrap`,
  };
}

/** Options of the builders; every field has a default. */
export interface EtcdPodOptions {
  /** Default cluster.local. */
  clusterDomain?: string;
}

/** The DNS name of a member: `<pod>.<headless svc>.<ns>.svc.<domain>`. */
export function memberHost(
  cluster: Pick<EtcdCluster, 'metadata'>,
  podName: string,
  opts: EtcdPodOptions = {},
): string {
  return `${podName}.${etcdNames(cluster).headlessService}.${cluster.metadata.namespace ?? 'default'}.svc.${opts.clusterDomain ?? 'cluster.local'}`;
}

/** The peer URL a member advertises (and is `member add`ed with). */
export function memberPeerURL(
  cluster: Pick<EtcdCluster, 'metadata' | 'spec'>,
  podName: string,
  opts: EtcdPodOptions = {},
): string {
  return `${cluster.spec.tls?.peer ? 'https' : 'http'}://${memberHost(cluster, podName, opts)}:${PEER_PORT}`;
}

/** The client URL a member advertises. */
export function memberClientURL(
  cluster: Pick<EtcdCluster, 'metadata' | 'spec'>,
  podName: string,
  opts: EtcdPodOptions = {},
): string {
  return `${cluster.spec.tls?.client ? 'https' : 'http'}://${memberHost(cluster, podName, opts)}:${CLIENT_PORT}`;
}

/** `name=peerURL,...` in the order given. */
export function initialClusterOf(members: readonly { name: string; peerURL: string }[]): string {
  return members.map((m) => `${m.name}=${m.peerURL}`).join(',');
}

/** The token of a cluster's first bootstrap: unique per object (uid), so two clusters never cross-join. */
export function bootstrapToken(cluster: Pick<EtcdCluster, 'metadata'>): string {
  return `${cluster.metadata.name ?? 'etcd'}-${(cluster.metadata.uid ?? 'local').slice(0, 8)}`;
}

/**
 * The etcd command line of every member. `$(POD_NAME)` and `$(INITIAL_CLUSTER…)` are expanded by the
 * kubelet from the pod's env; `0.0.0.0` listens on every address of the pod.
 */
export function etcdArgs(
  cluster: Pick<EtcdCluster, 'metadata' | 'spec'>,
  opts: EtcdPodOptions = {},
): string[] {
  const peerScheme = cluster.spec.tls?.peer ? 'https' : 'http';
  const clientScheme = cluster.spec.tls?.client ? 'https' : 'http';
  const host = memberHost(cluster, '$(POD_NAME)', opts);
  const args = [
    '--name=$(POD_NAME)',
    `--data-dir=${DATA_DIR}`,
    `--listen-peer-urls=${peerScheme}://0.0.0.0:${PEER_PORT}`,
    `--listen-client-urls=${clientScheme}://0.0.0.0:${CLIENT_PORT}`,
    `--advertise-client-urls=${clientScheme}://${host}:${CLIENT_PORT}`,
    `--initial-advertise-peer-urls=${peerScheme}://${host}:${PEER_PORT}`,
    '--initial-cluster=$(INITIAL_CLUSTER)',
    '--initial-cluster-state=$(INITIAL_CLUSTER_STATE)',
    '--initial-cluster-token=$(INITIAL_CLUSTER_TOKEN)',
    // a member removed from the cluster must not come back by itself with stale data
    '--strict-reconfig-check=true',
  ];
  if (cluster.spec.tls?.peer) {
    args.push(
      `--peer-cert-file=${PEER_TLS_MOUNT}/tls.crt`,
      `--peer-key-file=${PEER_TLS_MOUNT}/tls.key`,
      `--peer-trusted-ca-file=${PEER_TLS_MOUNT}/ca.crt`,
      '--peer-client-cert-auth=true',
    );
  }
  if (cluster.spec.tls?.client) {
    args.push(
      `--cert-file=${CLIENT_TLS_MOUNT}/tls.crt`,
      `--key-file=${CLIENT_TLS_MOUNT}/tls.key`,
      `--trusted-ca-file=${CLIENT_TLS_MOUNT}/ca.crt`,
      '--client-cert-auth=true',
    );
  }
  return args;
}

/**
 * The entry point of a restored cluster's members: a member whose data directory does not exist yet
 * and whose ConfigMap names a snapshot restores it (`etcdctl snapshot restore`, with this member's
 * name and peer URL, the whole initial cluster and the new token: etcd Documentation/op-guide/
 * recovery.md), then execs etcd with its usual arguments. A restart finds the data directory and
 * skips the restore; members added later find `restore-from` empty and join as learners.
 */
export function restoreScript(cluster: EtcdCluster, opts: EtcdPodOptions = {}): string {
  const peer = `${cluster.spec.tls?.peer ? 'https' : 'http'}://${memberHost(cluster, '$POD_NAME', opts)}:${PEER_PORT}`;
  return [
    'set -e',
    `if [ -n "$RESTORE_FROM" ] && [ ! -d ${DATA_DIR} ]; then`,
    `  ETCDCTL_API=3 etcdctl snapshot restore "${RESTORE_MOUNT}/$RESTORE_FROM" --name "$POD_NAME" --data-dir ${DATA_DIR} --initial-cluster "$INITIAL_CLUSTER" --initial-cluster-token "$INITIAL_CLUSTER_TOKEN" --initial-advertise-peer-urls "${peer}"`,
    'fi',
    'exec etcd "$@"',
  ].join('\n');
}

/**
 * The member group of an EtcdCluster for @opkit/statefulset's `MemberGroup`: one set, `size` members.
 * The bootstrap ConfigMap's content is the runbook's to write (`bootstrap`).
 */
export function etcdGroupSpec(
  cluster: EtcdCluster,
  bootstrap: BootstrapConfig,
  opts: EtcdPodOptions = {},
): MemberGroupSpec {
  const names = etcdNames(cluster);
  const fromConfigMap = (name: string, key: string) => ({
    name,
    valueFrom: { configMapKeyRef: { name: names.configMap, key } },
  });
  const volumes: Record<string, unknown>[] = [];
  const volumeMounts: Record<string, unknown>[] = [];
  for (const [kind, mountPath] of [
    ['peer', PEER_TLS_MOUNT],
    ['client', CLIENT_TLS_MOUNT],
  ] as const) {
    const ref = cluster.spec.tls?.[kind];
    if (!ref) continue;
    volumes.push({ name: `tls-${kind}`, secret: { secretName: ref.secretName } });
    volumeMounts.push({ name: `tls-${kind}`, mountPath, readOnly: true });
  }
  const restore = cluster.spec.restoreFrom;
  if (restore) {
    volumes.push({
      name: 'restore',
      persistentVolumeClaim: { claimName: restore.claimName, readOnly: true },
    });
    volumeMounts.push({ name: 'restore', mountPath: RESTORE_MOUNT, readOnly: true });
  }
  const set: MemberSetSpec = {
    name: names.statefulSet,
    replicas: cluster.spec.size ?? 3,
    image: etcdImage(cluster.spec),
    ...(restore
      ? { command: ['/bin/sh', '-c', restoreScript(cluster, opts), 'etcd'] }
      : { command: ['/usr/local/bin/etcd'] }),
    args: etcdArgs(cluster, opts),
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      fromConfigMap('INITIAL_CLUSTER', INITIAL_CLUSTER_KEY),
      fromConfigMap('INITIAL_CLUSTER_STATE', INITIAL_CLUSTER_STATE_KEY),
      fromConfigMap('INITIAL_CLUSTER_TOKEN', INITIAL_CLUSTER_TOKEN_KEY),
      ...(restore
        ? [
            {
              name: 'RESTORE_FROM',
              valueFrom: {
                configMapKeyRef: { name: names.configMap, key: RESTORE_FROM_KEY, optional: true },
              },
            },
          ]
        : []),
    ],
    storage: {
      size: String(cluster.spec.storage?.size ?? '1Gi'),
      ...(cluster.spec.storage?.className ? { storageClassName: cluster.spec.storage.className } : {}),
      mountPath: DATA_MOUNT,
    },
    ...(cluster.spec.resources ? { resources: cluster.spec.resources as Record<string, unknown> } : {}),
    // A learner fails etcd's /health (it serves no linearizable reads), and a member must be Ready
    // before it is promoted: readiness is "the process accepts connections"; the operator judges
    // etcd health itself (endpoint status) before every membership change.
    readinessProbe: { tcpSocket: { port: CLIENT_PORT }, periodSeconds: 5 },
    podManagementPolicy: 'Parallel',
    updateStrategy: 'OnDelete',
    terminationGracePeriodSeconds: 30,
    ...(volumes.length ? { volumes, volumeMounts } : {}),
  };
  return {
    name: names.statefulSet,
    namespace: cluster.metadata.namespace ?? 'default',
    owner: cluster as KubeObject,
    serviceName: names.headlessService,
    clusterDomain: opts.clusterDomain ?? 'cluster.local',
    labels: { 'app.kubernetes.io/name': 'etcd' },
    sets: [set],
    ports: [
      { name: 'client', containerPort: CLIENT_PORT },
      { name: 'peer', containerPort: PEER_PORT, peerOnly: true },
    ],
    clientService: { name: names.clientService },
    podDisruptionBudget: { maxUnavailable: 1 },
    configMap: {
      name: names.configMap,
      mountPath: BOOTSTRAP_MOUNT,
      data: {
        [INITIAL_CLUSTER_KEY]: bootstrap.initialCluster,
        [INITIAL_CLUSTER_STATE_KEY]: bootstrap.state,
        [INITIAL_CLUSTER_TOKEN_KEY]: bootstrap.token,
        ...(bootstrap.restoreFrom ? { [RESTORE_FROM_KEY]: bootstrap.restoreFrom } : {}),
      },
    },
    // a removed member's data must never rejoin: delete its claim after it has left
    storagePolicy: { whenScaled: 'Delete', whenDeleted: 'Retain', staleClaim: 'Delete' },
    fieldManager: 'etcd-operator',
  };
}
