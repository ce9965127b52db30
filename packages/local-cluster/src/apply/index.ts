/**
 * Server-side apply and managedFields, as kube-apiserver implements them with
 * sigs.k8s.io/structured-merge-diff and k8s.io/apimachinery/pkg/util/managedfields:
 * {@link serverSideApply} for `application/apply-patch+yaml` requests, {@link trackUpdate} for the
 * ownership bookkeeping of every other write, and the FieldsV1 field-set format they share.
 */
export {
  serverSideApply,
  trackUpdate,
  BEFORE_FIRST_APPLY,
  CLIENT_SIDE_APPLY_MANAGER,
  LAST_APPLIED_ANNOTATION,
  type ApplyRequest,
  type UpdateTracking,
} from './apply.js';
export {
  FieldSet,
  pathString,
  fieldElement,
  keyElement,
  valueElement,
  type FieldPath,
  type PathElement,
} from './fieldpath.js';
export {
  decodeManagedFields,
  encodeManagedFields,
  managerIdentifier,
  MAX_UPDATE_MANAGERS,
  type ManagerFields,
  type Managers,
} from './managed-fields.js';
export { TypedSchema, type Comparison } from './typed.js';

import type { JsonObject } from '../api/index.js';
import { FieldSet } from './fieldpath.js';
import type { TypeSet } from '../schema/index.js';
import { TypedSchema } from './typed.js';

/** The FieldsV1 form of every field an object sets, per the schema (SMD ToFieldSet). */
export function fieldsV1FromObject(obj: unknown, typeSet: TypeSet, typeName: string): JsonObject {
  return new TypedSchema(typeSet, { namedType: typeName }).toFieldSet(obj).toFieldsV1();
}

/** Parses FieldsV1 JSON into a field set; throws on malformed input. */
export function setFromFieldsV1(fieldsV1: unknown): FieldSet {
  return FieldSet.fromFieldsV1(fieldsV1);
}
