/**
 * The OpenAPI v3 schema of a CRD version (apiextensions.k8s.io/v1 JSONSchemaProps) as it arrives in
 * JSON, and the small field-path and field-error helpers the crd folder shares.
 */
import { isJsonObject, type JsonValue, type StatusCause } from '../api/index.js';

/** One `x-kubernetes-validations` entry. */
export interface ValidationRule {
  rule?: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** apiextensions.k8s.io/v1 JSONSchemaProps, the fields this implementation reads. */
export interface JSONSchemaProps {
  id?: string;
  $schema?: string;
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  title?: string;
  default?: JsonValue;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  enum?: JsonValue[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: JSONSchemaProps | JSONSchemaProps[];
  allOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  patternProperties?: Record<string, JSONSchemaProps>;
  dependencies?: Record<string, unknown>;
  additionalItems?: JSONSchemaProps | boolean;
  definitions?: Record<string, JSONSchemaProps>;
  externalDocs?: { description?: string; url?: string };
  example?: JsonValue;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: ValidationRule[];
}

/** Reads a JSON value as a schema (the CRD is untrusted input: only objects count). */
export function asSchema(value: unknown): JSONSchemaProps | undefined {
  return isJsonObject(value) ? (value as JSONSchemaProps) : undefined;
}

/** The single `items` schema (a list of schemas is rejected by CRD validation). */
export function itemsSchema(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return Array.isArray(s.items) ? undefined : asSchema(s.items);
}

/** The `additionalProperties` schema, if it is one (not a boolean). */
export function additionalPropertiesSchema(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return typeof s.additionalProperties === 'boolean' ? undefined : asSchema(s.additionalProperties);
}

export function deepCopy<T extends JsonValue | undefined>(value: T): T {
  return value === undefined ? value : (structuredClone(value) as T);
}

/**
 * A field path printed as k8s.io/apimachinery/pkg/util/validation/field.Path does:
 * `spec.versions[0].schema.openAPIV3Schema.properties[spec]`.
 */
export class FieldPath {
  private constructor(private readonly text: string) {}
  static root(name = ''): FieldPath {
    return new FieldPath(name);
  }
  child(...names: string[]): FieldPath {
    let t = this.text;
    for (const n of names) t = t ? `${t}.${n}` : n;
    return new FieldPath(t);
  }
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }
  toString(): string {
    return this.text;
  }
}

/**
 * Prints a bad value as field.Error.ErrorBody (k8s.io/apimachinery/pkg/util/validation/field)
 * does: strings quoted, numbers and booleans bare, everything else (null, lists, objects) as JSON.
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

/** field.Invalid, with the value printed as upstream does. */
export function invalidCause(field: string, value: unknown, detail: string): StatusCause {
  return {
    reason: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${formatValue(value)}${detail ? `: ${detail}` : ''}`,
  };
}

/** field.TypeInvalid. */
export function typeInvalidCause(field: string, value: unknown, detail: string): StatusCause {
  return {
    reason: 'FieldValueTypeInvalid',
    field,
    message: `Invalid value: ${formatValue(value)}: ${detail}`,
  };
}

/** field.Required. */
export function requiredCause(field: string, detail = ''): StatusCause {
  return {
    reason: 'FieldValueRequired',
    field,
    message: detail ? `Required value: ${detail}` : 'Required value',
  };
}

/** field.Forbidden. */
export function forbiddenCause(field: string, detail: string): StatusCause {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
}

/** field.NotSupported: `Unsupported value: "x": supported values: "a", "b"`. */
export function notSupportedCause(field: string, value: unknown, allowed: string[]): StatusCause {
  const list = allowed.map((a) => JSON.stringify(a)).join(', ');
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${formatValue(value)}${allowed.length ? `: supported values: ${list}` : ''}`,
  };
}

/** field.Duplicate. */
export function duplicateCause(field: string, value: unknown, printed?: string): StatusCause {
  return {
    reason: 'FieldValueDuplicate',
    field,
    message: `Duplicate value: ${printed ?? formatValue(value)}`,
  };
}

/** field.TooLong (`Too long: may not be more than N bytes`). */
export function tooLongCause(field: string, max: number): StatusCause {
  return {
    reason: 'FieldValueTooLong',
    field,
    message: `Too long: may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}`,
  };
}

/** field.TooMany (`Too many: 5: must have at most 3 items`). */
export function tooManyCause(field: string, actual: number, max: number): StatusCause {
  return {
    reason: 'FieldValueTooMany',
    field,
    message: `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
  };
}
