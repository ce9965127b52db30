import type { KubeObject } from '../api/index.js';

/**
 * Deep copy of a stored object (JSON values only). A plain recursive copy measured ~7× faster
 * than structuredClone and ~5× faster than a JSON round trip for pod-sized objects (Node 20).
 */
export function copyObject(object: KubeObject): KubeObject {
  return copyJson(object) as KubeObject;
}

function copyJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyJson(value[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k in value) out[k] = copyJson((value as Record<string, unknown>)[k]);
  return out;
}

/**
 * Copies a caller's object into a JSON-safe one with JSON.stringify's rules (undefined, functions
 * and symbols dropped from objects and null in arrays; toJSON honoured; non-finite numbers null),
 * without the cost of a string round trip.
 */
export function jsonSafeCopy(object: unknown): KubeObject {
  return toJson(object) as KubeObject;
}

function toJson(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object': {
      if (value === null) return null;
      const withToJson = value as { toJSON?: unknown };
      if (typeof withToJson.toJSON === 'function') return toJson((withToJson.toJSON as () => unknown)());
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const v = toJson(value[i]);
          out[i] = v === undefined ? null : v;
        }
        return out;
      }
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value)) {
        const v = toJson((value as Record<string, unknown>)[k]);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
    default:
      return undefined; // undefined, function, symbol
  }
}

/**
 * Freezes a stored object in place, children first, so that "frozen" implies "deeply frozen" and
 * an already frozen subtree (shared between a deleted object and its previous state) is skipped.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
  return Object.freeze(value);
}
