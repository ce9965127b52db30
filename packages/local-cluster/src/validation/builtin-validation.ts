/**
 * The kind-specific validation of kube-apiserver that operators run into
 * (k8s.io/kubernetes/pkg/apis/{core,apps,coordination,policy}/validation/validation.go), with
 * upstream field paths and messages. Object metadata is checked by validateObjectMeta.
 */
import { fieldErrors, isJsonObject, jsonEqual, type StatusCause } from '../api/index.js';
import { isConfigMapKey, isDNS1123Label, isValidLabelValue, isQualifiedName } from './names.js';
import { validateLabels } from './object-meta.js';

type Obj = Record<string, unknown>;

const NEGATIVE = 'must be greater than or equal to 0';
const IMMUTABLE = 'field is immutable';

function obj(value: unknown): Obj {
  return isJsonObject(value) ? value : {};
}
function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function notFound(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueNotFound', field, message: `Not found: ${JSON.stringify(value)}` };
}

function nonNegative(value: unknown, field: string): StatusCause[] {
  return typeof value === 'number' && value < 0 ? [fieldErrors.invalid(field, value, NEGATIVE)] : [];
}

/** Whether a label selector (matchLabels + matchExpressions) selects the labels. */
export function selectorMatches(selector: unknown, labels: unknown): boolean {
  const sel = obj(selector);
  const set = obj(labels);
  for (const [k, v] of Object.entries(obj(sel.matchLabels))) if (set[k] !== v) return false;
  for (const raw of list(sel.matchExpressions)) {
    const expr = obj(raw);
    const key = str(expr.key);
    const values = list(expr.values);
    const has = key in set;
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(set[key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(set[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** metav1validation.ValidateLabelSelector: keys, values and operators. */
function validateLabelSelector(selector: unknown, path: string): StatusCause[] {
  const sel = obj(selector);
  const causes = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  list(sel.matchExpressions).forEach((raw, i) => {
    const expr = obj(raw);
    const at = `${path}.matchExpressions[${i}]`;
    const values = list(expr.values);
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0)
          causes.push(
            fieldErrors.required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          causes.push(
            fieldErrors.forbidden(
              `${at}.values`,
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        break;
      default:
        causes.push(fieldErrors.invalid(`${at}.operator`, expr.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(str(expr.key)))
      causes.push(fieldErrors.invalid(`${at}.key`, expr.key, msg));
    for (const v of values)
      for (const msg of isValidLabelValue(String(v)))
        causes.push(fieldErrors.invalid(`${at}.values`, v, msg));
  });
  return causes;
}

function validatePort(value: unknown, field: string): StatusCause[] {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    return [fieldErrors.invalid(field, value, 'must be between 1 and 65535, inclusive')];
  }
  return [];
}

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateContainers(
  containers: unknown[],
  path: string,
  volumes: Set<string>,
  names: Set<string>,
): StatusCause[] {
  const causes: StatusCause[] = [];
  containers.forEach((raw, i) => {
    const c = obj(raw);
    const at = `${path}[${i}]`;
    const name = str(c.name);
    if (!name) causes.push(fieldErrors.required(`${at}.name`));
    else {
      for (const msg of isDNS1123Label(name)) causes.push(fieldErrors.invalid(`${at}.name`, name, msg));
      if (names.has(name)) causes.push(fieldErrors.duplicate(`${at}.name`, name));
      names.add(name);
    }
    if (!str(c.image)) causes.push(fieldErrors.required(`${at}.image`));
    list(c.ports).forEach((rawPort, j) => {
      const port = obj(rawPort);
      const portPath = `${at}.ports[${j}]`;
      if (port.containerPort === undefined || port.containerPort === 0)
        causes.push(fieldErrors.required(`${portPath}.containerPort`));
      else causes.push(...validatePort(port.containerPort, `${portPath}.containerPort`));
      if (port.hostPort !== undefined && port.hostPort !== 0)
        causes.push(...validatePort(port.hostPort, `${portPath}.hostPort`));
      if (port.protocol === undefined) causes.push(fieldErrors.required(`${portPath}.protocol`));
      else if (!PROTOCOLS.includes(str(port.protocol)))
        causes.push(fieldErrors.notSupported(`${portPath}.protocol`, port.protocol, PROTOCOLS));
    });
    list(c.volumeMounts).forEach((rawMount, j) => {
      const mount = obj(rawMount);
      const mountName = str(mount.name);
      if (!mountName) causes.push(fieldErrors.required(`${at}.volumeMounts[${j}].name`));
      else if (!volumes.has(mountName)) causes.push(notFound(`${at}.volumeMounts[${j}].name`, mountName));
      if (!str(mount.mountPath)) causes.push(fieldErrors.required(`${at}.volumeMounts[${j}].mountPath`));
    });
  });
  return causes;
}

/** The parts of ValidatePodSpec operators hit: containers, names, images, ports, volumes, policies. */
export function validatePodSpec(specValue: unknown, path: string): StatusCause[] {
  const spec = obj(specValue);
  const causes: StatusCause[] = [];
  const volumes = new Set<string>();
  list(spec.volumes).forEach((raw, i) => {
    const name = str(obj(raw).name);
    if (!name) causes.push(fieldErrors.required(`${path}.volumes[${i}].name`));
    else {
      for (const msg of isDNS1123Label(name))
        causes.push(fieldErrors.invalid(`${path}.volumes[${i}].name`, name, msg));
      if (volumes.has(name)) causes.push(fieldErrors.duplicate(`${path}.volumes[${i}].name`, name));
      volumes.add(name);
    }
  });
  const names = new Set<string>();
  const containers = list(spec.containers);
  if (containers.length === 0) causes.push(fieldErrors.required(`${path}.containers`));
  causes.push(...validateContainers(list(spec.initContainers), `${path}.initContainers`, volumes, names));
  causes.push(...validateContainers(containers, `${path}.containers`, volumes, names));
  const restartPolicies = ['Always', 'OnFailure', 'Never'];
  if (spec.restartPolicy === undefined) causes.push(fieldErrors.required(`${path}.restartPolicy`));
  else if (!restartPolicies.includes(str(spec.restartPolicy))) {
    causes.push(fieldErrors.notSupported(`${path}.restartPolicy`, spec.restartPolicy, restartPolicies));
  }
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (spec.dnsPolicy !== undefined && !dnsPolicies.includes(str(spec.dnsPolicy))) {
    causes.push(fieldErrors.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, dnsPolicies));
  }
  causes.push(...nonNegative(spec.terminationGracePeriodSeconds, `${path}.terminationGracePeriodSeconds`));
  return causes;
}

function validatePod(pod: Obj, old: Obj | undefined): StatusCause[] {
  const causes = validatePodSpec(pod.spec, 'spec');
  if (old) {
    // ValidatePodUpdate: only images, activeDeadlineSeconds, tolerations additions and
    // terminationGracePeriodSeconds may change.
    const strip = (spec: unknown): Obj => {
      const s = structuredClone(obj(spec));
      for (const key of ['containers', 'initContainers']) {
        s[key] = list(s[key]).map((c) => ({ ...obj(c), image: undefined }));
      }
      delete s.activeDeadlineSeconds;
      delete s.tolerations;
      delete s.terminationGracePeriodSeconds;
      return s;
    };
    if (!jsonEqual(strip(pod.spec), strip(old.spec))) {
      causes.push(
        fieldErrors.forbidden(
          'spec',
          'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        ),
      );
    }
  }
  return causes;
}

/** Selector required, non-empty and matching the template's labels (apps validation). */
function validateSelectorAndTemplate(spec: Obj, kindWord: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (spec.selector === undefined || spec.selector === null) {
    causes.push(fieldErrors.required('spec.selector'));
    return causes;
  }
  causes.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const sel = obj(spec.selector);
  if (Object.keys(obj(sel.matchLabels)).length + list(sel.matchExpressions).length === 0) {
    causes.push(
      fieldErrors.invalid('spec.selector', spec.selector, `empty selector is invalid for ${kindWord}`),
    );
    return causes;
  }
  const templateLabels = obj(obj(spec.template).metadata).labels;
  if (!selectorMatches(spec.selector, templateLabels)) {
    causes.push(
      fieldErrors.invalid(
        'spec.template.metadata.labels',
        templateLabels ?? {},
        '`selector` does not match template `labels`',
      ),
    );
  }
  return causes;
}

function templateSpec(spec: Obj): unknown {
  return obj(spec.template).spec;
}

function validateStatefulSet(sts: Obj, old: Obj | undefined): StatusCause[] {
  const spec = obj(sts.spec);
  const causes: StatusCause[] = [];
  const policy = spec.podManagementPolicy;
  if (!policy) causes.push(fieldErrors.required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') {
    causes.push(
      fieldErrors.invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"),
    );
  }
  const strategy = obj(spec.updateStrategy);
  if (!strategy.type) causes.push(fieldErrors.required('spec.updateStrategy'));
  else if (strategy.type === 'OnDelete') {
    if (strategy.rollingUpdate != null) {
      causes.push(
        fieldErrors.invalid(
          'spec.updateStrategy.rollingUpdate',
          strategy.rollingUpdate,
          "only allowed for updateStrategy 'RollingUpdate'",
        ),
      );
    }
  } else if (strategy.type === 'RollingUpdate') {
    causes.push(
      ...nonNegative(obj(strategy.rollingUpdate).partition, 'spec.updateStrategy.rollingUpdate.partition'),
    );
  } else {
    causes.push(
      fieldErrors.invalid('spec.updateStrategy', strategy, "must be 'RollingUpdate' or 'OnDelete'"),
    );
  }
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (isJsonObject(retention)) {
    for (const key of ['whenDeleted', 'whenScaled']) {
      const value = retention[key];
      if (value !== 'Retain' && value !== 'Delete') {
        causes.push(
          fieldErrors.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, value ?? '', [
            'Retain',
            'Delete',
          ]),
        );
      }
    }
  }
  causes.push(...nonNegative(spec.replicas, 'spec.replicas'));
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (isJsonObject(spec.ordinals)) causes.push(...nonNegative(spec.ordinals.start, 'spec.ordinals.start'));
  causes.push(...validateSelectorAndTemplate(spec, 'statefulset'));
  // Upstream does not validate the StatefulSet template's PodSpec (see ValidatePodTemplateSpecForStatefulSet).
  const podSpec = obj(templateSpec(spec));
  if (podSpec.restartPolicy !== 'Always') {
    causes.push(
      fieldErrors.notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy ?? '', ['Always']),
    );
  }
  if (podSpec.activeDeadlineSeconds != null) {
    causes.push(
      fieldErrors.forbidden(
        'spec.template.spec.activeDeadlineSeconds',
        'activeDeadlineSeconds in StatefulSet is not Supported',
      ),
    );
  }
  if (old) {
    const mutable = [
      'replicas',
      'template',
      'updateStrategy',
      'minReadySeconds',
      'ordinals',
      'persistentVolumeClaimRetentionPolicy',
    ];
    const rest = (s: unknown): Obj =>
      Object.fromEntries(Object.entries(obj(s)).filter(([k]) => !mutable.includes(k)));
    if (!jsonEqual(rest(sts.spec), rest(old.spec))) {
      causes.push(
        fieldErrors.forbidden(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  }
  return causes;
}

function validateWorkload(kindWord: string, o: Obj, old: Obj | undefined): StatusCause[] {
  const spec = obj(o.spec);
  const causes: StatusCause[] = [];
  causes.push(...nonNegative(spec.replicas, 'spec.replicas'));
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  causes.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  causes.push(...validateSelectorAndTemplate(spec, kindWord));
  causes.push(...validatePodSpec(templateSpec(spec), 'spec.template.spec'));
  const podSpec = obj(templateSpec(spec));
  if (podSpec.restartPolicy !== undefined && podSpec.restartPolicy !== 'Always') {
    causes.push(
      fieldErrors.notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy, ['Always']),
    );
  }
  if (kindWord === 'deployment') {
    const strategy = obj(spec.strategy);
    if (strategy.type !== undefined && strategy.type !== 'Recreate' && strategy.type !== 'RollingUpdate') {
      causes.push(
        fieldErrors.notSupported('spec.strategy.type', strategy.type, ['Recreate', 'RollingUpdate']),
      );
    }
    if (strategy.type === 'Recreate' && strategy.rollingUpdate != null) {
      causes.push(
        fieldErrors.forbidden(
          'spec.strategy.rollingUpdate',
          "may not be specified when strategy `type` is 'Recreate'",
        ),
      );
    }
  }
  if (old && !jsonEqual(spec.selector, obj(old.spec).selector)) {
    causes.push(fieldErrors.invalid('spec.selector', spec.selector, IMMUTABLE));
  }
  return causes;
}

function validateService(svc: Obj, old: Obj | undefined): StatusCause[] {
  const spec = obj(svc.spec);
  const causes: StatusCause[] = [];
  const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  const type = spec.type ?? 'ClusterIP';
  if (!types.includes(str(type))) causes.push(fieldErrors.notSupported('spec.type', type, types));
  const ports = list(spec.ports);
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && type !== 'ExternalName' && !headless)
    causes.push(fieldErrors.required('spec.ports'));
  if (type === 'ExternalName' && !str(spec.externalName))
    causes.push(fieldErrors.required('spec.externalName'));
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((raw, i) => {
    const port = obj(raw);
    const at = `spec.ports[${i}]`;
    const name = str(port.name);
    if (ports.length > 1 && !name) causes.push(fieldErrors.required(`${at}.name`));
    if (name) {
      for (const msg of isDNS1123Label(name)) causes.push(fieldErrors.invalid(`${at}.name`, name, msg));
      if (names.has(name)) causes.push(fieldErrors.duplicate(`${at}.name`, name));
      names.add(name);
    }
    causes.push(...validatePort(port.port, `${at}.port`));
    const protocol = port.protocol ?? 'TCP';
    if (!PROTOCOLS.includes(str(protocol)))
      causes.push(fieldErrors.notSupported(`${at}.protocol`, protocol, PROTOCOLS));
    const key = `${String(port.port)}/${String(protocol)}`;
    if (seen.has(key)) causes.push(fieldErrors.duplicate(at, { port: port.port, protocol }));
    seen.add(key);
    if (typeof port.targetPort === 'number' && port.targetPort !== 0)
      causes.push(...validatePort(port.targetPort, `${at}.targetPort`));
    if (
      port.nodePort !== undefined &&
      port.nodePort !== 0 &&
      type !== 'NodePort' &&
      type !== 'LoadBalancer'
    ) {
      causes.push(fieldErrors.forbidden(`${at}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
    }
  });
  causes.push(...validateLabels(spec.selector, 'spec.selector'));
  if (old) {
    const oldSpec = obj(old.spec);
    if (
      oldSpec.clusterIP &&
      spec.clusterIP !== undefined &&
      spec.clusterIP !== oldSpec.clusterIP &&
      type !== 'ExternalName'
    ) {
      causes.push(fieldErrors.invalid('spec.clusterIPs[0]', spec.clusterIP, 'may not change once set'));
    }
  }
  return causes;
}

function validateDataKeys(o: Obj, maxBytes: number): StatusCause[] {
  const causes: StatusCause[] = [];
  const binary = obj(o.binaryData);
  const stringKeys = o.kind === 'Secret' ? obj(o.stringData) : {};
  let size = 0;
  const dataField = o.kind === 'Secret' ? 'data' : 'data';
  for (const [key, value] of Object.entries(obj(o.data))) {
    for (const msg of isConfigMapKey(key)) causes.push(fieldErrors.invalid(`${dataField}[${key}]`, key, msg));
    if (key in binary)
      causes.push(fieldErrors.invalid(`${dataField}[${key}]`, key, 'duplicate of key present in binaryData'));
    size += String(value).length;
  }
  for (const [key, value] of Object.entries(binary)) {
    for (const msg of isConfigMapKey(key)) causes.push(fieldErrors.invalid(`binaryData[${key}]`, key, msg));
    size += String(value).length;
  }
  for (const key of Object.keys(stringKeys)) {
    for (const msg of isConfigMapKey(key)) causes.push(fieldErrors.invalid(`stringData[${key}]`, key, msg));
  }
  if (size > maxBytes)
    causes.push({
      reason: 'FieldValueTooLong',
      field: '',
      message: `Too long: must have at most ${maxBytes} bytes`,
    });
  return causes;
}

function validateImmutableData(o: Obj, old: Obj | undefined): StatusCause[] {
  if (!old || old.immutable !== true) return [];
  const causes: StatusCause[] = [];
  if (!jsonEqual(o.data ?? {}, old.data ?? {}))
    causes.push(fieldErrors.forbidden('data', 'field is immutable when `immutable` is set'));
  if (!jsonEqual(o.binaryData ?? {}, old.binaryData ?? {}))
    causes.push(fieldErrors.forbidden('binaryData', 'field is immutable when `immutable` is set'));
  if (o.immutable !== true)
    causes.push(fieldErrors.forbidden('immutable', 'field is immutable when `immutable` is set'));
  return causes;
}

function validateLease(lease: Obj): StatusCause[] {
  const spec = obj(lease.spec);
  const causes: StatusCause[] = [];
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    causes.push(
      fieldErrors.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'),
    );
  }
  causes.push(...nonNegative(spec.leaseTransitions, 'spec.leaseTransitions'));
  return causes;
}

function validatePdb(pdb: Obj): StatusCause[] {
  const spec = obj(pdb.spec);
  const causes: StatusCause[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null) {
    causes.push(fieldErrors.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  if (spec.selector != null) causes.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  return causes;
}

/**
 * Kind-specific checks of a built-in object (not its metadata: see validateObjectMeta), on create
 * or, with `old`, on update. Returns the causes for a 422; unknown kinds pass.
 */
export function validateBuiltin(object: object, old?: object): StatusCause[] {
  const o = object as Obj;
  const previous = old as Obj | undefined;
  switch (`${String(o.apiVersion)}/${String(o.kind)}`) {
    case 'v1/Pod':
      return validatePod(o, previous);
    case 'apps/v1/StatefulSet':
      return validateStatefulSet(o, previous);
    case 'apps/v1/Deployment':
      return validateWorkload('deployment', o, previous);
    case 'apps/v1/ReplicaSet':
      return validateWorkload('replicaset', o, previous);
    case 'apps/v1/DaemonSet':
      return validateWorkload('daemonset', o, previous);
    case 'v1/Service':
      return validateService(o, previous);
    case 'v1/ConfigMap':
      return [...validateDataKeys(o, 1024 * 1024), ...validateImmutableData(o, previous)];
    case 'v1/Secret': {
      const causes = [...validateDataKeys(o, 1024 * 1024), ...validateImmutableData(o, previous)];
      if (previous && previous.type !== undefined && o.type !== previous.type)
        causes.push(fieldErrors.invalid('type', o.type, IMMUTABLE));
      return causes;
    }
    case 'coordination.k8s.io/v1/Lease':
      return validateLease(o);
    case 'policy/v1/PodDisruptionBudget':
      return validatePdb(o);
    default:
      return [];
  }
}
