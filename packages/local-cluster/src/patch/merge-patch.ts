/** RFC 7386 JSON merge patch (`application/merge-patch+json`). */
import { errors, isJsonObject, type JsonObject, type JsonValue } from '../api/index.js';
import { copyOriginal, goKindName, parsePatch, type PatchInput } from './patch-input.js';

/** RFC 7386 MergePatch: objects merge key by key, null deletes, everything else replaces. */
function mergePatchValue(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = isJsonObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = mergePatchValue(result[key], value);
    }
  }
  return result;
}

/**
 * Applies an RFC 7386 JSON merge patch to a copy of `original`: `null` deletes a key, lists are
 * replaced as a whole. A body that is not JSON is a 400 (`Invalid JSON Patch`, evanphx/json-patch's
 * ErrBadJSONPatch, as kube-apiserver answers); one that is not an object too (the result would not
 * decode as an object).
 */
export function applyMergePatch(original: object, patch: PatchInput): JsonObject {
  const parsed = parsePatch(patch, () => 'Invalid JSON Patch');
  if (parsed === null) throw errors.badRequest('Invalid JSON Patch');
  if (!isJsonObject(parsed)) {
    throw errors.badRequest(
      `json: cannot unmarshal ${goKindName(parsed)} into Go value of type map[string]interface {}`,
    );
  }
  return mergePatchValue(copyOriginal(original), parsed) as JsonObject;
}
