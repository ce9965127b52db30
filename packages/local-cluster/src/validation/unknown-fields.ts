/**
 * Unknown and duplicate field detection for fieldValidation=Strict/Warn, and the pruning the
 * typed decode of a built-in kind does when fields are unknown (Ignore/Warn). Paths are written as
 * kube-apiserver's strict decoding errors write them: `spec.replicass`,
 * `spec.template.spec.containers[0].imagePullPolicyy`.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../api/index.js';
import type { TypeRef, TypeSet } from '../schema/index.js';

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Whether an atom accepts anything below it (untyped scalar or a type the schema does not know). */
function isOpen(atom: TypeRef): boolean {
  return (
    atom.scalar === 'untyped' ||
    (atom.scalar === undefined && atom.list === undefined && atom.map === undefined)
  );
}

function walkUnknown(typeSet: TypeSet, value: unknown, atom: TypeRef, path: string, out: string[]): void {
  if (isOpen(atom) && !atom.map && !atom.list) return;
  if (isJsonObject(value) && atom.map) {
    const map = atom.map;
    for (const [key, child] of Object.entries(value)) {
      const ref = typeSet.member(map, key);
      if (!ref) {
        out.push(join(path, key));
        continue;
      }
      walkUnknown(typeSet, child, typeSet.resolve(ref), join(path, key), out);
    }
  } else if (Array.isArray(value) && atom.list) {
    const element = typeSet.resolve(atom.list.elementType);
    value.forEach((child, i) => walkUnknown(typeSet, child, element, `${path}[${i}]`, out));
  }
}

/**
 * Paths of the fields of `obj` that the schema of `typeName` does not define. Untyped values
 * (IntOrString, RawExtension, `__untyped_*`) and string-keyed maps are open.
 */
export function findUnknownFields(obj: unknown, typeSet: TypeSet, typeName: string): string[] {
  const out: string[] = [];
  walkUnknown(typeSet, obj, typeSet.resolve({ namedType: typeName }), '', out);
  return out;
}

function prune(typeSet: TypeSet, value: JsonValue, atom: TypeRef): JsonValue {
  if (isOpen(atom) && !atom.map && !atom.list) return value;
  if (isJsonObject(value) && atom.map) {
    const map = atom.map;
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const ref = typeSet.member(map, key);
      if (!ref) continue;
      out[key] = prune(typeSet, child, typeSet.resolve(ref));
    }
    return out;
  }
  if (Array.isArray(value) && atom.list) {
    const element = typeSet.resolve(atom.list.elementType);
    return value.map((child) => prune(typeSet, child, element));
  }
  return value;
}

/** A copy of `obj` without the fields the schema does not define (what decoding a built-in drops). */
export function pruneUnknownFields(obj: JsonObject, typeSet: TypeSet, typeName: string): JsonObject {
  const pruned = prune(typeSet, obj, typeSet.resolve({ namedType: typeName }));
  return isJsonObject(pruned) ? pruned : {};
}

/**
 * Paths of keys that occur twice in the same JSON object of the raw body (the strict decoder's
 * `duplicate field "<path>"`). Returns [] for text that is not valid JSON (parsing reports that).
 */
export function findDuplicateFields(rawJson: string): string[] {
  const out: string[] = [];
  let pos = 0;
  const text = rawJson;
  const ws = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] as string)) pos++;
  };
  const readString = (): string => {
    // text[pos] is '"'; JSON.parse handles the escapes.
    const start = pos;
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const seen = new Set<string>();
      ws();
      if (text[pos] === '}') {
        pos++;
        return;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') throw new SyntaxError('expected key');
        const key = readString();
        const childPath = join(path, key);
        if (seen.has(key)) out.push(childPath);
        seen.add(key);
        ws();
        if (text[pos] !== ':') throw new SyntaxError('expected colon');
        pos++;
        value(childPath);
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return;
        }
        throw new SyntaxError('expected , or }');
      }
    } else if (c === '[') {
      pos++;
      ws();
      if (text[pos] === ']') {
        pos++;
        return;
      }
      for (let i = 0; ; i++) {
        value(`${path}[${i}]`);
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return;
        }
        throw new SyntaxError('expected , or ]');
      }
    } else if (c === '"') {
      readString();
    } else {
      const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(pos, pos + 64));
      if (!m) throw new SyntaxError('unexpected token');
      pos += m[0].length;
    }
  };
  try {
    value('');
  } catch {
    return [];
  }
  return out;
}
