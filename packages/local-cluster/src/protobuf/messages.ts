/**
 * The protobuf message definitions of the built-in Kubernetes types, read from
 * `data/protobuf-messages.json` (generated from kubectl binaries by
 * `scripts/generate-protobuf-descriptors.js`), and the mapping from apiVersion + kind to a message.
 */
import { readFileSync } from 'node:fs';

/** A message field: its number, JSON name, type and how it is encoded. */
export interface FieldDef {
  number: number;
  jsonName: string;
  /** A scalar type name (`string`, `int64`, `bytes`, ...) or a message full name. */
  type: string;
  /** For `map<K,V>` fields: the key scalar and the value scalar or message name. */
  map?: { key: string; value: string };
  repeated: boolean;
  /** A Go value (non-pointer) field: always encoded, so its zero value means "unset". */
  value: boolean;
  /** A Go embedded struct whose fields JSON shows in the enclosing object. */
  inline: boolean;
  /** A value scalar whose JSON tag lacks `omitempty`: Go's JSON shows its zero value. */
  showZero: boolean;
}

export interface MessageDef {
  name: string;
  /** In declaration order, which is the Go struct's (and so the JSON's) field order. */
  fields: FieldDef[];
  byNumber: Map<number, FieldDef>;
}

type RawField = [number, string, string, string?];

interface MessagesFile {
  header: Record<string, unknown>;
  messages: Record<string, RawField[]>;
}

let file: MessagesFile | undefined;
const parsed = new Map<string, MessageDef>();

function messagesFile(): MessagesFile {
  // data/ sits at the package root: two levels up from both src/protobuf and dist/protobuf.
  file ??= JSON.parse(
    readFileSync(new URL('../../data/protobuf-messages.json', import.meta.url), 'utf8'),
  ) as MessagesFile;
  return file;
}

function parseField([number, jsonName, type, flags = '']: RawField): FieldDef {
  const mapType = /^map<([^,]+),(.+)>$/.exec(type);
  return {
    number,
    jsonName,
    type,
    ...(mapType ? { map: { key: mapType[1], value: mapType[2] } } : {}),
    repeated: flags.includes('r'),
    value: flags.includes('v'),
    inline: flags.includes('i'),
    showZero: flags.includes('z'),
  };
}

/** The message with this full name (e.g. `k8s.io.api.core.v1.Pod`), or undefined. */
export function messageDef(name: string): MessageDef | undefined {
  let def = parsed.get(name);
  if (def) return def;
  const raw = messagesFile().messages[name];
  if (!raw) return undefined;
  const fields = raw.map(parseField);
  def = { name, fields, byNumber: new Map(fields.map((f) => [f.number, f])) };
  parsed.set(name, def);
  return def;
}

/** Where the message definitions come from (kubectl versions, licence). */
export function protobufMessagesSource(): Record<string, unknown> {
  return { ...messagesFile().header };
}

/** API group -> proto package segment under k8s.io.api (k8s.io/api/<segment>/<version>). */
const PACKAGE_BY_GROUP: Record<string, string> = {
  '': 'core',
  'admission.k8s.io': 'admission',
  'admissionregistration.k8s.io': 'admissionregistration',
  'apidiscovery.k8s.io': 'apidiscovery',
  'internal.apiserver.k8s.io': 'apiserverinternal',
  apps: 'apps',
  'authentication.k8s.io': 'authentication',
  'authorization.k8s.io': 'authorization',
  autoscaling: 'autoscaling',
  batch: 'batch',
  'certificates.k8s.io': 'certificates',
  'coordination.k8s.io': 'coordination',
  'discovery.k8s.io': 'discovery',
  'events.k8s.io': 'events',
  extensions: 'extensions',
  'flowcontrol.apiserver.k8s.io': 'flowcontrol',
  'imagepolicy.k8s.io': 'imagepolicy',
  'networking.k8s.io': 'networking',
  'node.k8s.io': 'node',
  policy: 'policy',
  'rbac.authorization.k8s.io': 'rbac',
  'resource.k8s.io': 'resource',
  'scheduling.k8s.io': 'scheduling',
  'storage.k8s.io': 'storage',
  'storagemigration.k8s.io': 'storagemigration',
};

const META_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1';
/**
 * The meta/v1 kinds every group version accepts (metav1.AddToGroupVersion registers them, plus
 * Status and WatchEvent, into each external group version), so `apps/v1` DeleteOptions is
 * meta/v1's message.
 */
const META_KINDS = new Set([
  'DeleteOptions',
  'ListOptions',
  'GetOptions',
  'CreateOptions',
  'UpdateOptions',
  'PatchOptions',
  'Status',
  'WatchEvent',
]);

/**
 * The message of an apiVersion + kind: `apps/v1` StatefulSet -> `k8s.io.api.apps.v1.StatefulSet`,
 * `v1` Pod -> `k8s.io.api.core.v1.Pod`, any version's DeleteOptions -> meta/v1's. Undefined when
 * no message is known (custom resources have none; kubectl sends them as JSON).
 */
export function messageNameFor(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (!version || !kind) return undefined;
  const candidates: string[] = [];
  if (group === 'meta.k8s.io') candidates.push(`k8s.io.apimachinery.pkg.apis.meta.${version}.${kind}`);
  const pkg = PACKAGE_BY_GROUP[group];
  if (pkg) candidates.push(`k8s.io.api.${pkg}.${version}.${kind}`);
  if (group === 'apiextensions.k8s.io') {
    candidates.push(`k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.${version}.${kind}`);
  }
  if (META_KINDS.has(kind)) candidates.push(`${META_V1}.${kind}`);
  return candidates.find((name) => messageDef(name) !== undefined);
}
