/**
 * The compact description of a member group: the StatefulSets one custom resource owns (one per
 * rack, arbiters apart) under one identity scheme, and the Services, PodDisruptionBudget and
 * ConfigMap around them.
 */
import type { KubeObject } from '../client/index.js';

/** core/v1 EnvVar (kept open: valueFrom etc. pass through). */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

/** A named container port; the Services expose every port of the group. */
export interface MemberPort {
  name: string;
  containerPort: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** Leave this port out of the client Service (e.g. a peer port). Default false. */
  peerOnly?: boolean;
}

/** The volume each member gets from the StatefulSet's volumeClaimTemplates. */
export interface MemberStorage {
  /** e.g. `1Gi`. */
  size: string;
  /** Default: the cluster's default StorageClass. */
  storageClassName?: string;
  /** Where the main container mounts it. */
  mountPath: string;
  /** The claim template's name (PVC `<name>-<set>-<ordinal>`). Default `data`. */
  name?: string;
}

/**
 * What happens to a member's PVC. The claim is only touched after the runbook recorded that the
 * member has left, never on the StatefulSet's own initiative, which is why the StatefulSet keeps
 * `persistentVolumeClaimRetentionPolicy: Retain/Retain`.
 */
export interface StoragePolicy {
  /** After a member left on scale-down: `Delete` its PVC or `Retain` it marked as stale. Default `Delete`. */
  whenScaled?: 'Retain' | 'Delete';
  /** When the custom resource is deleted: `Delete` the PVCs with it (owner reference) or `Retain`. Default `Retain`. */
  whenDeleted?: 'Retain' | 'Delete';
  /**
   * A leftover PVC found for an ordinal about to be added carries a removed member's data: `Delete`
   * it before scaling up (default) or `Block` the scale-up with a Degraded condition.
   */
  staleClaim?: 'Delete' | 'Block';
}

/** One StatefulSet of the group. */
export interface MemberSetSpec {
  /** The StatefulSet's name (pods `<name>-<ordinal>`). */
  name: string;
  /** Rack (or zone) of this set's members; used for seed selection and labels. */
  rack?: string;
  /** Role of the members, e.g. `arbiter` (a label; default `member`). */
  role?: string;
  replicas: number;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  /** Default: the group's ports. */
  ports?: MemberPort[];
  storage?: MemberStorage;
  /** core/v1 ResourceRequirements. */
  resources?: Record<string, unknown>;
  /** Default `Parallel`: members must reach each other before any of them is ready. */
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** Default `OnDelete`: the runbook decides when each member restarts. */
  updateStrategy?: 'RollingUpdate' | 'OnDelete';
  /** Extra labels for this set's pods. */
  labels?: Record<string, string>;
  /** Extra annotations for this set's pod template. */
  podAnnotations?: Record<string, string>;
  /** core/v1 Probe objects. */
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  /** core/v1 Container objects added beside the main one (sidecars). */
  extraContainers?: Record<string, unknown>[];
  /** Extra core/v1 Volumes for the pod (the ConfigMap volume is added by the group). */
  volumes?: Record<string, unknown>[];
  /** Extra volumeMounts for the main container. */
  volumeMounts?: Record<string, unknown>[];
  terminationGracePeriodSeconds?: number;
}

/** The whole group. */
export interface MemberGroupSpec {
  /** Base name: headless Service `<name>` (unless `serviceName`), client Service `<name>-client`. */
  name: string;
  namespace: string;
  /** The custom resource that owns every object of the group. */
  owner: KubeObject;
  sets: MemberSetSpec[];
  /** Ports of the group's members (each set may override). */
  ports: MemberPort[];
  /** The headless Service's name. Default `name`. */
  serviceName?: string;
  /** Default `cluster.local`. */
  clusterDomain?: string;
  /** Labels on every object and pod of the group. */
  labels?: Record<string, string>;
  /** The client Service, or false for none. Default: a ClusterIP Service `<name>-client`. */
  clientService?: { name?: string; type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' } | false;
  /** The PodDisruptionBudget, or false for none. Default `{ maxUnavailable: 1 }`. */
  podDisruptionBudget?: { maxUnavailable?: number; minAvailable?: number } | false;
  /** A ConfigMap `<name>-config` (or `name`) mounted at `mountPath` in every main container. */
  configMap?: { name?: string; data: Record<string, string>; mountPath?: string };
  storagePolicy?: StoragePolicy;
  /** The server-side apply field manager. Default `opkit-statefulset`. */
  fieldManager?: string;
}

/** Labels the group puts on its objects. */
export const GROUP_LABEL = 'app.kubernetes.io/instance';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const SET_LABEL = 'opkit.dev/member-set';
export const RACK_LABEL = 'opkit.dev/rack';
export const ROLE_LABEL = 'opkit.dev/role';
/** Set on a retained PVC of a member that has left: its data must never rejoin. */
export const MEMBER_LEFT_ANNOTATION = 'opkit.dev/member-left';
/** The StatefulSet controller's labels on pods (k8s.io/api/apps/v1 types.go). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';
