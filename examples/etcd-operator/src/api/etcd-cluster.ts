/**
 * The `EtcdCluster` custom resource (etcd.opkit.dev/v1alpha1): what the user asks for in `.spec`,
 * and what the operator observed and is doing in `.status`.
 */
import {
  Type,
  atomicMap,
  defineCustomResource,
  intOrString,
  listMap,
  withValidations,
  type CustomResource,
  type CustomResourceSpec,
  type CustomResourceStatus,
} from '@opkit/core';

/** The API group of the etcd operator's resources. */
export const ETCD_GROUP = 'etcd.opkit.dev';

/** The etcd image repository the operator runs by default (3.4 images run as real processes on the local cluster). */
export const DEFAULT_ETCD_REPOSITORY = 'quay.io/coreos/etcd';
/** The etcd version of a new cluster when `.spec.version` is not given. */
export const DEFAULT_ETCD_VERSION = '3.4.34';

const quantity = intOrString({ description: 'A resource quantity, e.g. 1Gi or 500m.' });

const secretRef = Type.Object(
  {
    secretName: Type.String({
      minLength: 1,
      description: 'A kubernetes.io/tls Secret with ca.crt, tls.crt and tls.key.',
    }),
  },
  { description: 'Certificates from a Secret in the cluster’s namespace.' },
);

const spec = Type.Object({
  size: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 9,
      default: 3,
      description:
        'Number of voting members. Odd sizes are recommended: an even size tolerates no more failures than the odd size below it.',
    }),
  ),
  version: Type.Optional(
    Type.String({
      pattern: '^3\\.[0-9]+\\.[0-9]+$',
      default: DEFAULT_ETCD_VERSION,
      description: 'etcd version, e.g. 3.4.34.',
    }),
  ),
  repository: Type.Optional(
    Type.String({
      minLength: 1,
      description: `Image repository (default ${DEFAULT_ETCD_REPOSITORY}); the image is <repository>:v<version>.`,
    }),
  ),
  storage: Type.Optional(
    withValidations(
      Type.Object(
        {
          size: Type.Optional(
            intOrString({ default: '1Gi', description: 'Size of each member’s PersistentVolumeClaim.' }),
          ),
          className: Type.Optional(
            Type.String({
              description: 'StorageClass of the claims; default: the cluster’s default class. Immutable.',
            }),
          ),
        },
        { default: {}, description: 'Each member’s data volume.' },
      ),
      // A transition rule: the claims of running members cannot change class, so neither may the spec.
      [
        {
          rule: 'has(self.className) == has(oldSelf.className) && (!has(self.className) || self.className == oldSelf.className)',
          message: 'storage.className is immutable',
          reason: 'FieldValueForbidden',
        },
      ],
    ),
  ),
  resources: Type.Optional(
    Type.Object(
      {
        requests: Type.Optional(atomicMap(quantity)),
        limits: Type.Optional(atomicMap(quantity)),
      },
      { description: 'CPU and memory of the etcd container (core/v1 ResourceRequirements).' },
    ),
  ),
  tls: Type.Optional(
    Type.Object(
      {
        peer: Type.Optional(secretRef),
        client: Type.Optional(secretRef),
      },
      { description: 'TLS between members (peer) and for clients (client); plain HTTP when absent.' },
    ),
  ),
  backup: Type.Optional(
    Type.Object(
      {
        schedule: Type.String({
          minLength: 9,
          description: 'Cron schedule of snapshots, e.g. "0 */6 * * *".',
        }),
        retention: Type.Optional(
          Type.Integer({ minimum: 1, default: 7, description: 'How many snapshots to keep.' }),
        ),
        claimName: Type.String({
          minLength: 1,
          description: 'PersistentVolumeClaim the snapshots are written to.',
        }),
        directory: Type.Optional(
          Type.String({ default: '/', pattern: '^/', description: 'Directory inside that claim.' }),
        ),
      },
      { description: 'Scheduled snapshots (etcd’s own snapshot API) to a PersistentVolumeClaim.' },
    ),
  ),
  restoreFrom: Type.Optional(
    Type.Object(
      {
        claimName: Type.String({
          minLength: 1,
          description:
            'PersistentVolumeClaim holding the snapshot (the backup claim of the original cluster).',
        }),
        file: Type.String({
          minLength: 1,
          pattern: '^[^/]',
          description: 'The snapshot inside that claim, as the original’s status.lastBackup.file names it.',
        }),
      },
      {
        description:
          'Bootstrap this new cluster from a snapshot: every member restores the same snapshot, with a new cluster token. Read only when the cluster is created.',
      },
    ),
  ),
  paused: Type.Optional(
    Type.Boolean({ default: false, description: 'Stop acting on this cluster (status is still observed).' }),
  ),
});

const condition = Type.Object({
  type: Type.String(),
  status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')]),
  reason: Type.String(),
  message: Type.String(),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  observedGeneration: Type.Optional(Type.Integer()),
});

const member = Type.Object({
  name: Type.String({ description: 'Pod name (= etcd member name).' }),
  id: Type.Optional(
    Type.String({
      description: 'etcd member ID in decimal, as etcd reports it (a uint64: kept as a string).',
    }),
  ),
  peerURL: Type.Optional(Type.String()),
  learner: Type.Optional(Type.Boolean()),
  healthy: Type.Optional(Type.Boolean()),
  leader: Type.Optional(Type.Boolean()),
  version: Type.Optional(Type.String()),
});

/** The runbook engine's record of the operation in progress (@opkit/statefulset `Operation`). */
const operation = Type.Object(
  {
    kind: Type.String(),
    target: Type.Optional(Type.String()),
    from: Type.Optional(intOrString()),
    to: Type.Optional(intOrString()),
    step: Type.String(),
    stepIndex: Type.Integer(),
    phase: Type.Union([Type.Literal('Pending'), Type.Literal('Acting'), Type.Literal('Waiting')]),
    ordinal: Type.Optional(Type.Integer()),
    done: Type.Optional(Type.Array(Type.Integer())),
    acted: Type.Optional(Type.Boolean()),
    startedAt: Type.String({ format: 'date-time' }),
    stepStartedAt: Type.String({ format: 'date-time' }),
    attempts: Type.Integer(),
    message: Type.Optional(Type.String()),
  },
  { description: 'The runbook operation in progress; a restarted operator resumes it from here.' },
);

const status = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  phase: Type.Optional(
    Type.Union([
      Type.Literal('Pending'),
      Type.Literal('Bootstrapping'),
      Type.Literal('Running'),
      Type.Literal('Scaling'),
      Type.Literal('Upgrading'),
      Type.Literal('Restoring'),
      Type.Literal('Degraded'),
      Type.Literal('Paused'),
    ]),
  ),
  size: Type.Optional(Type.Integer({ description: 'Voting members in the member list.' })),
  readyMembers: Type.Optional(Type.Integer({ description: 'Healthy voting members.' })),
  selector: Type.Optional(
    Type.String({ description: 'Label selector of the members’ pods (for the scale subresource).' }),
  ),
  leader: Type.Optional(Type.String()),
  members: Type.Optional(listMap(member, ['name'])),
  clusterID: Type.Optional(Type.String()),
  currentVersion: Type.Optional(Type.String()),
  conditions: Type.Optional(listMap(condition, ['type'])),
  operation: Type.Optional(Type.Union([operation, Type.Null()])),
  lastBackup: Type.Optional(
    Type.Object({
      time: Type.String({ format: 'date-time' }),
      file: Type.String(),
      sizeBytes: Type.Optional(Type.Integer()),
      revision: Type.Optional(Type.String()),
      succeeded: Type.Boolean(),
      message: Type.Optional(Type.String()),
      request: Type.Optional(
        Type.String({
          description: `The ${'etcd.opkit.dev/backup-request'} annotation this backup answered, if asked for.`,
        }),
      ),
    }),
  ),
});

/** The EtcdCluster kind: `EtcdClusterKind.toCRD()` is what `opkit generate crd` writes. */
export const EtcdClusterKind = defineCustomResource({
  group: ETCD_GROUP,
  version: 'v1alpha1',
  kind: 'EtcdCluster',
  scope: 'Namespaced',
  description: 'A highly available etcd cluster whose membership the operator changes one member at a time.',
  shortNames: ['etcd'],
  categories: ['all'],
  spec,
  status,
  printerColumns: [
    { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyMembers' },
    { name: 'Version', type: 'string', jsonPath: '.status.currentVersion' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Leader', type: 'string', jsonPath: '.status.leader', priority: 1 },
    { name: 'Operation', type: 'string', jsonPath: '.status.operation.kind', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  scale: {
    specReplicasPath: '.spec.size',
    statusReplicasPath: '.status.readyMembers',
    labelSelectorPath: '.status.selector',
  },
});

/** An EtcdCluster object. */
export type EtcdCluster = CustomResource<typeof EtcdClusterKind>;
/** Its `.spec`. */
export type EtcdClusterSpec = CustomResourceSpec<typeof EtcdClusterKind>;
/** Its `.status`. */
export type EtcdClusterStatus = CustomResourceStatus<typeof EtcdClusterKind>;
/** One entry of `.status.members`. */
export type EtcdMemberStatus = NonNullable<EtcdClusterStatus['members']>[number];
/** One entry of `.status.conditions` (meta/v1 Condition). */
export type EtcdCondition = NonNullable<EtcdClusterStatus['conditions']>[number];

/** Annotation asking for a backup now: any new value (e.g. a timestamp) takes one, outside the schedule. */
export const BACKUP_REQUEST_ANNOTATION = 'etcd.opkit.dev/backup-request';

/** The condition types the operator sets. */
export const ConditionType = {
  /** A quorum of healthy voters answers. */
  Available: 'Available',
  /** An operation (bootstrap, scaling, upgrade, restore) is in progress. */
  Progressing: 'Progressing',
  /** Something needs attention: a step overran its timeout, a member is unhealthy, a spec is discouraged (even size). */
  Degraded: 'Degraded',
  /** Losing one more voter would lose quorum. */
  QuorumAtRisk: 'QuorumAtRisk',
  /** False (reason EvenSize) when spec.size is even: allowed, but not recommended. */
  RecommendedSize: 'RecommendedSize',
  /**
   * True (reason UnsafeMemberRemoval) while spec.size asks for fewer members than a 2-member cluster
   * has: etcd is never shrunk from 2 members; the message says what to do instead.
   */
  ScaleDownBlocked: 'ScaleDownBlocked',
} as const;

/**
 * The warning an even size deserves: it tolerates as many failures as the odd size below it, with
 * one more member to fail (etcd FAQ "Why an odd number of cluster members?"). Undefined for odd sizes.
 */
export function evenSizeWarning(size: number): { reason: string; message: string } | undefined {
  if (size % 2 === 1) return undefined;
  return {
    reason: 'EvenSize',
    message: `size ${size} tolerates ${Math.floor((size - 1) / 2)} failed member(s), as size ${size - 1} does; an odd size is recommended`,
  };
}

/** The image of an EtcdCluster's members. */
export function etcdImage(spec: Pick<EtcdClusterSpec, 'version' | 'repository'>): string {
  return `${spec.repository ?? DEFAULT_ETCD_REPOSITORY}:v${spec.version ?? DEFAULT_ETCD_VERSION}`;
}

function minorOf(version: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\./.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * What is wrong with a spec beyond what the schema checks, or undefined: things no retry can fix,
 * which the controller reports (Degraded, reason InvalidSpec) instead of acting on. Facts from etcd
 * Documentation/upgrades: upgrades go one minor version at a time and a 3.4 cluster cannot be
 * downgraded; learners (how members join here) exist since 3.4.
 */
export function invalidSpecReason(cluster: Pick<EtcdCluster, 'spec' | 'status'>): string | undefined {
  const wanted = cluster.spec.version ?? DEFAULT_ETCD_VERSION;
  const target = minorOf(wanted);
  if (!target || target[0] !== 3 || target[1] < 4)
    return `version ${wanted}: etcd 3.4 or later is required (members join as learners, new in 3.4)`;
  const running = cluster.status?.currentVersion;
  const current = running ? minorOf(running) : undefined;
  if (current && current[0] === 3) {
    if (target[1] < current[1])
      return `version ${wanted}: the cluster runs ${running}, and etcd cannot be downgraded to an older minor version`;
    if (target[1] > current[1] + 1)
      return `version ${wanted}: the cluster runs ${running}; etcd upgrades one minor version at a time (3.${current[1] + 1} first)`;
  }
  return undefined;
}
