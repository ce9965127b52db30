/** Operations on decoded JSON values that every part of the server needs. */
import type { JsonObject } from './index.js';

/** Whether a value is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Structural equality of JSON values: object key order does not matter and members set to
 * `undefined` count as absent (they vanish on the wire), as apiequality.Semantic.DeepEqual
 * and structured-merge-diff's value.Equals treat decoded JSON.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keysOfA = Object.keys(a).filter((k) => a[k] !== undefined);
  const keysOfB = Object.keys(b).filter((k) => b[k] !== undefined);
  return keysOfA.length === keysOfB.length && keysOfA.every((k) => jsonEqual(a[k], b[k]));
}
