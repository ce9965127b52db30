/**
 * Errors that carry the server's `Status`, one class per reason operators branch on, and
 * `isX(err)` tests that also accept errors from other copies of this module (they test the code
 * and reason, as k8s.io/apimachinery/pkg/api/errors does).
 */
import type { GroupVersionKind, Status, StatusCause } from './types.js';

/** An API request failed with a `Status` (a non-2xx response or a watch ERROR event). */
export class ApiStatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message || status.reason || `HTTP ${status.code ?? 'error'}`);
    this.name = new.target.name;
  }
  /** The HTTP status code (0 when the server gave none). */
  get code(): number {
    return this.status.code ?? 0;
  }
  /** The machine-readable reason (`NotFound`, `Conflict`, ...), when given. */
  get reason(): string | undefined {
    return this.status.reason;
  }
  /** Field-level causes (for `Invalid`), empty when none. */
  get causes(): StatusCause[] {
    return this.status.details?.causes ?? [];
  }
  /** The server's `Retry-After` hint in seconds (429/5xx), when given. */
  get retryAfterSeconds(): number | undefined {
    return this.status.details?.retryAfterSeconds;
  }
}
/** 404 NotFound. */
export class NotFoundError extends ApiStatusError {}
/** 409 AlreadyExists (create of an existing name). */
export class AlreadyExistsError extends ApiStatusError {}
/** 409 Conflict (stale resourceVersion, or a server-side apply field conflict). */
export class ConflictError extends ApiStatusError {}
/** 410 Gone / Expired: the requested resourceVersion or continue token is too old. */
export class GoneError extends ApiStatusError {}
/** 422 Invalid; {@link ApiStatusError.causes} names the fields. */
export class InvalidError extends ApiStatusError {}
/** 400 BadRequest. */
export class BadRequestError extends ApiStatusError {}
/** 403 Forbidden. */
export class ForbiddenError extends ApiStatusError {}
/** 401 Unauthorized. */
export class UnauthorizedError extends ApiStatusError {}
/** 429 TooManyRequests. */
export class TooManyRequestsError extends ApiStatusError {}
/** 405 MethodNotAllowed. */
export class MethodNotAllowedError extends ApiStatusError {}
/** 5xx: InternalError, ServiceUnavailable, Timeout. */
export class ServerError extends ApiStatusError {}

/** No resource in discovery serves the requested kind (a CRD not installed yet, a typo). */
export class NoKindMatchError extends Error {
  constructor(readonly gvk: GroupVersionKind) {
    super(`no matches for kind "${gvk.kind}" in version "${gvk.group ? gvk.group + '/' : ''}${gvk.version}"`);
    this.name = 'NoKindMatchError';
  }
}

/** Builds the error class matching a Status (by reason first, then by code). */
export function errorFromStatus(status: Status): ApiStatusError {
  switch (status.reason) {
    case 'NotFound':
      return new NotFoundError(status);
    case 'AlreadyExists':
      return new AlreadyExistsError(status);
    case 'Conflict':
      return new ConflictError(status);
    case 'Gone':
    case 'Expired':
      return new GoneError(status);
    case 'Invalid':
      return new InvalidError(status);
    case 'Forbidden':
      return new ForbiddenError(status);
    case 'Unauthorized':
      return new UnauthorizedError(status);
    case 'TooManyRequests':
      return new TooManyRequestsError(status);
    case 'BadRequest':
      return new BadRequestError(status);
    case 'MethodNotAllowed':
      return new MethodNotAllowedError(status);
  }
  const code = status.code ?? 0;
  switch (code) {
    case 400:
      return new BadRequestError(status);
    case 401:
      return new UnauthorizedError(status);
    case 403:
      return new ForbiddenError(status);
    case 404:
      return new NotFoundError(status);
    case 405:
      return new MethodNotAllowedError(status);
    case 409:
      return new ConflictError(status);
    case 410:
      return new GoneError(status);
    case 422:
      return new InvalidError(status);
    case 429:
      return new TooManyRequestsError(status);
  }
  return code >= 500 ? new ServerError(status) : new ApiStatusError(status);
}

/** The reason kube-apiserver uses for a bare HTTP code, for bodies that are not a Status. */
function reasonForCode(code: number): string | undefined {
  // as k8s.io/apimachinery/pkg/api/errors NewGenericServerResponse maps codes to reasons
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Gone',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[code];
}

/** Turns an HTTP error response into the matching error, whether or not the body is a Status. */
export function errorFromResponse(code: number, body: string, retryAfter?: string): ApiStatusError {
  let status: Status | undefined;
  try {
    const parsed = JSON.parse(body) as { kind?: unknown };
    if (parsed && parsed.kind === 'Status') status = parsed as Status;
  } catch {
    // not JSON: fall through to a synthesized Status
  }
  if (!status) {
    status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: body.trim() || `the server responded with HTTP ${code}`,
      reason: reasonForCode(code),
      code,
    };
  }
  if (status.code === undefined) status = { ...status, code };
  const seconds = retryAfter !== undefined ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && status.details?.retryAfterSeconds === undefined) {
    status = { ...status, details: { ...status.details, retryAfterSeconds: seconds } };
  }
  return errorFromStatus(status);
}

function statusOf(err: unknown): { code?: number; reason?: string } | undefined {
  if (err instanceof ApiStatusError) return err.status;
  // accept errors from another copy of this module, or any error carrying a Status
  const status = (err as { status?: unknown } | null)?.status;
  return status && typeof status === 'object' ? (status as { code?: number; reason?: string }) : undefined;
}

function hasReason(err: unknown, reason: string, code: number): boolean {
  const s = statusOf(err);
  if (!s) return false;
  return s.reason === reason || (s.reason === undefined && s.code === code);
}

/** The object (or path) does not exist. */
export const isNotFound = (err: unknown): boolean => hasReason(err, 'NotFound', 404);
/** A create named an object that exists. */
export const isAlreadyExists = (err: unknown): boolean => hasReason(err, 'AlreadyExists', 409);
/** A write lost an optimistic-concurrency race (or an apply conflicted). */
export const isConflict = (err: unknown): boolean => hasReason(err, 'Conflict', 409);
/** The resourceVersion or continue token is too old (410 Gone/Expired): relist. */
export const isGone = (err: unknown): boolean => {
  const s = statusOf(err);
  return !!s && (s.code === 410 || s.reason === 'Gone' || s.reason === 'Expired');
};
/** The object failed validation. */
export const isInvalid = (err: unknown): boolean => hasReason(err, 'Invalid', 422);
/** The request was malformed. */
export const isBadRequest = (err: unknown): boolean => hasReason(err, 'BadRequest', 400);
/** Authorization refused the request. */
export const isForbidden = (err: unknown): boolean => hasReason(err, 'Forbidden', 403);
/** The credentials were missing or rejected. */
export const isUnauthorized = (err: unknown): boolean => hasReason(err, 'Unauthorized', 401);
/** The server throttled the request. */
export const isTooManyRequests = (err: unknown): boolean => {
  const s = statusOf(err);
  return !!s && (s.code === 429 || s.reason === 'TooManyRequests');
};
/** The kind is not served by the API server. */
export const isNoKindMatch = (err: unknown): boolean => err instanceof NoKindMatchError;
