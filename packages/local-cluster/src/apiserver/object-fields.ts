/**
 * Small JSON value operations the handlers share: dotted-path access (for scale subresource paths
 * such as `.spec.replicas`) and generated names.
 */
import { randomInt } from 'node:crypto';

function pathSegments(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter(Boolean);
}

/** The value at a JSON path like `.spec.replicas`. */
export function valueAtPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of pathSegments(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Sets the value at a JSON path like `.spec.replicas`, creating intermediate objects. */
export function setValueAtPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const segs = pathSegments(path);
  let cur = obj;
  for (const seg of segs.slice(0, -1)) {
    const next = cur[seg];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  const last = segs[segs.length - 1];
  if (last !== undefined) cur[last] = value;
}

// k8s.io/apiserver/pkg/storage/names/generate.go: 5 characters from an alphabet without vowels
// and look-alike characters; the base is cut so that the whole name stays within 63 characters.
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_BASE = 58;

/** `generateName` plus 5 random characters. */
export function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return base.slice(0, MAX_GENERATED_BASE) + suffix;
}
