/**
 * ObjectMeta validation as k8s.io/apimachinery/pkg/api/validation/objectmeta.go
 * (ValidateObjectMetaAccessor, ValidateObjectMetaAccessorUpdate) and
 * k8s.io/apimachinery/pkg/apis/meta/v1/validation (ValidateLabels).
 */
import { fieldErrors, type StatusCause } from '../api/index.js';
import {
  isDNS1123Label,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNSSubdomain,
  type NameValidator,
} from './names.js';

/** TotalAnnotationSizeLimitB: 256 KiB for all annotation keys and values together. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

const NEGATIVE = 'must be greater than or equal to 0';

export interface ObjectMetaValidationOptions {
  /** Whether the kind is namespaced (namespace required) or cluster-scoped (namespace forbidden). */
  namespaced: boolean;
  /** On create the name is checked; on update it cannot change (see validateObjectMetaUpdate). */
  isCreate: boolean;
  /** The kind's name rule; DNS-1123 subdomain by default (see nameValidatorFor). */
  nameValidator?: NameValidator;
  /** Field path prefix; `metadata` by default. */
  path?: string;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** ValidateLabels: key syntax (qualified name) and value syntax; causes at `<path>`. */
export function validateLabels(labels: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(asRecord(labels))) {
    for (const msg of isQualifiedName(key)) causes.push(fieldErrors.invalid(path, key, msg));
    const v = typeof value === 'string' ? value : String(value);
    for (const msg of isValidLabelValue(v)) causes.push(fieldErrors.invalid(path, v, msg));
  }
  return causes;
}

/** ValidateAnnotations: keys are qualified names (case-insensitive), total size at most 256 KiB. */
export function validateAnnotations(annotations: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(asRecord(annotations))) {
    for (const msg of isQualifiedName(key.toLowerCase())) causes.push(fieldErrors.invalid(path, key, msg));
    size += byteLength(key) + byteLength(typeof value === 'string' ? value : String(value));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES)
    causes.push(fieldErrors.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return causes;
}

function validateOwnerReferences(refs: unknown, path: string): StatusCause[] {
  if (!Array.isArray(refs)) return [];
  const causes: StatusCause[] = [];
  let controllers = 0;
  refs.forEach((raw, i) => {
    const ref = asRecord(raw);
    const at = `${path}[${i}]`;
    const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (!version)
      causes.push(fieldErrors.invalid(`${at}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!ref.kind) causes.push(fieldErrors.invalid(`${at}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) causes.push(fieldErrors.invalid(`${at}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) causes.push(fieldErrors.invalid(`${at}.uid`, ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller === true) controllers++;
  });
  if (controllers > 1) {
    causes.push(fieldErrors.invalid(path, refs, 'Only one reference can have Controller set to true'));
  }
  return causes;
}

function validateFinalizers(finalizers: unknown, path: string): StatusCause[] {
  if (!Array.isArray(finalizers)) return [];
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  for (const f of finalizers) {
    const name = String(f);
    for (const msg of isQualifiedName(name)) causes.push(fieldErrors.invalid(path, name, msg));
    names.add(name);
  }
  if (names.has('orphan') && names.has('foregroundDeletion')) {
    causes.push(
      fieldErrors.invalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'),
    );
  }
  return causes;
}

/**
 * Checks an object's metadata as ValidateObjectMetaAccessor does: name (on create; skipped when
 * only generateName is set, because the server generates the name first), namespace, generation,
 * labels, annotations, ownerReferences and finalizers. Returns the causes for a 422.
 */
export function validateObjectMeta(meta: unknown, options: ObjectMetaValidationOptions): StatusCause[] {
  const m = asRecord(meta);
  const path = options.path ?? 'metadata';
  const nameFn = options.nameValidator ?? nameIsDNSSubdomain;
  const causes: StatusCause[] = [];
  const name = typeof m.name === 'string' ? m.name : '';
  const generateName = typeof m.generateName === 'string' ? m.generateName : '';

  if (options.isCreate) {
    if (generateName) {
      for (const msg of nameFn(generateName, true))
        causes.push(fieldErrors.invalid(`${path}.generateName`, generateName, msg));
    }
    if (!name) {
      if (!generateName)
        causes.push(fieldErrors.required(`${path}.name`, 'name or generateName is required'));
    } else {
      for (const msg of nameFn(name, false)) causes.push(fieldErrors.invalid(`${path}.name`, name, msg));
    }
  }
  const namespace = typeof m.namespace === 'string' ? m.namespace : '';
  if (options.namespaced) {
    if (!namespace) causes.push(fieldErrors.required(`${path}.namespace`));
    else
      for (const msg of isDNS1123Label(namespace))
        causes.push(fieldErrors.invalid(`${path}.namespace`, namespace, msg));
  } else if (namespace) {
    causes.push(fieldErrors.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (typeof m.generation === 'number' && m.generation < 0) {
    causes.push(fieldErrors.invalid(`${path}.generation`, m.generation, NEGATIVE));
  }
  causes.push(...validateLabels(m.labels, `${path}.labels`));
  causes.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  causes.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  causes.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return causes;
}

/**
 * The metadata fields an update may not change (ValidateObjectMetaAccessorUpdate): name,
 * namespace, uid, creationTimestamp; generation may not decrease... as `field is immutable`.
 */
export function validateObjectMetaUpdate(
  newMeta: unknown,
  oldMeta: unknown,
  path = 'metadata',
): StatusCause[] {
  const n = asRecord(newMeta);
  const o = asRecord(oldMeta);
  const causes: StatusCause[] = [];
  for (const field of ['name', 'namespace', 'uid', 'creationTimestamp']) {
    if (o[field] !== undefined && n[field] !== undefined && n[field] !== o[field]) {
      causes.push(fieldErrors.invalid(`${path}.${field}`, n[field], 'field is immutable'));
    }
  }
  return causes;
}
