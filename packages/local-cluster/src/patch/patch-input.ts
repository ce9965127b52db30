/**
 * Shared pieces of the patch formats: reading the patch body and the errors kube-apiserver answers
 * with when a patch cannot be applied.
 */
import { ApiError, errors, type JsonObject, type JsonValue } from '../api/index.js';

/** A patch body as received (text or bytes) or already parsed (a JSON value or plain object). */
export type PatchInput = string | Uint8Array | JsonValue | object;

/** Parses the patch body; a syntax error is a 400 as the API server's json.Unmarshal failure is. */
export function parsePatch(patch: PatchInput, malformedMessage?: (detail: string) => string): JsonValue {
  if (typeof patch !== 'string' && !(patch instanceof Uint8Array)) return structuredClone(patch) as JsonValue;
  const text = typeof patch === 'string' ? patch : new TextDecoder().decode(patch);
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw errors.badRequest(malformedMessage ? malformedMessage(detail) : detail);
  }
}

/** A deep copy of the object being patched, so that the caller's object is never changed. */
export function copyOriginal(original: object): JsonObject {
  return structuredClone(original) as JsonObject;
}

/** The JSON kind of a value, in the terms Go's json package decodes into. */
export function goKindName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

/**
 * 422 as `errors.NewGenericServerResponse(http.StatusUnprocessableEntity, ...)` builds it in
 * k8s.io/apiserver/pkg/endpoints/handlers/patch.go: a fixed message, the detail as a cause.
 */
export function unprocessable(detail: string): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    details: { causes: [{ reason: 'UnexpectedServerResponse', message: detail }] },
    code: 422,
  });
}

/**
 * 500 without a reason: what kube-apiserver answers when strategicpatch returns an error that
 * interpretStrategicMergePatchError does not classify (responsewriters.ErrorToAPIStatus).
 */
export function unclassified(message: string): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    code: 500,
  });
}

/** Formats a value as Go's `%v` prints a decoded JSON value (for messages matching upstream). */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${k}:${goFormat((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}
