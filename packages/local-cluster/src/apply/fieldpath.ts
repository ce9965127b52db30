/**
 * Field paths and field sets as sigs.k8s.io/structured-merge-diff (SMD) `fieldpath` defines them,
 * with their FieldsV1 JSON form (the `fieldsV1` of a managedFields entry).
 *
 * A path element is kept in its FieldsV1 spelling, which is also a stable identity:
 * `f:name` (a struct field or map key), `k:{"name":"c"}` (an associative list item by its keys,
 * sorted by key name), `v:"x"` (a set item by its value), `i:0` (a list item by index).
 */
import type { JsonObject, JsonValue } from '../api/index.js';

/** One step of a field path, spelled as in FieldsV1 (`f:spec`, `k:{"name":"c"}`, `v:"x"`, `i:0`). */
export type PathElement = string;
/** A field path from the object root. */
export type FieldPath = PathElement[];

/** The path element of a struct field or map key. */
export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** The path element of an associative list item: its key fields, sorted by name as SMD sorts them. */
export function keyElement(keys: [string, JsonValue][]): PathElement {
  const sorted = [...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const body = sorted.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`).join(',');
  return `k:{${body}}`;
}

/** The path element of a set item (an associative list of scalars). */
export function valueElement(value: JsonValue): PathElement {
  return `v:${JSON.stringify(value)}`;
}

/** The path element of a list item by position (SMD does not use these for apply; kept for completeness). */
export function indexElement(index: number): PathElement {
  return `i:${index}`;
}

const kindRank: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareScalars(a: JsonValue, b: JsonValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Orders path elements as SMD's PathElement.Compare does: fields, then keys, values, indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ka = kindRank[a[0] ?? ''] ?? 9;
  const kb = kindRank[b[0] ?? ''] ?? 9;
  if (ka !== kb) return ka - kb;
  const ra = a.slice(2);
  const rb = b.slice(2);
  switch (a[0]) {
    case 'f':
      return ra < rb ? -1 : ra > rb ? 1 : 0;
    case 'i':
      return Number(ra) - Number(rb);
    case 'v':
      return compareScalars(JSON.parse(ra) as JsonValue, JSON.parse(rb) as JsonValue);
    case 'k': {
      // FieldList.Compare: field by field (name, then value); the shorter list first.
      const la = Object.entries(JSON.parse(ra) as JsonObject);
      const lb = Object.entries(JSON.parse(rb) as JsonObject);
      for (let i = 0; ; i++) {
        if (i >= la.length && i >= lb.length) return 0;
        if (i >= la.length) return -1;
        if (i >= lb.length) return 1;
        const [na, va] = la[i] as [string, JsonValue];
        const [nb, vb] = lb[i] as [string, JsonValue];
        if (na !== nb) return na < nb ? -1 : 1;
        const c = compareScalars(va, vb);
        if (c !== 0) return c;
      }
    }
    default:
      return ra < rb ? -1 : ra > rb ? 1 : 0;
  }
}

/** The human form of a path element, as SMD's PathElement.String prints it in conflict messages. */
export function pathElementString(pe: PathElement): string {
  const rest = pe.slice(2);
  switch (pe[0]) {
    case 'f':
      return `.${rest}`;
    case 'k': {
      const entries = Object.entries(JSON.parse(rest) as JsonObject);
      return `[${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    }
    case 'v':
      return `[=${rest}]`;
    case 'i':
      return `[${rest}]`;
    default:
      return '{{invalid path element}}';
  }
}

/** The human form of a path: `.spec.template.spec.containers[name="c"].image`. */
export function pathString(path: FieldPath): string {
  return path.map(pathElementString).join('');
}

/**
 * A set of field paths, stored as a tree like SMD's fieldpath.Set: `members` are the paths that end
 * at this node, `children` the subtrees. A path element may be both (FieldsV1 writes `.` then).
 */
export class FieldSet {
  readonly members = new Set<PathElement>();
  readonly children = new Map<PathElement, FieldSet>();

  /** A set holding the given paths. */
  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path; the empty path is ignored as in SMD. */
  insert(path: FieldPath): void {
    const [head, ...rest] = path;
    if (head === undefined) return;
    if (rest.length === 0) {
      this.members.add(head);
      return;
    }
    let child = this.children.get(head);
    if (!child) {
      child = new FieldSet();
      this.children.set(head, child);
    }
    child.insert(rest);
  }

  /** Whether the path is a member. */
  has(path: FieldPath): boolean {
    const [head, ...rest] = path;
    if (head === undefined) return false;
    if (rest.length === 0) return this.members.has(head);
    return this.children.get(head)?.has(rest) ?? false;
  }

  /** True when the set holds no path. */
  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.empty()) return false;
    return true;
  }

  /** A deep copy. */
  clone(): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) s.members.add(m);
    for (const [pe, c] of this.children) s.children.set(pe, c.clone());
    return s;
  }

  /** Paths in either set. */
  union(other: FieldSet): FieldSet {
    const s = this.clone();
    for (const m of other.members) s.members.add(m);
    for (const [pe, c] of other.children) {
      const mine = s.children.get(pe);
      s.children.set(pe, mine ? mine.union(c) : c.clone());
    }
    return s;
  }

  /** Paths in both sets. */
  intersection(other: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) s.members.add(m);
    for (const [pe, c] of this.children) {
      const theirs = other.children.get(pe);
      if (!theirs) continue;
      const i = c.intersection(theirs);
      if (!i.empty()) s.children.set(pe, i);
    }
    return s;
  }

  /** Paths of this set that are not in the other (exact paths; descendants of a removed path stay). */
  difference(other: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) s.members.add(m);
    for (const [pe, c] of this.children) {
      const theirs = other.children.get(pe);
      const d = theirs ? c.difference(theirs) : c.clone();
      if (!d.empty()) s.children.set(pe, d);
    }
    return s;
  }

  /** Paths of this set that are neither in the other nor below one of its members. */
  recursiveDifference(other: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) s.members.add(m);
    for (const [pe, c] of this.children) {
      if (other.members.has(pe)) continue;
      const theirs = other.children.get(pe);
      const d = theirs ? c.recursiveDifference(theirs) : c.clone();
      if (!d.empty()) s.children.set(pe, d);
    }
    return s;
  }

  /** Members that have no children: the leaves of the tree. */
  leaves(): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) if (!this.children.has(m)) s.members.add(m);
    for (const [pe, c] of this.children) {
      const l = c.leaves();
      if (!l.empty()) s.children.set(pe, l);
    }
    return s;
  }

  /** Every path, members of a node before its children, each level in SMD's order. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (node: FieldSet, prefix: FieldPath): void => {
      for (const m of [...node.members].sort(comparePathElements)) out.push([...prefix, m]);
      for (const pe of [...node.children.keys()].sort(comparePathElements)) {
        walk(node.children.get(pe) as FieldSet, [...prefix, pe]);
      }
    };
    walk(this, []);
    return out;
  }

  /** The FieldsV1 JSON form: `{"f:spec":{"f:replicas":{}}}`, with `"."` for a member that has children. */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    const elements = new Set<PathElement>([...this.members, ...this.children.keys()]);
    for (const pe of [...elements].sort(comparePathElements)) {
      const child = this.children.get(pe);
      if (child && !child.empty()) {
        const body: JsonObject = this.members.has(pe) ? { '.': {} } : {};
        Object.assign(body, child.toFieldsV1());
        out[pe] = body;
      } else if (this.members.has(pe)) {
        out[pe] = {};
      }
    }
    return out;
  }

  /** Reads the FieldsV1 JSON form; throws on malformed input. */
  static fromFieldsV1(json: unknown): FieldSet {
    const s = new FieldSet();
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new Error('FieldsV1 must be a JSON object');
    }
    for (const [pe, body] of Object.entries(json as Record<string, unknown>)) {
      if (pe === '.') continue;
      if (!/^[fkvi]:/.test(pe)) throw new Error(`unknown path element ${JSON.stringify(pe)}`);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new Error(`path element ${JSON.stringify(pe)} must map to an object`);
      }
      const keys = Object.keys(body);
      if (keys.length === 0 || keys.includes('.')) s.members.add(pe);
      if (keys.some((k) => k !== '.')) {
        const child = FieldSet.fromFieldsV1(body);
        if (!child.empty()) s.children.set(pe, child);
      }
    }
    return s;
  }
}
