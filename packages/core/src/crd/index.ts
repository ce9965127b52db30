/**
 * Custom resource definitions from one TypeScript source: a TypeBox schema gives the static type
 * (`CustomResource<typeof Def>`) and the structural OpenAPI v3 schema of the apiextensions.k8s.io/v1
 * CustomResourceDefinition (`Def.toCRD()`), which `opkit generate crd` writes to config/crd/bases.
 */
export {
  CustomResourceDefinitionError,
  defineCustomResource,
  isCustomResourceKind,
  pluralize,
  type CustomResource,
  type CustomResourceKind,
  type CustomResourceOptions,
  type CustomResourceSpec,
  type CustomResourceStatus,
  type CustomResourceVersionOptions,
} from './define.js';
export { StructuralSchemaError, toStructuralSchema } from './structural-schema.js';
export {
  atomicList,
  atomicMap,
  atomicObject,
  intOrString,
  listMap,
  listSet,
  preserveUnknownFields,
  withValidations,
} from './schema-markers.js';
export type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  JSONSchemaProps,
  PrinterColumn,
  ScaleSubresource,
  ValidationRule,
} from './types.js';
// Re-exported so a project defines schemas without depending on TypeBox itself.
export { Type, type Static, type TSchema } from '@sinclair/typebox';
