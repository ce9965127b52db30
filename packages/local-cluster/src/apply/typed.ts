/**
 * Schema-aware operations on JSON values, after the `typed` package of
 * sigs.k8s.io/structured-merge-diff: the field set of a value (ToFieldSet), the apply merge
 * (Merge), the comparison of two values (Compare), removal of paths (RemoveItems) and
 * EnsureNamedFieldsAreMembers. Written from SMD's rules, not its code.
 */
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../api/index.js';
import { UNTYPED_DEDUCED, type ListType, type MapType, type TypeRef, type TypeSet } from '../schema/index.js';
import {
  FieldSet,
  fieldElement,
  indexElement,
  keyElement,
  pathString,
  valueElement,
  type FieldPath,
  type PathElement,
} from './fieldpath.js';

/** A schema problem in a value, with the path it was found at (SMD's ValidationError). */
export interface TypedError {
  path: FieldPath;
  message: string;
}

/** Formats errors as SMD's ValidationErrors.Error does. */
export function formatTypedErrors(errors: TypedError[]): string {
  const lines = errors.map((e) => (e.path.length ? `${pathString(e.path)}: ${e.message}` : e.message));
  return lines.length === 1 ? (lines[0] as string) : `errors:\n  ${lines.join('\n  ')}`;
}

/** The result of Compare: paths added, changed and removed going from lhs to rhs. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

type Atom =
  | { kind: 'scalar' }
  | { kind: 'list'; list: ListType; atomic: boolean }
  | { kind: 'map'; map: MapType; atomic: boolean };

const DEDUCED: TypeRef = { namedType: UNTYPED_DEDUCED };

/** A copy without null-valued object members: an applied null clears a field, as the typed (Go) object drops it. */
function withoutNulls(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = withoutNulls(x);
    return out;
  }
  return v;
}

/** The Go type name of a decoded JSON value (%T), for SMD-style messages. */
function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** A decoded JSON value as Go's %v prints it, roughly. */
function goValue(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (isJsonObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goValue(v[k])}`)
      .join(' ')}]`;
  return '<nil>';
}

function isEmptyCollection(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (isJsonObject(v) && Object.keys(v).length === 0)
  );
}

/** Options of a walk: strict walks (applied configurations) report schema errors. */
interface WalkOptions {
  strict: boolean;
  errors: TypedError[];
}

/** The schema operations for one root type of a TypeSet. */
export class TypedSchema {
  constructor(
    readonly typeSet: TypeSet,
    readonly rootType: TypeRef,
  ) {}

  /**
   * The atom that applies to a value, as SMD's deduceAtom: an untyped reference offers scalar, list
   * and map at once and the value's JSON kind picks one. An unknown type is treated as untyped.
   */
  #atom(ref: TypeRef, value: unknown): Atom {
    let atom = this.typeSet.resolve(ref);
    if (atom.scalar === undefined && atom.list === undefined && atom.map === undefined) {
      atom = this.typeSet.resolve(DEDUCED);
    }
    const override = atom.elementRelationship;
    const asList = (list: ListType): Atom => ({
      kind: 'list',
      list,
      atomic: (override ?? list.elementRelationship ?? 'atomic') === 'atomic',
    });
    const asMap = (map: MapType): Atom => ({
      kind: 'map',
      map,
      atomic: (override ?? map.elementRelationship) === 'atomic',
    });
    if (Array.isArray(value) && atom.list) return asList(atom.list);
    if (isJsonObject(value) && atom.map) return asMap(atom.map);
    if (atom.scalar !== undefined) return { kind: 'scalar' };
    if (atom.list && (value === undefined || value === null || Array.isArray(value)))
      return asList(atom.list);
    if (atom.map) return asMap(atom.map);
    return { kind: 'scalar' };
  }

  /** The type of a member of a map: its declared field, else its element type. */
  #memberType(
    map: MapType,
    key: string,
    opts: WalkOptions | undefined,
    path: FieldPath,
  ): TypeRef | undefined {
    const declared = this.typeSet.field(map, key);
    if (declared) return declared.type;
    if (map.elementType) return map.elementType;
    if (opts?.strict) {
      opts.errors.push({ path: [...path, fieldElement(key)], message: 'field not declared in schema' });
      return undefined;
    }
    // A live object may hold fields the schema lost; treat them as untyped rather than fail.
    return DEDUCED;
  }

  /**
   * The path element of a list item (SMD listItemToPathElement): keys for an associative list with
   * keys (a missing key takes the field's schema default), the value for a set, else the index.
   */
  itemElement(
    list: ListType,
    atomic: boolean,
    index: number,
    item: unknown,
  ): PathElement | { error: string } {
    if (atomic || (list.elementRelationship ?? 'atomic') !== 'associative') return indexElement(index);
    const keys = list.keys ?? [];
    if (keys.length === 0) {
      if (isJsonObject(item) || Array.isArray(item))
        return { error: 'only scalar elements may be used as associative list elements without keys' };
      return valueElement(item as JsonValue);
    }
    if (!isJsonObject(item)) return { error: 'associative list with keys may not have non-map elements' };
    const elementAtom = this.typeSet.resolve(list.elementType);
    const pairs: [string, JsonValue][] = [];
    for (const key of keys) {
      const value = item[key];
      if (value !== undefined) {
        pairs.push([key, value]);
        continue;
      }
      const fallback = elementAtom.map ? this.typeSet.field(elementAtom.map, key)?.default : undefined;
      if (fallback === undefined) {
        return {
          error: `associative list with keys has an element that omits key field ${JSON.stringify(key)} (and doesn't have default value)`,
        };
      }
      pairs.push([key, fallback]);
    }
    return keyElement(pairs);
  }

  /** Indexes list items by path element; first occurrence wins, duplicates are reported. */
  #index(
    list: ListType,
    atomic: boolean,
    items: JsonValue[],
    path: FieldPath,
    opts: WalkOptions | undefined,
  ): { order: PathElement[]; byElement: Map<PathElement, JsonValue[]> } {
    const order: PathElement[] = [];
    const byElement = new Map<PathElement, JsonValue[]>();
    items.forEach((item, i) => {
      let pe = this.itemElement(list, atomic, i, item);
      if (typeof pe !== 'string') {
        if (opts?.strict) opts.errors.push({ path, message: `element ${i}: ${pe.error}` });
        // Keep malformed live items in place under a private identity.
        pe = `#invalid:${i}`;
      }
      const seen = byElement.get(pe);
      if (seen) {
        if (opts?.strict)
          opts.errors.push({ path, message: `duplicate entries for key ${pathString([pe])}` });
        seen.push(item);
        return;
      }
      byElement.set(pe, [item]);
      order.push(pe);
    });
    return { order, byElement };
  }

  /**
   * Whether a value fits its type, worded like SMD's validateScalar / mapValue / listValue errors
   * (their Go value printing is approximated).
   */
  #kindProblem(ref: TypeRef, atom: Atom, value: unknown): string | undefined {
    if (value === null || value === undefined) return undefined;
    const resolved = this.typeSet.resolve(ref);
    if (atom.kind === 'map' && !isJsonObject(value)) return `expected map, got ${goValue(value)}`;
    if (atom.kind === 'list' && !Array.isArray(value)) return `expected list, got ${goValue(value)}`;
    if (atom.kind === 'scalar') {
      const scalar = resolved.scalar;
      if (scalar === undefined) return undefined;
      if (scalar === 'numeric' && typeof value !== 'number')
        return `expected numeric (int or float), got ${goType(value)}`;
      if (scalar === 'string' && typeof value !== 'string')
        return `expected string, got &value.valueUnstructured{Value:${goValue(value)}}`;
      if (scalar === 'boolean' && typeof value !== 'boolean')
        return `expected boolean, got &{${goValue(value)}}`;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- ToFieldSet

  /**
   * The set of fields a value sets (SMD ToFieldSet): scalars, atomic lists and maps, list items,
   * null or empty map fields, and map keys that are not declared fields.
   */
  toFieldSet(value: unknown, opts?: WalkOptions): FieldSet {
    const set = new FieldSet();
    this.#toFieldSet(value, this.rootType, [], set, opts);
    return set;
  }

  #toFieldSet(
    value: unknown,
    ref: TypeRef,
    path: FieldPath,
    set: FieldSet,
    opts: WalkOptions | undefined,
  ): void {
    const atom = this.#atom(ref, value);
    if (opts?.strict) {
      const problem = this.#kindProblem(ref, atom, value);
      if (problem) opts.errors.push({ path, message: problem });
    }
    if (atom.kind === 'scalar') {
      set.insert(path);
      return;
    }
    if (atom.atomic) {
      set.insert(path);
      return;
    }
    if (atom.kind === 'list') {
      if (!Array.isArray(value)) return;
      const { order, byElement } = this.#index(atom.list, atom.atomic, value, path, opts);
      for (const pe of order) {
        if (pe.startsWith('#')) continue;
        const item = (byElement.get(pe) as JsonValue[])[0];
        this.#toFieldSet(item, atom.list.elementType, [...path, pe], set, opts);
        set.insert([...path, pe]);
      }
      return;
    }
    if (!isJsonObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const childType = this.#memberType(atom.map, key, opts, path);
      if (!childType) continue;
      const childPath = [...path, fieldElement(key)];
      this.#toFieldSet(child, childType, childPath, set, opts);
      if (
        child === null ||
        (isJsonObject(child) && Object.keys(child).length === 0) ||
        !this.typeSet.field(atom.map, key)
      ) {
        set.insert(childPath);
      }
    }
  }

  // ---------------------------------------------------------------- Merge

  /**
   * Merges an applied configuration into a live value (SMD Merge): the applied value wins for
   * scalars and atomic lists/maps; maps merge key by key; associative lists merge item by item,
   * live-only items keep their place and shared items follow the applied order.
   */
  merge(lhs: unknown, rhs: unknown): JsonValue | undefined {
    return this.#merge(lhs as JsonValue | undefined, rhs as JsonValue | undefined, this.rootType);
  }

  #merge(lhs: JsonValue | undefined, rhs: JsonValue | undefined, ref: TypeRef): JsonValue | undefined {
    if (rhs === undefined) return lhs;
    if (lhs === undefined || lhs === null) return withoutNulls(rhs);
    const atom = this.#atom(ref, rhs);
    if (atom.kind === 'scalar' || atom.atomic) return withoutNulls(rhs);
    if (isEmptyCollection(lhs) && isEmptyCollection(rhs)) return withoutNulls(rhs);
    if (atom.kind === 'list') {
      if (!Array.isArray(lhs) || !Array.isArray(rhs)) return withoutNulls(rhs);
      return this.#mergeList(atom.list, lhs, rhs);
    }
    if (!isJsonObject(lhs) || !isJsonObject(rhs)) return withoutNulls(rhs);
    const out: JsonObject = {};
    for (const [key, l] of Object.entries(lhs)) {
      if (!(key in rhs) || rhs[key] === undefined) {
        out[key] = l;
        continue;
      }
      const r = rhs[key];
      // An applied null clears the field, as the typed (Go) object drops it.
      if (r === null) continue;
      const merged = this.#merge(l, r, this.#memberType(atom.map, key, undefined, []) ?? DEDUCED);
      if (merged !== undefined) out[key] = merged;
    }
    for (const [key, r] of Object.entries(rhs)) {
      if (key in lhs || r === undefined || r === null) continue;
      out[key] = withoutNulls(r);
    }
    return out;
  }

  #mergeList(list: ListType, lhs: JsonValue[], rhs: JsonValue[]): JsonValue[] {
    const left = this.#index(list, false, lhs, [], undefined);
    const right = this.#index(list, false, rhs, [], undefined);
    const shared = right.order.filter((pe) => left.byElement.has(pe));
    let nextShared = 0;
    const out: JsonValue[] = [];
    const mergeItem = (pe: PathElement): void => {
      const l = left.byElement.get(pe);
      const r = (right.byElement.get(pe) as JsonValue[])[0];
      // Duplicates in the live list collapse into the applied item (SMD v4.4+).
      const merged = this.#merge(l?.[0], r, list.elementType);
      if (merged !== undefined) out.push(merged);
    };
    let li = 0;
    let ri = 0;
    while (li < left.order.length || ri < right.order.length) {
      if (li < left.order.length && ri < right.order.length) {
        const pe = left.order[li] as PathElement;
        if (pe === right.order[ri]) {
          mergeItem(pe);
          li++;
          ri++;
          if (shared[nextShared] === pe) nextShared++;
          continue;
        }
        if (right.byElement.has(pe) && shared[nextShared] !== undefined && shared[nextShared] !== pe) {
          // A shared item that the applied order places later: emit it there.
          li++;
          continue;
        }
      }
      if (li < left.order.length) {
        const pe = left.order[li] as PathElement;
        if (!right.byElement.has(pe)) {
          out.push(...(left.byElement.get(pe) as JsonValue[]));
          li++;
          continue;
        }
      }
      if (ri < right.order.length) {
        const pe = right.order[ri] as PathElement;
        mergeItem(pe);
        ri++;
        if (shared[nextShared] === pe) nextShared++;
        continue;
      }
      // Only shared live items remain that were already emitted.
      li++;
    }
    return out;
  }

  // ---------------------------------------------------------------- Compare

  /**
   * What changed from lhs to rhs (SMD Compare): leaves (scalars, atomic or empty collections) that
   * appear, disappear or differ, plus every map, list and list item that exists on one side only.
   *
   * `zeroStructs`: the live side of a built-in create is the Go zero object, in which non-pointer
   * structs along the struct path from the root already exist; they are then not reported as
   * added themselves (so `f:spec` carries no `.`), only their fields are.
   */
  compare(lhs: unknown, rhs: unknown, zeroStructs = false): Comparison {
    const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
    if (lhs === undefined && rhs === undefined) return c;
    this.#compare(
      lhs as JsonValue | undefined,
      rhs as JsonValue | undefined,
      this.rootType,
      [],
      c,
      zeroStructs,
    );
    return c;
  }

  #compare(
    lhs: JsonValue | undefined,
    rhs: JsonValue | undefined,
    ref: TypeRef,
    path: FieldPath,
    c: Comparison,
    zeroStructs: boolean,
  ): void {
    const atom = this.#atom(ref, rhs !== undefined ? rhs : lhs);
    const leaf = (): void => {
      if (lhs === undefined) c.added.insert(path);
      else if (rhs === undefined) c.removed.insert(path);
      else if (!jsonEqual(lhs, rhs)) c.modified.insert(path);
    };
    if (atom.kind === 'scalar' || atom.atomic) return leaf();
    if (isEmptyCollection(lhs) && isEmptyCollection(rhs)) return leaf();
    if (atom.kind === 'list') {
      const l = Array.isArray(lhs) ? lhs : undefined;
      const r = Array.isArray(rhs) ? rhs : undefined;
      if ((lhs !== undefined && lhs !== null && !l) || (rhs !== undefined && rhs !== null && !r))
        return leaf();
      const left = this.#index(atom.list, false, l ?? [], path, undefined);
      const right = this.#index(atom.list, false, r ?? [], path, undefined);
      for (const pe of left.order) {
        if (pe.startsWith('#')) continue;
        this.#compare(
          left.byElement.get(pe)?.[0],
          right.byElement.get(pe)?.[0],
          atom.list.elementType,
          [...path, pe],
          c,
          false,
        );
      }
      for (const pe of right.order) {
        if (pe.startsWith('#') || left.byElement.has(pe)) continue;
        this.#compare(
          undefined,
          right.byElement.get(pe)?.[0],
          atom.list.elementType,
          [...path, pe],
          c,
          false,
        );
      }
    } else {
      const l = isJsonObject(lhs) ? lhs : undefined;
      const r = isJsonObject(rhs) ? rhs : undefined;
      if ((lhs !== undefined && lhs !== null && !l) || (rhs !== undefined && rhs !== null && !r))
        return leaf();
      const keys = new Set([...Object.keys(l ?? {}), ...Object.keys(r ?? {})]);
      for (const key of keys) {
        const lv = l?.[key];
        const rv = r?.[key];
        if (lv === undefined && rv === undefined) continue;
        const declared = this.typeSet.field(atom.map, key);
        const childType = declared?.type ?? atom.map.elementType ?? DEDUCED;
        const childIsStruct =
          declared !== undefined && (this.typeSet.resolve(childType).map?.fields?.length ?? 0) > 0;
        this.#compare(lv, rv, childType, [...path, fieldElement(key)], c, zeroStructs && childIsStruct);
      }
    }
    // Non-leaf nodes present on one side only are themselves added or removed.
    if (lhs === undefined && !zeroStructs) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
  }

  // ---------------------------------------------------------------- RemoveItems

  /**
   * The value without the paths in `set` (SMD RemoveItems); a map or list emptied by the removal
   * disappears (the typed object drops it).
   */
  removeItems(value: unknown, set: FieldSet): JsonValue | undefined {
    return this.#remove(value as JsonValue | undefined, set, this.rootType);
  }

  #remove(value: JsonValue | undefined, set: FieldSet, ref: TypeRef): JsonValue | undefined {
    if (value === undefined || set.empty()) return value;
    const atom = this.#atom(ref, value);
    if (atom.kind === 'scalar' || atom.atomic) return value;
    if (atom.kind === 'list') {
      if (!Array.isArray(value) || value.length === 0) return value;
      const out: JsonValue[] = [];
      value.forEach((item, i) => {
        const pe = this.itemElement(atom.list, false, i, item);
        if (typeof pe !== 'string') {
          out.push(item);
          return;
        }
        if (set.members.has(pe)) return;
        const sub = set.children.get(pe);
        if (!sub) {
          out.push(item);
          return;
        }
        const kept = this.#remove(item, sub, atom.list.elementType);
        if (kept !== undefined) out.push(kept);
      });
      return out.length ? out : undefined;
    }
    if (!isJsonObject(value) || Object.keys(value).length === 0) return value;
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const pe = fieldElement(key);
      if (set.members.has(pe)) continue;
      const sub = set.children.get(pe);
      if (!sub) {
        out[key] = child;
        continue;
      }
      const kept = this.#remove(child, sub, this.#memberType(atom.map, key, undefined, []) ?? DEDUCED);
      if (kept !== undefined) out[key] = kept;
    }
    return Object.keys(out).length ? out : undefined;
  }

  // ---------------------------------------------------------------- EnsureNamedFieldsAreMembers

  /**
   * The set plus every declared struct field that has children in it (SMD
   * EnsureNamedFieldsAreMembers): `.spec.replicas` makes `.spec` a member too, a map key does not.
   */
  ensureNamedFieldsAreMembers(set: FieldSet): FieldSet {
    return this.#ensureNamed(set, this.rootType);
  }

  #ensureNamed(set: FieldSet, ref: TypeRef): FieldSet {
    let atom = this.typeSet.resolve(ref);
    if (atom.scalar === undefined && atom.list === undefined && atom.map === undefined)
      atom = this.typeSet.resolve(DEDUCED);
    const out = new FieldSet();
    for (const m of set.members) out.members.add(m);
    for (const [pe, child] of set.children) {
      let childType: TypeRef = DEDUCED;
      if (pe.startsWith('f:') && atom.map) {
        const declared = this.typeSet.field(atom.map, pe.slice(2));
        if (declared) {
          out.members.add(pe);
          childType = declared.type;
        } else if (atom.map.elementType) {
          childType = atom.map.elementType;
        }
      } else if (atom.list) {
        childType = atom.list.elementType;
      }
      out.children.set(pe, this.#ensureNamed(child, childType));
    }
    return out;
  }
}
