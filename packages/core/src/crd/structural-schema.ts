/**
 * Turns a TypeBox (JSON Schema) schema into a structural OpenAPI v3 schema as apiextensions.k8s.io/v1
 * requires (k8s.io/apiextensions-apiserver pkg/apiserver/schema/validation.go): every node has a type
 * (or is int-or-string / preserves unknown fields), no $ref, no type unions, `properties` and
 * `additionalProperties` never together. TypeBox idioms that mean something structural are rewritten;
 * anything else is an error naming the path, so a non-structural schema never reaches the API server.
 */
import type { JSONSchemaProps } from './types.js';

/** A schema that cannot be expressed as a structural CRD schema. `path` is like `.spec.replicas`. */
export class StructuralSchemaError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || '<root>'}: ${problem}`);
    this.name = 'StructuralSchemaError';
  }
}

type Json = Record<string, unknown>;

const scalarTypes = new Set(['string', 'integer', 'number', 'boolean']);
const allTypes = new Set([...scalarTypes, 'object', 'array']);

// Keywords copied as they are (apiextensions.k8s.io/v1 JSONSchemaProps field names).
const copiedKeywords = [
  'description',
  'format',
  'title',
  'default',
  'example',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'multipleOf',
  'maxProperties',
  'minProperties',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
] as const;

// TypeBox / JSON Schema bookkeeping with no meaning in a CRD: dropped.
const droppedKeywords = new Set([
  '$id',
  '$schema',
  'examples',
  'readOnly',
  'writeOnly',
  '$comment',
  'errorMessage',
]);

// Handled explicitly below.
const handledKeywords = new Set([
  ...copiedKeywords,
  'type',
  'const',
  'enum',
  'anyOf',
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'items',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'uniqueItems',
]);

// TypeBox's Type.Record(Type.String(), V) key patterns: any key.
const anyKeyPatterns = new Set(['^(.*)$', '^.*$', '.*']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function typeOfLiteral(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value;
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return undefined;
}

/**
 * Converts one schema node. `path` is the node's path for error messages (e.g. `.spec`).
 * @throws StructuralSchemaError when the node has no structural equivalent.
 */
export function toStructuralSchema(schema: unknown, path = ''): JSONSchemaProps {
  if (!isObject(schema)) throw new StructuralSchemaError(path, 'a schema must be an object');
  const node = schema;
  for (const key of Object.keys(node)) {
    if (handledKeywords.has(key) || droppedKeywords.has(key)) continue;
    if (key === '$ref')
      throw new StructuralSchemaError(
        path,
        '$ref is not allowed in a CRD schema: inline the type (do not use Type.Ref or Type.Recursive)',
      );
    if (key === 'allOf')
      throw new StructuralSchemaError(
        path,
        'allOf (Type.Intersect) is not structural: use Type.Composite to merge object types',
      );
    if (key === 'oneOf' || key === 'not')
      throw new StructuralSchemaError(
        path,
        `${key} is not supported: express the constraint with x-kubernetes-validations (CEL)`,
      );
    if (key === 'additionalItems' || key === 'prefixItems')
      throw new StructuralSchemaError(path, 'tuples are not structural: use Type.Array');
    throw new StructuralSchemaError(path, `"${key}" is not supported in a CRD schema`);
  }

  if (Array.isArray(node.anyOf)) return fromUnion(node, node.anyOf, path);

  const out: JSONSchemaProps = {};
  let type = node.type;
  if (Array.isArray(type))
    throw new StructuralSchemaError(path, `type must be a single type, got ${JSON.stringify(type)}`);
  if (type === 'null')
    throw new StructuralSchemaError(
      path,
      'type "null" is not structural: make the field optional (Type.Optional) or nullable',
    );
  if (type === undefined && node.const !== undefined) type = typeOfLiteral(node.const);
  if (type !== undefined) {
    if (typeof type !== 'string' || !allTypes.has(type))
      throw new StructuralSchemaError(path, `unsupported type ${JSON.stringify(type)}`);
    out.type = type as JSONSchemaProps['type'];
  }
  // A TypeBox Type.Literal of a whole number says "number"; the API server needs "integer" for it to accept 3 but not 3.5.
  if (node.const !== undefined) {
    if (out.type === 'number' && typeof node.const === 'number' && Number.isInteger(node.const))
      out.type = 'integer';
    out.enum = [node.const];
  }
  if (Array.isArray(node.enum)) out.enum = [...node.enum];

  for (const key of copiedKeywords) {
    if (node[key] !== undefined) (out as Record<string, unknown>)[key] = structuredClone(node[key]);
  }
  // JSON Schema 2019 exclusive bounds are numbers; OpenAPI v3 (what CRDs use) has a bound plus a boolean.
  for (const [bound, exclusive] of [
    ['minimum', 'exclusiveMinimum'],
    ['maximum', 'exclusiveMaximum'],
  ] as const) {
    if (typeof node[bound] === 'number') out[bound] = node[bound] as number;
    if (typeof node[exclusive] === 'number') {
      out[bound] = node[exclusive] as number;
      out[exclusive] = true;
    } else if (node[exclusive] === true) out[exclusive] = true;
  }
  if (node.uniqueItems === true) {
    // as apiextensions validation.go: quadratic to check, so forbidden; a set list type says the same thing.
    throw new StructuralSchemaError(
      path,
      'uniqueItems cannot be true in a CRD: use x-kubernetes-list-type "set" (listSet())',
    );
  }

  if (node.properties !== undefined) {
    if (!isObject(node.properties)) throw new StructuralSchemaError(path, 'properties must be an object');
    out.properties = {};
    for (const [name, sub] of Object.entries(node.properties))
      out.properties[name] = toStructuralSchema(sub, childPath(path, name));
    if (Array.isArray(node.required) && node.required.length > 0)
      out.required = [...(node.required as string[])];
  }

  const additional = node.additionalProperties;
  if (isObject(additional))
    out.additionalProperties = toStructuralSchema(additional, `${path}.additionalProperties`);
  else if (additional === true) out['x-kubernetes-preserve-unknown-fields'] = true;
  if (node.patternProperties !== undefined) {
    if (!isObject(node.patternProperties))
      throw new StructuralSchemaError(path, 'patternProperties must be an object');
    const entries = Object.entries(node.patternProperties);
    if (entries.length !== 1 || !anyKeyPatterns.has(entries[0]![0])) {
      throw new StructuralSchemaError(
        path,
        'patternProperties is not supported: use Type.Record(Type.String(), V) for a map',
      );
    }
    out.additionalProperties = toStructuralSchema(entries[0]![1], `${path}.additionalProperties`);
  }
  if (out.properties && out.additionalProperties) {
    throw new StructuralSchemaError(path, 'properties and additionalProperties cannot be used together');
  }

  if (node.items !== undefined) {
    if (Array.isArray(node.items))
      throw new StructuralSchemaError(path, 'tuples are not structural: use Type.Array');
    out.items = toStructuralSchema(node.items, `${path}[*]`);
  }

  // Type.Any / Type.Unknown: {} means "anything", which a CRD spells x-kubernetes-preserve-unknown-fields.
  if (
    out.type === undefined &&
    !out['x-kubernetes-int-or-string'] &&
    !out['x-kubernetes-preserve-unknown-fields']
  ) {
    if (Object.keys(out).every((k) => k === 'description' || k === 'title'))
      out['x-kubernetes-preserve-unknown-fields'] = true;
    else throw new StructuralSchemaError(path, 'every schema node needs a type');
  }
  if (out.type === 'array' && !out.items)
    throw new StructuralSchemaError(path, 'an array needs an items schema');
  return out;
}

/** Common metadata (description, defaults, CEL rules) that sits beside an anyOf. */
function unionMetadata(node: Json, path: string): JSONSchemaProps {
  const rest: Json = { ...node };
  delete rest.anyOf;
  const meta = toStructuralSchema({ ...rest, 'x-kubernetes-preserve-unknown-fields': true }, path);
  delete meta['x-kubernetes-preserve-unknown-fields'];
  return meta;
}

function fromUnion(node: Json, members: unknown[], path: string): JSONSchemaProps {
  const meta = unionMetadata(node, path);
  const nonNull = members.filter((m) => !(isObject(m) && m.type === 'null'));
  const nullable = nonNull.length < members.length;
  if (nonNull.length === 0) throw new StructuralSchemaError(path, 'a union of only null is not structural');

  // A union of literals (Type.Union([Type.Literal('a'), ...]) or Type.Enum): an enum of one type.
  if (nonNull.every((m) => isObject(m) && m.const !== undefined)) {
    const values = nonNull.map((m) => (m as Json).const);
    const types = new Set(values.map(typeOfLiteral));
    if (types.has('integer') && types.has('number')) types.delete('integer');
    if (types.size !== 1 || types.has(undefined)) {
      throw new StructuralSchemaError(
        path,
        `an enum must have values of one type, got ${JSON.stringify(values)}`,
      );
    }
    const out: JSONSchemaProps = { type: [...types][0] as JSONSchemaProps['type'], enum: values, ...meta };
    if (nullable) out.nullable = true;
    return out;
  }
  // integer | string: Kubernetes' IntOrString (as the x-kubernetes-int-or-string extension means).
  const memberTypes = nonNull.map((m) => (isObject(m) ? m.type : undefined));
  if (nonNull.length === 2 && memberTypes.includes('integer') && memberTypes.includes('string')) {
    const out: JSONSchemaProps = { 'x-kubernetes-int-or-string': true, ...meta };
    if (nullable) out.nullable = true;
    return out;
  }
  if (nonNull.length === 1) {
    const out: JSONSchemaProps = { ...toStructuralSchema(nonNull[0], path), ...meta };
    if (nullable) out.nullable = true;
    return out;
  }
  throw new StructuralSchemaError(
    path,
    'a union of different types is not structural: use one type, intOrString(), or Type.Unknown() with CEL validations',
  );
}
