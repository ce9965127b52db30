/**
 * What kube-apiserver checks and fills in before it stores a built-in object: metadata and name
 * rules, unknown and duplicate fields (fieldValidation Strict/Warn), defaulting and the
 * kind-specific validation operators run into. All checks return `StatusCause[]` in upstream's
 * field paths and wording; the HTTP layer turns them into a 422 with `errors.invalid`.
 */
export {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameValidatorFor,
  validatePathSegmentName,
  type NameValidator,
} from './names.js';
export {
  TOTAL_ANNOTATION_SIZE_LIMIT_BYTES,
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
  type ObjectMetaValidationOptions,
} from './object-meta.js';
export { findDuplicateFields, findUnknownFields, pruneUnknownFields } from './unknown-fields.js';
export { defaultBuiltin, defaultPodSpec } from './defaults.js';
export { selectorMatches, validateBuiltin, validatePodSpec } from './builtin-validation.js';
