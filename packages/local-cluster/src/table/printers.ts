import type { KubeObject } from '../api/index.js';
import { ageSince } from './duration.js';

/** meta/v1 TableColumnDefinition. */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** A cell: what kube-apiserver's printers put in a row. */
export type TableCell = string | number | boolean | null;

/** Columns and the function that fills a row, as in k8s.io/kubernetes/pkg/printers/internalversion. */
export interface Printer {
  columns: TableColumnDefinition[];
  cells(obj: KubeObject, now: Date): TableCell[];
}

type Dict = Record<string, unknown>;

function dict(v: unknown): Dict {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Dict) : {};
}
function list(v: unknown): Dict[] {
  return Array.isArray(v) ? v.map(dict) : [];
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}
/** Whether a field is set at all (Go's non-nil pointer), even to an empty object. */
function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}
function orNone(s: string): string {
  return s === '' ? '<none>' : s;
}

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** A column definition; `priority` 1 columns show only with `-o wide`. */
export function column(
  name: string,
  type: string,
  description: string,
  priority = 0,
  format = '',
): TableColumnDefinition {
  return { name, type, format, description, priority };
}

export const NAME_COLUMN = column('Name', 'string', NAME_DESCRIPTION, 0, 'name');
const AGE_COLUMN = column('Age', 'string', AGE_DESCRIPTION);
const CONTAINERS_COLUMN = column('Containers', 'string', 'Names of each container in the template.', 1);
const IMAGES_COLUMN = column('Images', 'string', 'Images referenced by each container in the template.', 1);
const SELECTOR_COLUMN = column(
  'Selector',
  'string',
  'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
  1,
);

function name(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}
function age(obj: KubeObject, now: Date): string {
  return ageSince(obj.metadata.creationTimestamp, now);
}

/** The common three-column shape: Name, one column of the kind's own, Age. */
function nameValueAge(valueColumn: TableColumnDefinition, value: (obj: KubeObject) => TableCell): Printer {
  return {
    columns: [NAME_COLUMN, valueColumn, AGE_COLUMN],
    cells: (o, now) => [name(o), value(o), age(o, now)],
  };
}

/** `a=b,c in (d)`: a LabelSelector as kubectl prints it (metav1.FormatLabelSelector). */
export function formatLabelSelector(selector: unknown): string {
  const s = dict(selector);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(dict(s.matchLabels)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    parts.push(`${k}=${str(v)}`);
  for (const e of list(s.matchExpressions)) {
    const values = Array.isArray(e.values) ? (e.values as unknown[]).map(str) : [];
    const op = str(e.operator);
    if (op === 'In') parts.push(`${str(e.key)} in (${values.join(',')})`);
    else if (op === 'NotIn') parts.push(`${str(e.key)} notin (${values.join(',')})`);
    else if (op === 'Exists') parts.push(str(e.key));
    else if (op === 'DoesNotExist') parts.push(`!${str(e.key)}`);
  }
  if (parts.length === 0) return selector === undefined || selector === null ? '<none>' : '<none>';
  return parts.join(',');
}

function mapSelector(selector: unknown): string {
  const entries = Object.entries(dict(selector)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${str(v)}`).join(',') : '<none>';
}

/** The container names and images of a pod template, comma-joined (the wide Containers/Images columns). */
function templateContainers(template: unknown): [string, string] {
  const containers = list(dict(dict(template).spec).containers);
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

function podStatus(pod: KubeObject, now: Date): { ready: string; reason: string; restarts: string } {
  const spec = dict(pod.spec);
  const status = dict(pod.status);
  const containers = list(spec.containers);
  let reason = str(status.reason) || str(status.phase);
  let restarts = 0;
  let lastRestart: number | undefined;
  let readyContainers = 0;
  const noteRestart = (cs: Dict): void => {
    restarts += num(cs.restartCount);
    const finished = str(dict(dict(cs.lastState).terminated).finishedAt);
    const t = finished ? Date.parse(finished) : NaN;
    if (!Number.isNaN(t) && (lastRestart === undefined || t > lastRestart)) lastRestart = t;
  };
  // Init containers first: the pod shows Init:x/y until they are done (printers.go printPod).
  const initStatuses = list(status.initContainerStatuses);
  const initCount = list(spec.initContainers).length;
  let initializing = false;
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i] as Dict;
    noteRestart(cs);
    const hasTerminated = present(dict(cs.state).terminated);
    const terminated = dict(dict(cs.state).terminated);
    const waiting = dict(dict(cs.state).waiting);
    if (hasTerminated && num(terminated.exitCode) === 0) continue;
    if (hasTerminated) {
      reason = str(terminated.reason)
        ? `Init:${str(terminated.reason)}`
        : num(terminated.signal) !== 0
          ? `Init:Signal:${num(terminated.signal)}`
          : `Init:ExitCode:${num(terminated.exitCode)}`;
    } else if (str(waiting.reason) && str(waiting.reason) !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    const statuses = list(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] as Dict;
      noteRestart(cs);
      const state = dict(cs.state);
      const waiting = dict(state.waiting);
      const terminated = dict(state.terminated);
      if (str(waiting.reason)) reason = str(waiting.reason);
      else if (str(terminated.reason)) reason = str(terminated.reason);
      else if (present(state.terminated)) {
        reason =
          num(terminated.signal) !== 0
            ? `Signal:${num(terminated.signal)}`
            : `ExitCode:${num(terminated.exitCode)}`;
      } else if (cs.ready === true && present(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = list(status.conditions).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp) reason = str(status.reason) === 'NodeLost' ? 'Unknown' : 'Terminating';
  const restartText =
    restarts > 0 && lastRestart !== undefined
      ? `${restarts} (${ageSince(new Date(lastRestart).toISOString(), now)} ago)`
      : String(restarts);
  return { ready: `${readyContainers}/${containers.length}`, reason, restarts: restartText };
}

function servicePorts(spec: Dict): string {
  const ports = list(spec.ports).map((p) => {
    const protocol = str(p.protocol) || 'TCP';
    return num(p.nodePort) ? `${num(p.port)}:${num(p.nodePort)}/${protocol}` : `${num(p.port)}/${protocol}`;
  });
  return ports.length ? ports.join(',') : '<none>';
}

function serviceExternalIP(spec: Dict, status: Dict): string {
  const type = str(spec.type) || 'ClusterIP';
  const external = Array.isArray(spec.externalIPs) ? (spec.externalIPs as unknown[]).map(str) : [];
  if (type === 'ExternalName') return str(spec.externalName);
  if (type === 'LoadBalancer') {
    const ingress = list(dict(status.loadBalancer).ingress).map((i) => str(i.ip) || str(i.hostname));
    const all = [...ingress, ...external].filter(Boolean);
    return all.length ? all.join(',') : '<pending>';
  }
  return external.length ? external.join(',') : '<none>';
}

const ACCESS_MODE_ABBREVIATIONS: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};
function accessModes(modes: unknown): string {
  return Array.isArray(modes)
    ? (modes as unknown[]).map((m) => ACCESS_MODE_ABBREVIATIONS[str(m)] ?? str(m)).join(',')
    : '';
}

function controllerOf(obj: KubeObject): string {
  const owner = (obj.metadata.ownerReferences ?? []).find((o) => o.controller === true);
  if (!owner) return '<none>';
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
  return `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}`;
}

function formatEndpoints(subsets: Dict[]): string {
  const all: string[] = [];
  for (const ss of subsets) {
    const addresses = list(ss.addresses);
    const ports = list(ss.ports);
    for (const a of addresses) {
      if (ports.length === 0) all.push(str(a.ip));
      for (const p of ports) all.push(`${str(a.ip)}:${num(p.port)}`);
    }
  }
  if (all.length === 0) return '<none>';
  const shown = all.slice(0, 3).join(',');
  return all.length > 3 ? `${shown} + ${all.length - 3} more...` : shown;
}

function intOrPercent(v: unknown): string {
  return v === undefined || v === null ? 'N/A' : String(v);
}

function bindingSubjects(obj: KubeObject, kind: string): string {
  return list(obj.subjects)
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace)}/${str(s.name)}` : str(s.name)))
    .join(', ');
}

const ROLE_BINDING: Printer = {
  columns: [
    NAME_COLUMN,
    column('Role', 'string', 'Role of the binding.'),
    AGE_COLUMN,
    column('Users', 'string', 'Users in the binding.', 1),
    column('Groups', 'string', 'Groups in the binding.', 1),
    column('ServiceAccounts', 'string', 'ServiceAccounts in the binding.', 1),
  ],
  cells: (o, now) => [
    name(o),
    `${str(dict(o.roleRef).kind)}/${str(dict(o.roleRef).name)}`,
    age(o, now),
    bindingSubjects(o, 'User'),
    bindingSubjects(o, 'Group'),
    bindingSubjects(o, 'ServiceAccount'),
  ],
};

function eventPrinter(): Printer {
  return {
    columns: [
      column('Last Seen', 'string', 'Time when last this event was observed.'),
      column(
        'Type',
        'string',
        'Type of this event (Normal, Warning), new types could be added in the future.',
      ),
      column(
        'Reason',
        'string',
        'Reason is why the action was taken. It is human-readable. This field can have at most 128 characters.',
      ),
      column('Object', 'string', 'The object this Event is about.'),
      column('Subobject', 'string', 'The subobject of the object this Event is about.', 1),
      column('Source', 'string', 'The component reporting this event.', 1),
      column('Message', 'string', 'A human-readable description of the status of this operation.'),
      column('First Seen', 'string', 'The time at which the event was first recorded.', 1),
      column('Count', 'string', 'The number of times this event has occurred.', 1),
      column('Name', 'string', NAME_DESCRIPTION, 1, 'name'),
    ],
    cells: (o, now) => {
      // core/v1 Event and events.k8s.io/v1 Event name their fields differently.
      const involved = dict(o.involvedObject ?? o.regarding);
      const series = dict(o.series);
      const last =
        str(series.lastObservedTime) ||
        str(o.lastTimestamp) ||
        str(o.eventTime) ||
        str(o.deprecatedLastTimestamp) ||
        str(o.metadata.creationTimestamp);
      const first =
        str(o.firstTimestamp) ||
        str(o.deprecatedFirstTimestamp) ||
        str(o.eventTime) ||
        str(o.metadata.creationTimestamp);
      const source = dict(o.source ?? o.deprecatedSource);
      const component = str(source.component) || str(o.reportingComponent) || str(o.reportingController);
      const host = str(source.host) || str(o.reportingInstance);
      const count = num(series.count) || num(o.count) || num(o.deprecatedCount) || 1;
      return [
        ageSince(last, now),
        str(o.type),
        str(o.reason),
        `${str(involved.kind).toLowerCase()}/${str(involved.name)}`,
        str(involved.fieldPath),
        host ? `${component}, ${host}` : component,
        str(o.message ?? o.note).trim(),
        ageSince(first, now),
        String(count),
        name(o),
      ];
    },
  };
}

/** The printers of the built-in kinds, by `group/resource` ('' group for core). */
export const BUILTIN_PRINTERS: Record<string, Printer> = {
  '/pods': {
    columns: [
      NAME_COLUMN,
      column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
      column('Status', 'string', 'The aggregate status of the containers in this pod.'),
      column(
        'Restarts',
        'string',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      AGE_COLUMN,
      column(
        'IP',
        'string',
        'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
        1,
      ),
      column('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node.', 1),
      column(
        'Nominated Node',
        'string',
        'nominatedNodeName is set only when this pod preempts other pods on the node.',
        1,
      ),
      column(
        'Readiness Gates',
        'string',
        'If specified, all readiness gates will be evaluated for pod readiness.',
        1,
      ),
    ],
    cells: (o, now) => {
      const s = podStatus(o, now);
      const spec = dict(o.spec);
      const status = dict(o.status);
      const gates = list(spec.readinessGates);
      const conditions = list(status.conditions);
      const gatesText = gates.length
        ? `${gates.filter((g) => conditions.some((c) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}`
        : '<none>';
      return [
        name(o),
        s.ready,
        s.reason,
        s.restarts,
        age(o, now),
        orNone(str(status.podIP)),
        orNone(str(spec.nodeName)),
        orNone(str(status.nominatedNodeName)),
        gatesText,
      ];
    },
  },
  '/services': {
    columns: [
      NAME_COLUMN,
      column('Type', 'string', 'type determines how the Service is exposed.'),
      column(
        'Cluster-IP',
        'string',
        'clusterIP is the IP address of the service and is usually assigned randomly.',
      ),
      column(
        'External-IP',
        'string',
        'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
      ),
      column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
      AGE_COLUMN,
      column(
        'Selector',
        'string',
        'Route service traffic to pods with label keys and values matching this selector.',
        1,
      ),
    ],
    cells: (o, now) => {
      const spec = dict(o.spec);
      return [
        name(o),
        str(spec.type) || 'ClusterIP',
        orNone(str(spec.clusterIP)),
        serviceExternalIP(spec, dict(o.status)),
        servicePorts(spec),
        age(o, now),
        mapSelector(spec.selector),
      ];
    },
  },
  '/endpoints': nameValueAge(column('Endpoints', 'string', 'Endpoints of the service.'), (o) =>
    formatEndpoints(list(o.subsets)),
  ),
  '/namespaces': nameValueAge(
    column('Status', 'string', 'The status of the namespace'),
    (o) => str(dict(o.status).phase) || 'Active',
  ),
  '/nodes': {
    columns: [
      NAME_COLUMN,
      column('Status', 'string', 'The status of the node'),
      column('Roles', 'string', 'The roles of the node'),
      AGE_COLUMN,
      column('Version', 'string', 'Kubelet Version reported by the node.'),
      column(
        'Internal-IP',
        'string',
        'List of addresses reachable to the node. Queried from cloud provider, if available.',
        1,
      ),
      column(
        'External-IP',
        'string',
        'List of addresses reachable to the node. Queried from cloud provider, if available.',
        1,
      ),
      column(
        'OS-Image',
        'string',
        'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
        1,
      ),
      column(
        'Kernel-Version',
        'string',
        'Kernel Version reported by the node from uname -r (e.g. 3.16.0-0.bpo.4-amd64).',
        1,
      ),
      column(
        'Container-Runtime',
        'string',
        'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
        1,
      ),
    ],
    cells: (o, now) => {
      const status = dict(o.status);
      const ready = list(status.conditions).find((c) => c.type === 'Ready');
      let state = ready
        ? ready.status === 'True'
          ? 'Ready'
          : ready.status === 'False'
            ? 'NotReady'
            : 'Unknown'
        : 'Unknown';
      if (dict(o.spec).unschedulable === true) state += ',SchedulingDisabled';
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length))
        .concat(o.metadata.labels?.['kubernetes.io/role'] ? [o.metadata.labels['kubernetes.io/role']] : [])
        .sort();
      const addresses = list(status.addresses);
      const address = (type: string): string => orNone(str(addresses.find((a) => a.type === type)?.address));
      const info = dict(status.nodeInfo);
      return [
        name(o),
        state,
        roles.length ? roles.join(',') : '<none>',
        age(o, now),
        str(info.kubeletVersion),
        address('InternalIP'),
        address('ExternalIP'),
        orNone(str(info.osImage)),
        orNone(str(info.kernelVersion)),
        orNone(str(info.containerRuntimeVersion)),
      ];
    },
  },
  '/configmaps': nameValueAge(
    column('Data', 'string', 'The number of entries in the data and binaryData fields.'),
    (o) => Object.keys(dict(o.data)).length + Object.keys(dict(o.binaryData)).length,
  ),
  '/secrets': {
    columns: [
      NAME_COLUMN,
      column('Type', 'string', 'The type of the secret'),
      column('Data', 'string', 'The number of entries in the data and stringData fields.'),
      AGE_COLUMN,
    ],
    cells: (o, now) => [
      name(o),
      str(o.type) || 'Opaque',
      Object.keys(dict(o.data)).length + Object.keys(dict(o.stringData)).length,
      age(o, now),
    ],
  },
  '/serviceaccounts': nameValueAge(
    column(
      'Secrets',
      'string',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
    ),
    (o) => list(o.secrets).length,
  ),
  '/persistentvolumeclaims': {
    columns: [
      NAME_COLUMN,
      column('Status', 'string', 'The phase of the claim.'),
      column('Volume', 'string', 'The binding reference to the PersistentVolume backing this claim.'),
      column('Capacity', 'string', 'The actual resources of the underlying volume.'),
      column('Access Modes', 'string', 'The access modes the volume has.'),
      column('StorageClass', 'string', 'Name of the StorageClass required by the claim.'),
      column('VolumeAttributesClass', 'string', 'Name of the VolumeAttributesClass used by the claim.'),
      AGE_COLUMN,
      column('VolumeMode', 'string', 'The volume mode of the claim.', 1),
    ],
    cells: (o, now) => {
      const spec = dict(o.spec);
      const status = dict(o.status);
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : str(status.phase);
      const bound = str(spec.volumeName) !== '';
      return [
        name(o),
        phase,
        str(spec.volumeName),
        bound ? str(dict(status.capacity).storage) : '',
        bound ? accessModes(status.accessModes) : '',
        str(spec.storageClassName),
        str(spec.volumeAttributesClassName) || '<unset>',
        age(o, now),
        str(spec.volumeMode) || '<unset>',
      ];
    },
  },
  '/persistentvolumes': {
    columns: [
      NAME_COLUMN,
      column('Capacity', 'string', 'Capacity of the volume.'),
      column('Access Modes', 'string', 'The access modes the volume can be mounted with.'),
      column('Reclaim Policy', 'string', 'What happens to the volume when released from its claim.'),
      column('Status', 'string', 'The phase of the volume.'),
      column('Claim', 'string', 'The claim bound to the volume.'),
      column('StorageClass', 'string', 'Name of the StorageClass of the volume.'),
      column('VolumeAttributesClass', 'string', 'Name of the VolumeAttributesClass of the volume.'),
      column('Reason', 'string', 'Reason of the phase of the volume.'),
      AGE_COLUMN,
      column('VolumeMode', 'string', 'The volume mode of the volume.', 1),
    ],
    cells: (o, now) => {
      const spec = dict(o.spec);
      const status = dict(o.status);
      const claim = dict(spec.claimRef);
      return [
        name(o),
        str(dict(spec.capacity).storage),
        accessModes(spec.accessModes),
        str(spec.persistentVolumeReclaimPolicy),
        o.metadata.deletionTimestamp ? 'Terminating' : str(status.phase),
        claim.name ? `${str(claim.namespace)}/${str(claim.name)}` : '',
        str(spec.storageClassName),
        str(spec.volumeAttributesClassName) || '<unset>',
        str(status.reason),
        age(o, now),
        str(spec.volumeMode) || '<unset>',
      ];
    },
  },
  '/events': eventPrinter(),
  'events.k8s.io/events': eventPrinter(),
  'apps/statefulsets': {
    columns: [
      NAME_COLUMN,
      column('Ready', 'string', 'Number of the pod with ready state'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
    ],
    cells: (o, now) => {
      const [c, i] = templateContainers(dict(o.spec).template);
      return [
        name(o),
        `${num(dict(o.status).readyReplicas)}/${num(dict(o.spec).replicas ?? 1)}`,
        age(o, now),
        c,
        i,
      ];
    },
  },
  'apps/deployments': {
    columns: [
      NAME_COLUMN,
      column('Ready', 'string', 'Number of the pod with ready state'),
      column(
        'Up-to-date',
        'string',
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      ),
      column(
        'Available',
        'string',
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      ),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      SELECTOR_COLUMN,
    ],
    cells: (o, now) => {
      const spec = dict(o.spec);
      const status = dict(o.status);
      const [c, i] = templateContainers(dict(o.spec).template);
      return [
        name(o),
        `${num(status.readyReplicas)}/${num(spec.replicas ?? 1)}`,
        num(status.updatedReplicas),
        num(status.availableReplicas),
        age(o, now),
        c,
        i,
        formatLabelSelector(spec.selector),
      ];
    },
  },
  'apps/replicasets': {
    columns: [
      NAME_COLUMN,
      column('Desired', 'integer', 'Number of desired pods.'),
      column('Current', 'integer', 'Number of actual replicas.'),
      column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      SELECTOR_COLUMN,
    ],
    cells: (o, now) => {
      const spec = dict(o.spec);
      const status = dict(o.status);
      const [c, i] = templateContainers(dict(o.spec).template);
      return [
        name(o),
        num(spec.replicas ?? 1),
        num(status.replicas),
        num(status.readyReplicas),
        age(o, now),
        c,
        i,
        formatLabelSelector(spec.selector),
      ];
    },
  },
  'apps/daemonsets': {
    columns: [
      NAME_COLUMN,
      column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
      column(
        'Current',
        'integer',
        'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
      ),
      column(
        'Ready',
        'integer',
        'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
      ),
      column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod.'),
      column(
        'Available',
        'integer',
        'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.',
      ),
      column(
        'Node Selector',
        'string',
        'NodeSelector is a selector which must be true for the pod to fit on a node.',
      ),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      SELECTOR_COLUMN,
    ],
    cells: (o, now) => {
      const status = dict(o.status);
      const [c, i] = templateContainers(dict(o.spec).template);
      return [
        name(o),
        num(status.desiredNumberScheduled),
        num(status.currentNumberScheduled),
        num(status.numberReady),
        num(status.updatedNumberScheduled),
        num(status.numberAvailable),
        mapSelector(dict(dict(dict(o.spec).template).spec).nodeSelector),
        age(o, now),
        c,
        i,
        formatLabelSelector(dict(o.spec).selector),
      ];
    },
  },
  'apps/controllerrevisions': {
    columns: [
      NAME_COLUMN,
      column('Controller', 'string', 'Controller of the object'),
      column('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.'),
      AGE_COLUMN,
    ],
    cells: (o, now) => [name(o), controllerOf(o), num(o.revision), age(o, now)],
  },
  'coordination.k8s.io/leases': nameValueAge(column('Holder', 'string', 'The holder of the lease'), (o) =>
    str(dict(o.spec).holderIdentity),
  ),
  'policy/poddisruptionbudgets': {
    columns: [
      NAME_COLUMN,
      column('Min Available', 'string', 'The minimum number of pods that must be available.'),
      column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
      column(
        'Allowed Disruptions',
        'integer',
        'Calculated number of pods that may be disrupted at this time.',
      ),
      AGE_COLUMN,
    ],
    cells: (o, now) => {
      const spec = dict(o.spec);
      return [
        name(o),
        intOrPercent(spec.minAvailable),
        intOrPercent(spec.maxUnavailable),
        num(dict(o.status).disruptionsAllowed),
        age(o, now),
      ];
    },
  },
  'rbac.authorization.k8s.io/rolebindings': ROLE_BINDING,
  'rbac.authorization.k8s.io/clusterrolebindings': ROLE_BINDING,
  'discovery.k8s.io/endpointslices': {
    columns: [
      NAME_COLUMN,
      column('AddressType', 'string', 'The type of addresses in this EndpointSlice.'),
      column('Ports', 'string', 'The ports of this EndpointSlice.'),
      column('Endpoints', 'string', 'The addresses of this EndpointSlice.'),
      AGE_COLUMN,
    ],
    cells: (o, now) => {
      const ports = list(o.ports).map((p) => String(num(p.port)));
      const addresses = list(o.endpoints).flatMap((e) =>
        Array.isArray(e.addresses) ? (e.addresses as unknown[]).map(str) : [],
      );
      const shown = addresses.slice(0, 3).join(',');
      return [
        name(o),
        str(o.addressType),
        ports.length ? ports.join(',') : '<unset>',
        addresses.length === 0
          ? '<unset>'
          : addresses.length > 3
            ? `${shown} + ${addresses.length - 3} more...`
            : shown,
        age(o, now),
      ];
    },
  },
  'storage.k8s.io/storageclasses': {
    columns: [
      NAME_COLUMN,
      column('Provisioner', 'string', 'Indicates the type of the provisioner.'),
      column('ReclaimPolicy', 'string', 'Indicates the type of the reclaim policy.'),
      column(
        'VolumeBindingMode',
        'string',
        'Indicates how PersistentVolumeClaims should be provisioned and bound.',
      ),
      column('AllowVolumeExpansion', 'string', 'Indicates whether the storage class allow volume expand.'),
      AGE_COLUMN,
    ],
    cells: (o, now) => {
      const annotations = o.metadata.annotations ?? {};
      const isDefault =
        annotations['storageclass.kubernetes.io/is-default-class'] === 'true' ||
        annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
      return [
        isDefault ? `${name(o)} (default)` : name(o),
        str(o.provisioner),
        str(o.reclaimPolicy) || 'Delete',
        str(o.volumeBindingMode) || 'Immediate',
        String(o.allowVolumeExpansion === true),
        age(o, now),
      ];
    },
  },
  'autoscaling/horizontalpodautoscalers': {
    columns: [
      NAME_COLUMN,
      column(
        'Reference',
        'string',
        'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.',
      ),
      column('Targets', 'string', 'the current and target metric values.'),
      column(
        'MinPods',
        'string',
        'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.',
      ),
      column(
        'MaxPods',
        'string',
        'maxReplicas is the upper limit for the number of pods that can be set by the autoscaler.',
      ),
      column('Replicas', 'string', 'current number of replicas of pods managed by this autoscaler.'),
      AGE_COLUMN,
    ],
    cells: (o, now) => {
      // autoscaling/v1: one CPU target, as printers.go formats it for the v1 shape.
      const spec = dict(o.spec);
      const status = dict(o.status);
      const ref = dict(spec.scaleTargetRef);
      const target = spec.targetCPUUtilizationPercentage;
      const current = status.currentCPUUtilizationPercentage;
      const targets =
        typeof target === 'number'
          ? `cpu: ${typeof current === 'number' ? `${current}%` : '<unknown>'}/${target}%`
          : '<none>';
      return [
        name(o),
        `${str(ref.kind)}/${str(ref.name)}`,
        targets,
        typeof spec.minReplicas === 'number' ? String(spec.minReplicas) : '<unset>',
        num(spec.maxReplicas),
        num(status.currentReplicas),
        age(o, now),
      ];
    },
  },
  'batch/jobs': {
    columns: [
      NAME_COLUMN,
      column('Status', 'string', 'Status of the job.'),
      column(
        'Completions',
        'string',
        'The desired number of successfully finished pods the job should be run with.',
      ),
      column('Duration', 'string', 'Time required to complete the job.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      column('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
    ],
    cells: (o, now) => {
      const spec = dict(o.spec);
      const status = dict(o.status);
      const conditions = list(status.conditions);
      const cond = (t: string): boolean => conditions.some((c) => c.type === t && c.status === 'True');
      const state = cond('Complete')
        ? 'Complete'
        : cond('Failed')
          ? 'Failed'
          : cond('FailureTarget')
            ? 'FailureTarget'
            : cond('SuccessCriteriaMet')
              ? 'SuccessCriteriaMet'
              : o.metadata.deletionTimestamp
                ? 'Terminating'
                : cond('Suspended')
                  ? 'Suspended'
                  : 'Running';
      const completions =
        spec.completions === undefined || spec.completions === null
          ? `${num(status.succeeded)}/1 of ${num(spec.parallelism ?? 1)}`
          : `${num(status.succeeded)}/${num(spec.completions)}`;
      const start = str(status.startTime);
      const end = str(status.completionTime);
      const duration = start ? ageSince(start, end ? new Date(end) : now) : '';
      const [c, i] = templateContainers(dict(o.spec).template);
      return [name(o), state, completions, duration, age(o, now), c, i, formatLabelSelector(spec.selector)];
    },
  },
  'batch/cronjobs': {
    columns: [
      NAME_COLUMN,
      column('Schedule', 'string', 'The schedule in Cron format.'),
      column('Timezone', 'string', 'The time zone name for the given schedule.'),
      column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.'),
      column('Active', 'integer', 'A list of pointers to currently running jobs.'),
      column(
        'Last Schedule',
        'string',
        'Information when was the last time the job was successfully scheduled.',
      ),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      column('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
    ],
    cells: (o, now) => {
      const spec = dict(o.spec);
      const status = dict(o.status);
      const jobSpec = dict(dict(spec.jobTemplate).spec);
      const [c, i] = templateContainers(jobSpec.template);
      const last = str(status.lastScheduleTime);
      return [
        name(o),
        str(spec.schedule),
        str(spec.timeZone) || '<none>',
        spec.suspend === true,
        list(status.active).length,
        last ? ageSince(last, now) : '<none>',
        age(o, now),
        c,
        i,
        formatLabelSelector(jobSpec.selector),
      ];
    },
  },
};

/** The table of kinds without a printer of their own: Name and Created At (rest.NewDefaultTableConvertor). */
export const DEFAULT_PRINTER: Printer = {
  columns: [NAME_COLUMN, column('Created At', 'date', AGE_DESCRIPTION)],
  cells: (o) => [name(o), o.metadata.creationTimestamp ?? null],
};
