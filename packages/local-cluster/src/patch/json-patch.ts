/** RFC 6902 JSON patch (`application/json-patch+json`), with kube-apiserver's error answers. */
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { errors, type JsonObject, type JsonValue } from '../api/index.js';
import { copyOriginal, goKindName, parsePatch, unprocessable, type PatchInput } from './patch-input.js';

/** The most operations one JSON patch may hold (maxJSONPatchOperations in apiserver's patch.go). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** The message evanphx/json-patch (which kube-apiserver uses) gives for a failing operation. */
function operationFailure(op: Operation, name: string): string {
  switch (name) {
    case 'TEST_OPERATION_FAILED':
      return `testing value ${op.path} failed: test failed`;
    case 'OPERATION_PATH_UNRESOLVABLE':
      return `${op.op} operation does not apply: doc is missing path: "${op.path}": missing value`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `${op.op} operation does not apply: doc is missing from path: "${(op as { from?: string }).from ?? ''}": missing value`;
    case 'OPERATION_PATH_CANNOT_ADD':
      return `add operation does not apply: doc is missing path: "${op.path}": missing value`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return `${op.op} operation does not apply: index out of bounds: "${op.path}"`;
    case 'OPERATION_OP_INVALID':
      return `Unexpected kind: ${String((op as { op?: unknown }).op)}`;
    case 'OPERATION_VALUE_REQUIRED':
    case 'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED':
      return `${op.op} operation does not apply: missing value`;
    case 'OPERATION_FROM_REQUIRED':
      return `${op.op} operation does not apply: missing from path`;
    case 'OPERATION_PATH_INVALID':
      return `${op.op} operation does not apply: invalid path "${String(op.path)}"`;
    default:
      return `${op.op} operation does not apply: ${name}`;
  }
}

/**
 * Applies an RFC 6902 JSON patch to a copy of `original`. A body that is not JSON or not a list of
 * operations is a 400 (jsonpatch.DecodePatch), more than 10000 operations a 413, an operation
 * that fails (a `test` that does not match, a missing path) a 422, as
 * k8s.io/apiserver/pkg/endpoints/handlers/patch.go answers.
 */
export function applyJsonPatch(original: object, patch: PatchInput): JsonObject {
  const ops = parsePatch(patch);
  if (!Array.isArray(ops)) {
    throw errors.badRequest(
      `json: cannot unmarshal ${goKindName(ops)} into Go value of type jsonpatch.Patch`,
    );
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw errors.tooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  for (const op of ops) {
    if (op === null || typeof op !== 'object' || Array.isArray(op)) {
      throw errors.badRequest(
        `json: cannot unmarshal ${goKindName(op)} into Go value of type jsonpatch.Operation`,
      );
    }
  }
  let document: JsonValue = copyOriginal(original);
  for (const raw of ops as JsonObject[]) {
    const op = raw as unknown as Operation;
    try {
      // One operation at a time so that a failure names the operation that failed.
      document = fastJsonPatch.applyOperation(document, op, true, true, true).newDocument as JsonValue;
    } catch (err) {
      const name = err instanceof fastJsonPatch.JsonPatchError ? err.name : 'INVALID';
      throw unprocessable(operationFailure(op, name));
    }
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw errors.badRequest(
      `json: cannot unmarshal ${goKindName(document)} into Go value of type map[string]interface {}`,
    );
  }
  return document;
}
