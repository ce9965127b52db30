/**
 * CustomResourceDefinitions: what kube-apiserver's apiextensions-apiserver does for CRDs and their
 * custom resources. Validates CRDs, turns them into ResourceTypes and status, and applies a
 * version's structural schema to custom resources (prune, default, validate incl. CEL rules,
 * SMD TypeSet for patch/apply, OpenAPI for publishing). See README.md for the supported subset.
 */
export { validateCustomResourceDefinition } from './crd-validation.js';
export {
  crdToResourceTypes,
  crdStatusAfterWrite,
  crdPrinterColumns,
  defaultCustomResourceDefinition,
  customResourceVerbs,
} from './resource-types.js';
export { CustomResourceSchema, customResourceTypeName } from './custom-resource-schema.js';
export type { JSONSchemaProps, ValidationRule } from './schema-types.js';
