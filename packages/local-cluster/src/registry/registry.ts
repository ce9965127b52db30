import { builtinResourceTypes } from './builtins.js';
import type { ResourceType } from './types.js';

/** One API group as `/apis` lists it. */
export interface ApiGroupInfo {
  name: string;
  /** Served versions, preferred first. */
  versions: string[];
  preferredVersion: string;
}

const VERSION_PATTERN = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Orders versions as kube-apiserver does for CRDs: GA before beta before alpha, higher numbers
 * first, then anything that is not a Kubernetes version alphabetically
 * (k8s.io/apimachinery/pkg/version/helpers.go CompareKubeAwareVersionStrings).
 */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const m = VERSION_PATTERN.exec(v);
    if (!m) return undefined;
    const stability = m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0;
    return [stability, Number(m[1]), m[3] === undefined ? 0 : Number(m[3])];
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra && !rb) return -1;
  if (!ra && rb) return 1;
  if (!ra || !rb) return a < b ? -1 : a > b ? 1 : 0;
  if (ra[0] !== rb[0]) return rb[0] - ra[0];
  if (ra[1] !== rb[1]) return rb[1] - ra[1];
  return rb[2] - ra[2];
}

function key(group: string, version: string, name: string): string {
  return `${group}/${version}/${name}`;
}

/**
 * The resources the server serves: the built-in kinds plus the versions of every established CRD.
 * Discovery, routing and the OpenAPI documents all read it; listeners hear of every change so that
 * cached documents can be rebuilt.
 */
export class ResourceRegistry {
  private readonly types: ResourceType[] = [];
  private readonly byResource = new Map<string, ResourceType>();
  private readonly byKindKey = new Map<string, ResourceType>();
  private readonly listeners = new Set<() => void>();

  /** A registry holding the built-in resources of kube-apiserver that this server implements. */
  static withBuiltins(): ResourceRegistry {
    const registry = new ResourceRegistry();
    for (const type of builtinResourceTypes()) registry.insert(type);
    return registry;
  }

  /** Adds (or replaces, by group/version/resource) a resource type, e.g. one CRD version. */
  add(type: ResourceType): void {
    this.insert(type);
    this.changed();
  }

  /** Removes every version of a group's resource (a deleted CRD). */
  removeGroupResource(group: string, resource: string): void {
    const removed = this.types.filter((t) => t.group === group && t.resource === resource);
    if (removed.length === 0) return;
    for (const t of removed) {
      this.types.splice(this.types.indexOf(t), 1);
      this.byResource.delete(key(t.group, t.version, t.resource));
      if (this.byKindKey.get(key(t.group, t.version, t.kind)) === t)
        this.byKindKey.delete(key(t.group, t.version, t.kind));
    }
    this.changed();
  }

  /** The served type for a group/version/plural resource name. */
  get(group: string, version: string, resource: string): ResourceType | undefined {
    const t = this.byResource.get(key(group, version, resource));
    return t?.served ? t : undefined;
  }

  /** The served type for a group/version/kind. */
  byKind(group: string, version: string, kind: string): ResourceType | undefined {
    const t = this.byKindKey.get(key(group, version, kind));
    return t?.served ? t : undefined;
  }

  /** Every served type: built-ins in kube-apiserver's order, then custom resources by group, version, resource. */
  all(): ResourceType[] {
    return this.ordered().filter((t) => t.served);
  }

  /** The API groups other than the core group, in `/apis` order. */
  groups(): ApiGroupInfo[] {
    const result: ApiGroupInfo[] = [];
    const seen = new Map<string, ApiGroupInfo>();
    for (const t of this.all()) {
      if (t.group === '') continue;
      let g = seen.get(t.group);
      if (!g) {
        g = { name: t.group, versions: [], preferredVersion: t.version };
        seen.set(t.group, g);
        result.push(g);
      }
      if (!g.versions.includes(t.version)) g.versions.push(t.version);
    }
    for (const g of result) {
      g.versions.sort(compareKubeVersions);
      g.preferredVersion = g.versions[0] ?? g.preferredVersion;
    }
    return result;
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private insert(type: ResourceType): void {
    const k = key(type.group, type.version, type.resource);
    const previous = this.byResource.get(k);
    if (previous) {
      this.types[this.types.indexOf(previous)] = type;
      if (this.byKindKey.get(key(previous.group, previous.version, previous.kind)) === previous) {
        this.byKindKey.delete(key(previous.group, previous.version, previous.kind));
      }
    } else {
      this.types.push(type);
    }
    this.byResource.set(k, type);
    this.byKindKey.set(key(type.group, type.version, type.kind), type);
  }

  /** Built-ins keep their insertion order; custom groups follow, sorted, as CRD groups sort after built-ins upstream. */
  private ordered(): ResourceType[] {
    const builtin = this.types.filter((t) => !t.custom);
    const custom = this.types
      .filter((t) => t.custom)
      .sort(
        (a, b) =>
          (a.group < b.group ? -1 : a.group > b.group ? 1 : 0) ||
          compareKubeVersions(a.version, b.version) ||
          (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0),
      );
    return [...builtin, ...custom];
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
