/**
 * TypeBox schemas for the Kubernetes schema extensions (what kubebuilder's `+listType`, `+mapType`,
 * `+kubebuilder:validation:XIntOrString` markers say in Go), so one definition carries both the TS type
 * and the API server's merge and validation semantics.
 */
import {
  Type,
  type Static,
  type TSchema,
  type TArray,
  type TUnknown,
  type TUnion,
  type TInteger,
  type TString,
  type TRecord,
  type TObject,
  type TProperties,
} from '@sinclair/typebox';
import type { ValidationRule } from './types.js';

/**
 * A list merged by key by server-side apply (`x-kubernetes-list-type: map`), like a Pod's containers by name.
 * The keys must be required scalar fields of the item.
 */
export function listMap<T extends TObject>(
  item: T,
  keys: (keyof Static<T> & string)[],
  options: Record<string, unknown> = {},
): TArray<T> {
  return Type.Array(item, {
    ...options,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': keys,
  });
}

/** A list of unique scalars merged as a set (`x-kubernetes-list-type: set`). */
export function listSet<T extends TSchema>(item: T, options: Record<string, unknown> = {}): TArray<T> {
  return Type.Array(item, { ...options, 'x-kubernetes-list-type': 'set' });
}

/** A list replaced as a whole by server-side apply (`x-kubernetes-list-type: atomic`). */
export function atomicList<T extends TSchema>(item: T, options: Record<string, unknown> = {}): TArray<T> {
  return Type.Array(item, { ...options, 'x-kubernetes-list-type': 'atomic' });
}

/** A string-keyed map replaced as a whole by server-side apply (`x-kubernetes-map-type: atomic`). */
export function atomicMap<V extends TSchema>(
  value: V,
  options: Record<string, unknown> = {},
): TRecord<TString, V> {
  return Type.Record(Type.String(), value, { ...options, 'x-kubernetes-map-type': 'atomic' });
}

/** A struct replaced as a whole by server-side apply (`x-kubernetes-map-type: atomic`). */
export function atomicObject<P extends TProperties>(
  properties: P,
  options: Record<string, unknown> = {},
): TObject<P> {
  return Type.Object(properties, { ...options, 'x-kubernetes-map-type': 'atomic' });
}

/** Kubernetes' IntOrString (e.g. `maxUnavailable: 1` or `"25%"`). */
export function intOrString(options: Record<string, unknown> = {}): TUnion<[TInteger, TString]> {
  return Type.Union([Type.Integer(), Type.String()], options);
}

/** Any JSON kept as is (`x-kubernetes-preserve-unknown-fields: true`): the API server does not prune it. */
export function preserveUnknownFields(options: Record<string, unknown> = {}): TUnknown {
  return Type.Unknown({ ...options, 'x-kubernetes-preserve-unknown-fields': true });
}

/**
 * Adds CEL validation rules (`x-kubernetes-validations`) to a schema, e.g.
 * `withValidations(Type.Object({min, max}), [{ rule: 'self.min <= self.max', message: 'min must not exceed max' }])`.
 */
export function withValidations<T extends TSchema>(schema: T, rules: ValidationRule[]): T {
  const existing = (schema as Record<string, unknown>)['x-kubernetes-validations'];
  return {
    ...schema,
    'x-kubernetes-validations': [
      ...(Array.isArray(existing) ? (existing as ValidationRule[]) : []),
      ...rules,
    ],
  };
}
