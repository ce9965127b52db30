/**
 * The shapes every part of the local API server shares: Kubernetes objects, the `Status` object
 * and the errors that carry one. Handlers throw {@link ApiError}; the HTTP layer turns it into the
 * JSON `Status` body and HTTP code that kube-apiserver would send.
 *
 * Reasons and codes follow k8s.io/apimachinery/pkg/api/errors and the API conventions
 * (https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md).
 */

/** A JSON value as it is stored and served. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: JsonObject;
  subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: JsonValue | undefined | OwnerReference[] | ManagedFieldsEntry[] | Record<string, string>;
}

/** Any Kubernetes object as stored: apiVersion, kind, metadata and the rest of its fields. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** meta/v1 Status, the body of every error response (and of some successful deletes). */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { resourceVersion?: string; continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error that the HTTP layer sends as its `Status`. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiError';
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

/** Identifies a resource for error messages: `pods`, `statefulsets.apps`, `etcdclusters.opkit.dev`. */
export interface ResourceRef {
  group: string;
  resource: string;
}

function qualified(ref: ResourceRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

export const errors = {
  /** 400 BadRequest. */
  badRequest(message: string): ApiError {
    return failure(400, 'BadRequest', message);
  },
  /** 401 Unauthorized. */
  unauthorized(message = 'Unauthorized'): ApiError {
    return failure(401, 'Unauthorized', message);
  },
  /** 403 Forbidden, as an authorizer or an admission rule refuses. */
  forbidden(ref: ResourceRef, name: string, message: string): ApiError {
    const what = name ? `${qualified(ref)} "${name}"` : qualified(ref);
    return failure(403, 'Forbidden', `${what} is forbidden: ${message}`, {
      name: name || undefined,
      group: ref.group,
      kind: ref.resource,
    });
  },
  /** 404 NotFound for an object. */
  notFound(ref: ResourceRef, name: string): ApiError {
    return failure(404, 'NotFound', `${qualified(ref)} "${name}" not found`, {
      name,
      group: ref.group,
      kind: ref.resource,
    });
  },
  /** 404 for a path that names no resource (the real server answers `404 page not found` there). */
  noRoute(message = 'the server could not find the requested resource'): ApiError {
    return failure(404, 'NotFound', message, {});
  },
  /** 405 MethodNotAllowed. */
  methodNotAllowed(message: string): ApiError {
    return failure(405, 'MethodNotAllowed', message);
  },
  /** 406 NotAcceptable. */
  notAcceptable(message: string): ApiError {
    return failure(406, 'NotAcceptable', message);
  },
  /** 409 AlreadyExists on create. */
  alreadyExists(ref: ResourceRef, name: string): ApiError {
    return failure(409, 'AlreadyExists', `${qualified(ref)} "${name}" already exists`, {
      name,
      group: ref.group,
      kind: ref.resource,
    });
  },
  /** 409 Conflict: stale resourceVersion, or a server-side apply conflict (with causes). */
  conflict(ref: ResourceRef, name: string, why: string, causes?: StatusCause[]): ApiError {
    return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(ref)} "${name}": ${why}`, {
      name,
      group: ref.group,
      kind: ref.resource,
      ...(causes ? { causes } : {}),
    });
  },
  /** 410 Expired / Gone: a resourceVersion older than the watch history or an expired continue token. */
  gone(message: string, reason: 'Expired' | 'Gone' = 'Expired'): ApiError {
    return failure(410, reason, message);
  },
  /** 413 RequestEntityTooLarge. */
  tooLarge(message: string): ApiError {
    return failure(413, 'RequestEntityTooLarge', message);
  },
  /** 415 UnsupportedMediaType. */
  unsupportedMediaType(contentType: string): ApiError {
    return failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${contentType ? ` (got ${contentType})` : ''}`,
    );
  },
  /**
   * 422 Invalid with one cause per field, message as kube-apiserver formats it:
   * `Kind.group "name" is invalid: [spec.x: Invalid value: ..., spec.y: Required value]`.
   */
  invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
    const qualifiedKind = group ? `${kind}.${group}` : kind;
    const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : (c.message ?? '')));
    const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    return failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, {
      name,
      group,
      kind,
      causes,
    });
  },
  /** 429 TooManyRequests (an eviction a PodDisruptionBudget forbids, or throttling). */
  tooManyRequests(message: string, retryAfterSeconds?: number): ApiError {
    return failure(429, 'TooManyRequests', message, retryAfterSeconds ? { retryAfterSeconds } : {});
  },
  /** 500 InternalError. */
  internal(err: unknown): ApiError {
    const message = err instanceof Error ? err.message : String(err);
    return failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
  },
  /** 504 Timeout. */
  timeout(message: string): ApiError {
    return failure(504, 'Timeout', message);
  },
};

/** Field-error builders that produce the `StatusCause` text kube-apiserver's field.ErrorList prints. */
export const fieldErrors = {
  required(field: string, detail = ''): StatusCause {
    return {
      reason: 'FieldValueRequired',
      field,
      message: detail ? `Required value: ${detail}` : 'Required value',
    };
  },
  invalid(field: string, value: unknown, detail: string): StatusCause {
    return {
      reason: 'FieldValueInvalid',
      field,
      message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
    };
  },
  notSupported(field: string, value: unknown, allowed: string[]): StatusCause {
    return {
      reason: 'FieldValueNotSupported',
      field,
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
    };
  },
  forbidden(field: string, detail: string): StatusCause {
    return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
  },
  duplicate(field: string, value: unknown): StatusCause {
    return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${JSON.stringify(value)}` };
  },
  typeInvalid(field: string, value: unknown, detail: string): StatusCause {
    return {
      reason: 'FieldValueTypeInvalid',
      field,
      message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
    };
  },
  tooLong(field: string, max: number): StatusCause {
    return { reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` };
  },
  unknownField(field: string): StatusCause {
    return { reason: 'FieldValueInvalid', field, message: `unknown field "${field}"` };
  },
};

export { isJsonObject, jsonEqual } from './json.js';
export { rfc3339, rfc3339Micro } from './time.js';
export { parseMediaRanges, type MediaRange } from './media-type.js';
