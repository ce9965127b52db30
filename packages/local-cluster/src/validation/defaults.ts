/**
 * The API server's defaulting for the built-in kinds operators use: the SetDefaults_* functions of
 * k8s.io/kubernetes/pkg/apis/{core,apps,batch,rbac}/v1/defaults.go, kept here as code, by kind.
 * Allocation (Service clusterIP, Pod status, ServiceAccount admission) is not defaulting and is
 * left to the server.
 */

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The object at `key`, created when missing. */
function child(parent: Obj, key: string): Obj {
  const existing = parent[key];
  if (isObj(existing)) return existing;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

function setIfMissing(target: Obj, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

function items(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter(isObj) : [];
}

/** SetDefaults_Probe and SetDefaults_HTTPGetAction (core/v1/defaults.go). */
function defaultProbe(probe: unknown): void {
  if (!isObj(probe)) return;
  setIfMissing(probe, 'timeoutSeconds', 1);
  setIfMissing(probe, 'periodSeconds', 10);
  setIfMissing(probe, 'successThreshold', 1);
  setIfMissing(probe, 'failureThreshold', 3);
  defaultHandler(probe);
}

function defaultHandler(handler: unknown): void {
  if (!isObj(handler)) return;
  const httpGet = handler.httpGet;
  if (isObj(httpGet)) {
    setIfMissing(httpGet, 'path', '/');
    setIfMissing(httpGet, 'scheme', 'HTTP');
  }
}

/** imagePullPolicy: Always for `:latest` or no tag, else IfNotPresent (SetDefaults_Container). */
function defaultPullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** SetDefaults_Container, SetDefaults_ContainerPort, SetDefaults_ObjectFieldSelector, probes. */
function defaultContainer(container: Obj, hostNetwork: boolean): void {
  setIfMissing(container, 'imagePullPolicy', defaultPullPolicy(container.image));
  setIfMissing(container, 'terminationMessagePath', '/dev/termination-log');
  setIfMissing(container, 'terminationMessagePolicy', 'File');
  for (const port of items(container.ports)) {
    setIfMissing(port, 'protocol', 'TCP');
    if (hostNetwork) setIfMissing(port, 'hostPort', port.containerPort);
  }
  for (const env of items(container.env)) {
    const valueFrom = env.valueFrom;
    if (isObj(valueFrom) && isObj(valueFrom.fieldRef)) setIfMissing(valueFrom.fieldRef, 'apiVersion', 'v1');
  }
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
  if (isObj(container.lifecycle)) {
    defaultHandler(container.lifecycle.postStart);
    defaultHandler(container.lifecycle.preStop);
  }
  // SetDefaults_Pod: requests default to limits where only limits are given.
  const resources = container.resources;
  if (isObj(resources) && isObj(resources.limits)) {
    const requests = child(resources, 'requests');
    for (const [name, quantity] of Object.entries(resources.limits)) setIfMissing(requests, name, quantity);
  }
}

/** SetDefaults_Volume and the volume source defaults (defaultMode 0644 = 420). */
function defaultVolume(volume: Obj): void {
  const sources = Object.keys(volume).filter((k) => k !== 'name');
  if (sources.length === 0) volume.emptyDir = {};
  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const source = volume[key];
    if (isObj(source)) setIfMissing(source, 'defaultMode', 420);
  }
  if (isObj(volume.hostPath)) setIfMissing(volume.hostPath, 'type', '');
  if (isObj(volume.downwardAPI)) {
    for (const item of items(volume.downwardAPI.items))
      if (isObj(item.fieldRef)) setIfMissing(item.fieldRef, 'apiVersion', 'v1');
  }
}

/** SetDefaults_PodSpec (+ the container/volume defaults the generated defaulters apply to it). */
export function defaultPodSpec(spec: Obj): void {
  setIfMissing(spec, 'dnsPolicy', 'ClusterFirst');
  setIfMissing(spec, 'restartPolicy', 'Always');
  setIfMissing(spec, 'securityContext', {});
  setIfMissing(spec, 'terminationGracePeriodSeconds', 30);
  setIfMissing(spec, 'schedulerName', 'default-scheduler');
  // SetDefaults_Pod.
  setIfMissing(spec, 'enableServiceLinks', true);
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [
    ...items(spec.initContainers),
    ...items(spec.containers),
    ...items(spec.ephemeralContainers),
  ]) {
    defaultContainer(c, hostNetwork);
  }
  for (const v of items(spec.volumes)) defaultVolume(v);
}

function defaultPodTemplate(parent: Obj): void {
  const template = parent.template;
  if (isObj(template)) defaultPodSpec(child(template, 'spec'));
}

/** SetDefaults_PersistentVolumeClaimSpec / SetDefaults_PersistentVolumeClaim. */
function defaultPvc(pvc: Obj): void {
  setIfMissing(child(pvc, 'spec'), 'volumeMode', 'Filesystem');
  setIfMissing(child(pvc, 'status'), 'phase', 'Pending');
}

/** apps/v1 SetDefaults_StatefulSet. */
function defaultStatefulSet(obj: Obj): void {
  const spec = child(obj, 'spec');
  setIfMissing(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = child(spec, 'updateStrategy');
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    setIfMissing(strategy, 'rollingUpdate', {});
  }
  if (strategy.type === 'RollingUpdate' && isObj(strategy.rollingUpdate))
    setIfMissing(strategy.rollingUpdate, 'partition', 0);
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  setIfMissing(retention, 'whenDeleted', 'Retain');
  setIfMissing(retention, 'whenScaled', 'Retain');
  setIfMissing(spec, 'replicas', 1);
  setIfMissing(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec);
  for (const pvc of items(spec.volumeClaimTemplates)) {
    // Stored templates carry their apiVersion/kind, as `kubectl get sts -o yaml` shows.
    setIfMissing(pvc, 'apiVersion', 'v1');
    setIfMissing(pvc, 'kind', 'PersistentVolumeClaim');
    defaultPvc(pvc);
  }
}

/** apps/v1 SetDefaults_Deployment. */
function defaultDeployment(obj: Obj): void {
  const spec = child(obj, 'spec');
  setIfMissing(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  setIfMissing(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = child(strategy, 'rollingUpdate');
    setIfMissing(rolling, 'maxUnavailable', '25%');
    setIfMissing(rolling, 'maxSurge', '25%');
  }
  setIfMissing(spec, 'revisionHistoryLimit', 10);
  setIfMissing(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec);
}

/** apps/v1 SetDefaults_DaemonSet. */
function defaultDaemonSet(obj: Obj): void {
  const spec = child(obj, 'spec');
  const strategy = child(spec, 'updateStrategy');
  setIfMissing(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = child(strategy, 'rollingUpdate');
    setIfMissing(rolling, 'maxUnavailable', 1);
    setIfMissing(rolling, 'maxSurge', 0);
  }
  setIfMissing(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec);
}

/** apps/v1 SetDefaults_ReplicaSet. */
function defaultReplicaSet(obj: Obj): void {
  const spec = child(obj, 'spec');
  setIfMissing(spec, 'replicas', 1);
  defaultPodTemplate(spec);
}

/** batch/v1 SetDefaults_Job (PodReplacementPolicy as with its feature gate on, the default). */
function defaultJobSpec(spec: Obj): void {
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setIfMissing(spec, 'parallelism', 1);
  setIfMissing(spec, 'backoffLimit', 6);
  setIfMissing(spec, 'completionMode', 'NonIndexed');
  setIfMissing(spec, 'suspend', false);
  setIfMissing(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  defaultPodTemplate(spec);
}

/** batch/v1 SetDefaults_CronJob. */
function defaultCronJob(obj: Obj): void {
  const spec = child(obj, 'spec');
  setIfMissing(spec, 'concurrencyPolicy', 'Allow');
  setIfMissing(spec, 'suspend', false);
  setIfMissing(spec, 'successfulJobsHistoryLimit', 3);
  setIfMissing(spec, 'failedJobsHistoryLimit', 1);
  const jobTemplate = spec.jobTemplate;
  if (isObj(jobTemplate)) defaultJobSpec(child(jobTemplate, 'spec'));
}

/** core/v1 SetDefaults_Service (+ the single-stack IPv4 family the REST storage assigns). */
function defaultService(obj: Obj): void {
  const spec = child(obj, 'spec');
  setIfMissing(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'ClientIP') {
    const config = child(spec, 'sessionAffinityConfig');
    setIfMissing(child(config, 'clientIP'), 'timeoutSeconds', 10800);
  }
  setIfMissing(spec, 'type', 'ClusterIP');
  for (const port of items(spec.ports)) {
    setIfMissing(port, 'protocol', 'TCP');
    if (
      port.targetPort === undefined ||
      port.targetPort === null ||
      port.targetPort === 0 ||
      port.targetPort === ''
    ) {
      port.targetPort = port.port;
    }
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer')
    setIfMissing(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type !== 'ExternalName') {
    setIfMissing(spec, 'internalTrafficPolicy', 'Cluster');
    // Set by the service REST storage (pkg/registry/core/service/storage) for a single-stack cluster.
    setIfMissing(spec, 'ipFamilyPolicy', 'SingleStack');
    setIfMissing(spec, 'ipFamilies', ['IPv4']);
    if (typeof spec.clusterIP === 'string' && spec.clusterIP)
      setIfMissing(spec, 'clusterIPs', [spec.clusterIP]);
  }
  if (spec.type === 'LoadBalancer') setIfMissing(spec, 'allocateLoadBalancerNodePorts', true);
}

/** core/v1 SetDefaults_Namespace / SetDefaults_NamespaceStatus, plus the namespace strategy's finalizer. */
function defaultNamespace(obj: Obj): void {
  const meta = child(obj, 'metadata');
  if (typeof meta.name === 'string' && meta.name) {
    child(meta, 'labels')['kubernetes.io/metadata.name'] = meta.name;
  }
  setIfMissing(child(obj, 'spec'), 'finalizers', ['kubernetes']);
  setIfMissing(child(obj, 'status'), 'phase', 'Active');
}

/** rbac/v1 SetDefaults_Subject: apiGroup by subject kind. */
function defaultSubjects(obj: Obj): void {
  for (const subject of items(obj.subjects)) {
    if (subject.apiGroup !== undefined) continue;
    if (subject.kind === 'ServiceAccount') subject.apiGroup = '';
    else if (subject.kind === 'User' || subject.kind === 'Group')
      subject.apiGroup = 'rbac.authorization.k8s.io';
  }
}

/** core/v1 SetDefaults_EndpointPort. */
function defaultEndpoints(obj: Obj): void {
  for (const subset of items(obj.subsets))
    for (const port of items(subset.ports)) setIfMissing(port, 'protocol', 'TCP');
}

const defaulters: Record<string, (obj: Obj) => void> = {
  'v1/Pod': (obj) => defaultPodSpec(child(obj, 'spec')),
  'v1/PodTemplate': (obj) => defaultPodTemplate(obj),
  'v1/ReplicationController': (obj) => {
    const spec = child(obj, 'spec');
    setIfMissing(spec, 'replicas', 1);
    defaultPodTemplate(spec);
  },
  'v1/Service': defaultService,
  'v1/PersistentVolumeClaim': defaultPvc,
  'v1/Namespace': defaultNamespace,
  'v1/Secret': (obj) => {
    if (!obj.type) obj.type = 'Opaque';
  },
  'v1/Endpoints': defaultEndpoints,
  'apps/v1/StatefulSet': defaultStatefulSet,
  'apps/v1/Deployment': defaultDeployment,
  'apps/v1/DaemonSet': defaultDaemonSet,
  'apps/v1/ReplicaSet': defaultReplicaSet,
  'batch/v1/Job': (obj) => defaultJobSpec(child(obj, 'spec')),
  'batch/v1/CronJob': defaultCronJob,
  'rbac.authorization.k8s.io/v1/RoleBinding': defaultSubjects,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': defaultSubjects,
};

/**
 * Applies kube-apiserver's defaults for the object's kind, in place, and returns the object.
 * Kinds without defaults (ConfigMap, Lease, PodDisruptionBudget, RBAC roles, ...) are unchanged.
 */
export function defaultBuiltin<T extends object>(obj: T): T {
  const o = obj as Obj;
  const defaulter = defaulters[`${String(o.apiVersion)}/${String(o.kind)}`];
  if (defaulter) defaulter(o);
  return obj;
}
