import type { JsonObject, JsonValue } from '../api/index.js';
import type { ResourceType } from '../registry/index.js';
import type { MapType, TypeRef, TypeSet } from '../schema/index.js';

/** Which OpenAPI dialect a schema is written for: refs and `allOf` wrapping differ. */
export type OpenApiFlavour = 'v2' | 'v3';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const OBJECT_META = `${META}.ObjectMeta`;
export const LIST_META = `${META}.ListMeta`;
export const STATUS = `${META}.Status`;
export const DELETE_OPTIONS = `${META}.DeleteOptions`;
export const WATCH_EVENT = `${META}.WatchEvent`;
export const PATCH = `${META}.Patch`;

/** Where `$ref`s point in each flavour. */
export function refTo(flavour: OpenApiFlavour, name: string): string {
  return flavour === 'v3' ? `#/components/schemas/${name}` : `#/definitions/${name}`;
}

const str: JsonObject = { type: 'string' };
const int64: JsonObject = { type: 'integer', format: 'int64' };

/**
 * Named types whose published schema is not their Go structure (custom JSON marshalling), as the
 * OpenAPIDefinition overrides in k8s.io/apimachinery declare them.
 */
const WELL_KNOWN: Record<string, JsonObject> = {
  [`${META}.Time`]: { type: 'string', format: 'date-time' },
  [`${META}.MicroTime`]: { type: 'string', format: 'date-time' },
  [`${META}.FieldsV1`]: { type: 'object' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': {},
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': {},
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': {},
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': {},
};

/** meta/v1 types that the SMD schema does not carry (they are never applied) but paths refer to. */
function syntheticMetaTypes(flavour: OpenApiFlavour): Record<string, JsonObject> {
  const ref = (name: string): JsonObject => ({ $ref: refTo(flavour, name) });
  return {
    [LIST_META]: {
      type: 'object',
      properties: { continue: str, remainingItemCount: int64, resourceVersion: str, selfLink: str },
    },
    [STATUS]: {
      type: 'object',
      properties: {
        apiVersion: str,
        code: { type: 'integer', format: 'int32' },
        details: ref(`${META}.StatusDetails`),
        kind: str,
        message: str,
        metadata: ref(LIST_META),
        reason: str,
        status: str,
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
    },
    [`${META}.StatusDetails`]: {
      type: 'object',
      properties: {
        causes: { type: 'array', items: ref(`${META}.StatusCause`), 'x-kubernetes-list-type': 'atomic' },
        group: str,
        kind: str,
        name: str,
        retryAfterSeconds: { type: 'integer', format: 'int32' },
        uid: str,
      },
    },
    [`${META}.StatusCause`]: { type: 'object', properties: { field: str, message: str, reason: str } },
    [WATCH_EVENT]: {
      type: 'object',
      required: ['type', 'object'],
      properties: { object: ref('io.k8s.apimachinery.pkg.runtime.RawExtension'), type: str },
    },
    [PATCH]: {
      type: 'object',
      description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    },
  };
}

function gvkExtension(group: string, version: string, kind: string): JsonValue {
  return [{ group, kind, version }];
}

/** The published schema name of a custom resource kind: the reversed group, e.g. `dev.opkit.v1.Widget`. */
export function customTypeName(type: ResourceType, kind = type.kind): string {
  return `${type.group.split('.').reverse().join('.')}.${type.version}.${kind}`;
}

/** The schema name of a type's kind (built-in from the SMD schema naming, custom from its group). */
export function kindSchemaName(type: ResourceType): string {
  return type.schemaTypeName ?? customTypeName(type);
}

/** The schema name of a type's list kind. */
export function listSchemaName(type: ResourceType): string {
  return type.schemaTypeName ? `${type.schemaTypeName}List` : customTypeName(type, type.listKind);
}

/**
 * Builds the OpenAPI schemas of a set of types from the SMD schema: every type reachable from the
 * roots, with the extensions kubectl and client libraries read (group-version-kind, list type and
 * map keys, patch strategy and merge key, map type).
 */
export class OpenApiSchemaBuilder {
  private readonly out: Record<string, JsonObject> = {};
  private readonly pending: string[] = [];
  private readonly synthetic: Record<string, JsonObject>;
  private readonly gvks = new Map<string, { group: string; version: string; kind: string }[]>();

  constructor(
    private readonly types: TypeSet,
    private readonly flavour: OpenApiFlavour,
  ) {
    this.synthetic = syntheticMetaTypes(flavour);
  }

  /** Marks a named type as the schema of a kind (it gets `x-kubernetes-group-version-kind`). */
  addKind(name: string, group: string, version: string, kind: string): void {
    const list = this.gvks.get(name) ?? [];
    if (!list.some((g) => g.group === group && g.version === version && g.kind === kind))
      list.push({ group, version, kind });
    this.gvks.set(name, list);
    this.require(name);
  }

  /** A list kind (`PodList`): items of the element type, ListMeta metadata. */
  addListKind(listName: string, itemName: string, group: string, version: string, listKind: string): void {
    this.out[listName] = {
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: str,
        items: { type: 'array', items: this.ref(itemName) },
        kind: str,
        metadata: this.fieldRef(LIST_META),
      },
      'x-kubernetes-group-version-kind': gvkExtension(group, version, listKind),
    };
    this.require(itemName);
    this.require(LIST_META);
  }

  /** Adds a schema given directly (custom resources), requiring the types it refers to. */
  addSchema(name: string, schema: JsonObject): void {
    this.out[name] = schema;
    this.collectRefs(schema);
  }

  /** Makes sure a named type is in the output. */
  require(name: string): void {
    if (!(name in this.out) && !this.pending.includes(name)) this.pending.push(name);
  }

  /** A `$ref` to a named type (and requires it). */
  ref(name: string): JsonObject {
    this.require(name);
    return { $ref: refTo(this.flavour, name) };
  }

  /** Every schema: the requested ones and their closure. */
  build(): Record<string, JsonObject> {
    while (this.pending.length) {
      const name = this.pending.shift() as string;
      if (name in this.out) continue;
      this.out[name] = this.named(name);
    }
    for (const [name, gvks] of this.gvks) {
      const schema = this.out[name];
      if (schema) schema['x-kubernetes-group-version-kind'] = gvks as unknown as JsonValue;
    }
    const sorted: Record<string, JsonObject> = {};
    for (const name of Object.keys(this.out).sort()) sorted[name] = this.out[name] as JsonObject;
    return sorted;
  }

  private named(name: string): JsonObject {
    const wellKnown = WELL_KNOWN[name];
    if (wellKnown) return { ...wellKnown };
    const synthetic = this.synthetic[name];
    if (synthetic) {
      this.collectRefs(synthetic);
      return structuredClone(synthetic);
    }
    if (this.types.has(name)) return this.convert(this.types.resolve({ namedType: name }));
    // A kind the SMD schema lacks (never applied, e.g. review kinds): an object with standard metadata.
    if (this.gvks.has(name)) {
      return {
        type: 'object',
        properties: { apiVersion: str, kind: str, metadata: this.fieldRef(OBJECT_META) },
        'x-kubernetes-preserve-unknown-fields': true,
      };
    }
    return {};
  }

  /** A reference in field position: v3 wraps it in allOf when it carries siblings; we carry none. */
  private fieldRef(name: string, extra: JsonObject = {}): JsonObject {
    if (this.flavour === 'v3' && Object.keys(extra).length) return { allOf: [this.ref(name)], ...extra };
    return this.ref(name);
  }

  private convert(ref: TypeRef, extra: JsonObject = {}): JsonObject {
    if (ref.namedType !== undefined) {
      if (ref.namedType.startsWith('__untyped')) return { ...extra };
      return this.fieldRef(ref.namedType, extra);
    }
    if (ref.map) return { ...this.convertMap(ref.map), ...extra };
    if (ref.list) {
      const list = ref.list;
      const schema: JsonObject = { type: 'array', items: this.convert(list.elementType) };
      if (list.elementRelationship === 'associative' && list.keys?.length) {
        schema['x-kubernetes-list-map-keys'] = list.keys;
        schema['x-kubernetes-list-type'] = 'map';
        schema['x-kubernetes-patch-merge-key'] = list.keys[0] as string;
        schema['x-kubernetes-patch-strategy'] = 'merge';
      } else if (list.elementRelationship === 'associative') {
        schema['x-kubernetes-list-type'] = 'set';
        schema['x-kubernetes-patch-strategy'] = 'merge';
      } else {
        schema['x-kubernetes-list-type'] = 'atomic';
      }
      return { ...schema, ...extra };
    }
    switch (ref.scalar) {
      case 'string':
        return { type: 'string', ...extra };
      case 'numeric':
        // SMD does not tell integers from floats; nearly every numeric API field is an integer.
        return { type: 'integer', format: 'int64', ...extra };
      case 'boolean':
        return { type: 'boolean', ...extra };
      default:
        return { ...extra };
    }
  }

  private convertMap(map: MapType): JsonObject {
    const schema: JsonObject = { type: 'object' };
    if (map.fields?.length) {
      const properties: JsonObject = {};
      for (const f of map.fields) {
        properties[f.name] = this.convert(f.type, f.default !== undefined ? { default: f.default } : {});
      }
      schema.properties = properties;
    }
    if (map.elementType && !map.elementType.namedType?.startsWith('__untyped')) {
      schema.additionalProperties = this.convert(map.elementType);
    }
    if (map.elementRelationship === 'atomic') schema['x-kubernetes-map-type'] = 'atomic';
    return schema;
  }

  private collectRefs(value: unknown): void {
    if (Array.isArray(value)) {
      for (const v of value) this.collectRefs(v);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === '$ref' && typeof v === 'string') {
          const name = v.slice(v.lastIndexOf('/') + 1);
          this.require(name);
        } else {
          this.collectRefs(v);
        }
      }
    }
  }
}

/** Keywords OpenAPI v2 (Swagger 2.0) has no room for: dropped when a CRD schema is published as v2. */
const NOT_IN_V2 = new Set(['nullable', 'anyOf', 'oneOf', 'allOf', 'not', 'x-kubernetes-validations']);

/**
 * The published schema of a custom resource version: its structural schema with apiVersion, kind
 * and metadata filled in (metadata as ObjectMeta), as the CRD OpenAPI builder in
 * k8s.io/apiextensions-apiserver/pkg/controller/openapi/builder does; v2 drops what Swagger 2.0 cannot say.
 */
export function customResourceSchema(
  type: ResourceType,
  openAPIV3Schema: unknown,
  flavour: OpenApiFlavour,
): JsonObject {
  const base: JsonObject =
    openAPIV3Schema && typeof openAPIV3Schema === 'object' && !Array.isArray(openAPIV3Schema)
      ? (structuredClone(openAPIV3Schema) as JsonObject)
      : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const schema = flavour === 'v2' ? (toV2(base) as JsonObject) : base;
  schema.type = 'object';
  const properties = (
    schema.properties && typeof schema.properties === 'object' && !Array.isArray(schema.properties)
      ? schema.properties
      : {}
  ) as JsonObject;
  const keep = (key: string): JsonObject => {
    const v = properties[key];
    return v && typeof v === 'object' && !Array.isArray(v) && v.type === 'string' ? v : str;
  };
  schema.properties = {
    ...properties,
    apiVersion: keep('apiVersion'),
    kind: keep('kind'),
    // Whatever the CRD says of metadata, clients see ObjectMeta (as a plain reference, valid in v2 and v3).
    metadata: { $ref: refTo(flavour, OBJECT_META) },
  };
  schema['x-kubernetes-group-version-kind'] = gvkExtension(type.group, type.version, type.kind);
  return schema;
}

function toV2(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(toV2);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (NOT_IN_V2.has(k)) continue;
    if (k === 'properties' && v && typeof v === 'object' && !Array.isArray(v)) {
      const props: JsonObject = {};
      for (const [pk, pv] of Object.entries(v)) props[pk] = toV2(pv);
      out[k] = props;
    } else {
      out[k] = toV2(v);
    }
  }
  // int-or-string has no v2 type; kube publishes it untyped in v2.
  if (out['x-kubernetes-int-or-string'] === true) delete out.type;
  return out;
}
