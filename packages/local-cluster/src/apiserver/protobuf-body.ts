/**
 * Decoding of `application/vnd.kubernetes.protobuf` request bodies for the few kinds kubectl's
 * typed generators send that way (`kubectl create namespace|configmap|secret|serviceaccount|deployment|
 * service|job|cronjob|role|rolebinding|clusterrole|clusterrolebinding`, `kubectl auth can-i`): only the
 * fields those commands set are mapped, everything else on the wire is skipped.
 * The envelope is k8s.io/apimachinery/pkg/runtime/serializer/protobuf: the magic `k8s\0`, then a
 * runtime.Unknown message whose `raw` field holds the object's message. Field numbers are those
 * of the generated.proto files of k8s.io/api and k8s.io/apimachinery (stable wire facts).
 * Other kinds answer 415, so that the response names the gap instead of guessing.
 */
import { ApiError, type JsonObject, type JsonValue } from '../api/index.js';

/** How one protobuf field maps to JSON. */
type FieldKind =
  | { type: 'string' | 'bool' | 'int' | 'bytes' | 'time' | 'rawJson' | 'quantity' | 'intOrString' }
  | { type: 'message'; message: string }
  | { type: 'map'; value: 'string' | 'bytes' | 'quantity' };

interface FieldSpec {
  name: string;
  kind: FieldKind;
  repeated?: boolean;
  /**
   * A Go pointer field: on the wire only when set, so a zero value is kept. gogo-protobuf writes
   * every non-pointer scalar, and Go's JSON (omitempty) drops their zero values: so do we.
   */
  pointer?: boolean;
}

type MessageSpec = Record<number, FieldSpec>;

const str = (name: string, repeated = false): FieldSpec => ({
  name,
  kind: { type: 'string' },
  ...(repeated ? { repeated } : {}),
});
const msg = (name: string, message: string, repeated = false): FieldSpec => ({
  name,
  kind: { type: 'message', message },
  ...(repeated ? { repeated } : {}),
});

const int = (name: string, pointer = false): FieldSpec => ({
  name,
  kind: { type: 'int' },
  ...(pointer ? { pointer } : {}),
});
const bool = (name: string, pointer = false): FieldSpec => ({
  name,
  kind: { type: 'bool' },
  ...(pointer ? { pointer } : {}),
});
const map = (name: string, value: 'string' | 'bytes' | 'quantity' = 'string'): FieldSpec => ({
  name,
  kind: { type: 'map', value },
});

const MESSAGES: Record<string, MessageSpec> = {
  // k8s.io/apimachinery/pkg/runtime/generated.proto
  'runtime.TypeMeta': { 1: str('apiVersion'), 2: str('kind') },
  'runtime.Unknown': {
    1: msg('typeMeta', 'runtime.TypeMeta'),
    2: { name: 'raw', kind: { type: 'bytes' } },
    3: str('contentEncoding'),
    4: str('contentType'),
  },
  // k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
  ObjectMeta: {
    1: str('name'),
    2: str('generateName'),
    3: str('namespace'),
    4: str('selfLink'),
    5: str('uid'),
    6: str('resourceVersion'),
    7: int('generation'),
    8: { name: 'creationTimestamp', kind: { type: 'time' } },
    9: { name: 'deletionTimestamp', kind: { type: 'time' } },
    10: int('deletionGracePeriodSeconds', true),
    11: { name: 'labels', kind: { type: 'map', value: 'string' } },
    12: { name: 'annotations', kind: { type: 'map', value: 'string' } },
    13: msg('ownerReferences', 'OwnerReference', true),
    14: str('finalizers', true),
    17: msg('managedFields', 'ManagedFieldsEntry', true),
  },
  OwnerReference: {
    1: str('kind'),
    3: str('name'),
    4: str('uid'),
    5: str('apiVersion'),
    6: bool('controller', true),
    7: bool('blockOwnerDeletion', true),
  },
  ManagedFieldsEntry: {
    1: str('manager'),
    2: str('operation'),
    3: str('apiVersion'),
    4: { name: 'time', kind: { type: 'time' } },
    6: str('fieldsType'),
    7: { name: 'fieldsV1', kind: { type: 'rawJson' } },
    8: str('subresource'),
  },
  // k8s.io/api/core/v1/generated.proto
  Namespace: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'NamespaceSpec'),
    3: msg('status', 'NamespaceStatus'),
  },
  NamespaceSpec: { 1: str('finalizers', true) },
  NamespaceStatus: { 1: str('phase') },
  ConfigMap: {
    1: msg('metadata', 'ObjectMeta'),
    2: { name: 'data', kind: { type: 'map', value: 'string' } },
    3: { name: 'binaryData', kind: { type: 'map', value: 'bytes' } },
    4: bool('immutable', true),
  },
  Secret: {
    1: msg('metadata', 'ObjectMeta'),
    2: { name: 'data', kind: { type: 'map', value: 'bytes' } },
    3: str('type'),
    4: { name: 'stringData', kind: { type: 'map', value: 'string' } },
    5: bool('immutable', true),
  },
  ServiceAccount: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('secrets', 'ObjectReference', true),
    3: msg('imagePullSecrets', 'LocalObjectReference', true),
    4: bool('automountServiceAccountToken', true),
  },
  ObjectReference: {
    1: str('kind'),
    2: str('namespace'),
    3: str('name'),
    4: str('uid'),
    5: str('apiVersion'),
    6: str('resourceVersion'),
    7: str('fieldPath'),
  },
  LocalObjectReference: { 1: str('name') },
  // k8s.io/api/authorization/v1/generated.proto (kubectl auth can-i)
  SelfSubjectAccessReview: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'SelfSubjectAccessReviewSpec'),
  },
  SelfSubjectAccessReviewSpec: {
    1: msg('resourceAttributes', 'ResourceAttributes'),
    2: msg('nonResourceAttributes', 'NonResourceAttributes'),
  },
  ResourceAttributes: {
    1: str('namespace'),
    2: str('verb'),
    3: str('group'),
    4: str('version'),
    5: str('resource'),
    6: str('subresource'),
    7: str('name'),
  },
  NonResourceAttributes: { 1: str('path'), 2: str('verb') },
  // k8s.io/api/rbac/v1/generated.proto
  Role: { 1: msg('metadata', 'ObjectMeta'), 2: msg('rules', 'PolicyRule', true) },
  ClusterRole: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('rules', 'PolicyRule', true),
    3: msg('aggregationRule', 'AggregationRule'),
  },
  AggregationRule: { 1: msg('clusterRoleSelectors', 'LabelSelector', true) },
  PolicyRule: {
    1: str('verbs', true),
    2: str('apiGroups', true),
    3: str('resources', true),
    4: str('resourceNames', true),
    5: str('nonResourceURLs', true),
  },
  RoleBinding: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('subjects', 'Subject', true),
    3: msg('roleRef', 'RoleRef'),
  },
  ClusterRoleBinding: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('subjects', 'Subject', true),
    3: msg('roleRef', 'RoleRef'),
  },
  Subject: { 1: str('kind'), 2: str('apiGroup'), 3: str('name'), 4: str('namespace') },
  RoleRef: { 1: str('apiGroup'), 2: str('kind'), 3: str('name') },
  // k8s.io/apimachinery meta/v1 LabelSelector
  LabelSelector: { 1: map('matchLabels'), 2: msg('matchExpressions', 'LabelSelectorRequirement', true) },
  LabelSelectorRequirement: { 1: str('key'), 2: str('operator'), 3: str('values', true) },
  // apps/v1 Deployment, batch/v1 Job and CronJob, core/v1 Service: the fields kubectl create sets
  Deployment: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'DeploymentSpec') },
  DeploymentSpec: {
    1: int('replicas', true),
    2: msg('selector', 'LabelSelector'),
    3: msg('template', 'PodTemplateSpec'),
    4: msg('strategy', 'DeploymentStrategy'),
  },
  DeploymentStrategy: { 1: str('type') },
  Job: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'JobSpec') },
  JobSpec: {
    1: int('parallelism', true),
    2: int('completions', true),
    4: msg('selector', 'LabelSelector'),
    6: msg('template', 'PodTemplateSpec'),
    7: int('backoffLimit', true),
  },
  CronJob: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'CronJobSpec') },
  CronJobSpec: {
    1: str('schedule'),
    3: str('concurrencyPolicy'),
    4: bool('suspend', true),
    5: msg('jobTemplate', 'JobTemplateSpec'),
  },
  JobTemplateSpec: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'JobSpec') },
  PodTemplateSpec: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'PodSpec') },
  PodSpec: {
    2: msg('containers', 'Container', true),
    3: str('restartPolicy'),
    8: str('serviceAccountName'),
    10: str('nodeName'),
  },
  Container: {
    1: str('name'),
    2: str('image'),
    3: str('command', true),
    4: str('args', true),
    5: str('workingDir'),
    6: msg('ports', 'ContainerPort', true),
    7: msg('env', 'EnvVar', true),
    8: msg('resources', 'ResourceRequirements'),
    14: str('imagePullPolicy'),
  },
  ContainerPort: {
    1: str('name'),
    2: int('hostPort'),
    3: int('containerPort'),
    4: str('protocol'),
    5: str('hostIP'),
  },
  EnvVar: { 1: str('name'), 2: str('value') },
  ResourceRequirements: { 1: map('limits', 'quantity'), 2: map('requests', 'quantity') },
  Service: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'ServiceSpec') },
  ServiceSpec: {
    1: msg('ports', 'ServicePort', true),
    2: map('selector'),
    3: str('clusterIP'),
    4: str('type'),
    10: str('externalName'),
  },
  ServicePort: {
    1: str('name'),
    2: str('protocol'),
    3: int('port'),
    4: { name: 'targetPort', kind: { type: 'intOrString' } },
    5: int('nodePort'),
  },
};

/** The kinds (`apiVersion/kind`) whose protobuf bodies this server decodes. */
const ROOTS: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'apps/v1/Deployment': 'Deployment',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'v1/Service': 'Service',
};

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

class WireReader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.end) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

function toInt(v: bigint): number {
  // int64 is two's complement in a varint
  return Number(BigInt.asIntN(64, v));
}

function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

function decodeMessage(buf: Uint8Array, name: string): JsonObject {
  const spec = MESSAGES[name];
  if (!spec) throw new Error(`no protobuf schema for ${name}`);
  const r = new WireReader(buf);
  const out: JsonObject = {};
  while (r.pos < r.end) {
    const tag = Number(r.varint());
    const field = spec[tag >>> 3];
    const wireType = tag & 7;
    if (!field) {
      r.skip(wireType);
      continue;
    }
    const value = decodeField(r, field.kind, wireType);
    if (field.kind.type === 'map') {
      const [k, v] = value as [string, JsonValue];
      const map = (out[field.name] as JsonObject | undefined) ?? {};
      map[k] = v;
      out[field.name] = map;
    } else if (field.repeated) {
      const list = (out[field.name] as JsonValue[] | undefined) ?? [];
      list.push(value as JsonValue);
      out[field.name] = list;
    } else if (field.pointer || (value !== '' && value !== null && value !== 0 && value !== false)) {
      out[field.name] = value as JsonValue;
    }
  }
  return out;
}

function decodeField(r: WireReader, kind: FieldKind, wireType: number): JsonValue | [string, JsonValue] {
  switch (kind.type) {
    case 'string':
      return new TextDecoder().decode(r.bytes());
    case 'bool':
      return r.varint() !== 0n;
    case 'int':
      return toInt(r.varint());
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
    case 'rawJson': {
      // FieldsV1 { bytes Raw = 1 }: the field set as JSON text
      const inner = new WireReader(r.bytes());
      let raw: JsonValue = {};
      while (inner.pos < inner.end) {
        const tag = Number(inner.varint());
        if (tag >>> 3 === 1) raw = JSON.parse(new TextDecoder().decode(inner.bytes())) as JsonValue;
        else inner.skip(tag & 7);
      }
      return raw;
    }
    case 'time': {
      const inner = new WireReader(r.bytes());
      let seconds: number | undefined;
      while (inner.pos < inner.end) {
        const tag = Number(inner.varint());
        if (tag >>> 3 === 1) seconds = toInt(inner.varint());
        else inner.skip(tag & 7);
      }
      // metav1.Time marshals the zero time as an empty message: "unset"
      return seconds === undefined || seconds <= -62135596800 ? null : rfc3339(seconds);
    }
    case 'quantity':
      return quantity(r.bytes());
    case 'intOrString': {
      // intstr.IntOrString { type = 1 (0 int, 1 string); intVal = 2; strVal = 3 }
      const inner = new WireReader(r.bytes());
      let kind = 0;
      let intVal = 0;
      let strVal = '';
      while (inner.pos < inner.end) {
        const tag = Number(inner.varint());
        if (tag >>> 3 === 1) kind = toInt(inner.varint());
        else if (tag >>> 3 === 2) intVal = toInt(inner.varint());
        else if (tag >>> 3 === 3) strVal = new TextDecoder().decode(inner.bytes());
        else inner.skip(tag & 7);
      }
      return kind === 1 ? strVal : intVal;
    }
    case 'message':
      if (wireType !== 2) throw new Error('expected a length-delimited message');
      return decodeMessage(r.bytes(), kind.message);
    case 'map': {
      const entry = new WireReader(r.bytes());
      let key = '';
      let value: JsonValue = kind.value === 'bytes' ? '' : '';
      while (entry.pos < entry.end) {
        const tag = Number(entry.varint());
        const bytes = entry.bytes();
        if (tag >>> 3 === 1) key = new TextDecoder().decode(bytes);
        else if (tag >>> 3 === 2) {
          value =
            kind.value === 'bytes'
              ? Buffer.from(bytes).toString('base64')
              : kind.value === 'quantity'
                ? quantity(bytes)
                : new TextDecoder().decode(bytes);
        }
      }
      return [key, value];
    }
  }
}

/** resource.Quantity { string string = 1 }. */
function quantity(bytes: Uint8Array): string {
  const r = new WireReader(bytes);
  let text = '';
  while (r.pos < r.end) {
    const tag = Number(r.varint());
    if (tag >>> 3 === 1) text = new TextDecoder().decode(r.bytes());
    else r.skip(tag & 7);
  }
  return text;
}

function unsupported(detail: string): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${detail})`,
    reason: 'UnsupportedMediaType',
    code: 415,
  });
}

/** Decodes a Kubernetes protobuf request body into the object's JSON form; 415 for kinds it cannot decode. */
export function decodeProtobufObject(body: Uint8Array): JsonObject {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b))
    throw unsupported('protobuf body without the k8s envelope');
  let unknown: JsonObject;
  try {
    unknown = decodeMessage(body.subarray(4), 'runtime.Unknown');
  } catch (e) {
    throw unsupported(`malformed protobuf: ${(e as Error).message}`);
  }
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const root = ROOTS[`${typeMeta.apiVersion ?? ''}/${typeMeta.kind ?? ''}`];
  if (!root)
    throw unsupported(`protobuf is not supported for ${typeMeta.apiVersion ?? ''}/${typeMeta.kind ?? ''}`);
  try {
    const raw = Buffer.from(String(unknown.raw ?? ''), 'base64');
    return { apiVersion: typeMeta.apiVersion ?? '', kind: typeMeta.kind ?? '', ...decodeMessage(raw, root) };
  } catch (e) {
    throw unsupported(`malformed protobuf: ${(e as Error).message}`);
  }
}
