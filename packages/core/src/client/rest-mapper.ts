/**
 * Kind ↔ resource mapping from API discovery (`/api`, `/apis`, `/api/v1`, `/apis/G/V`), loaded
 * lazily per group-version and cached. A miss refreshes that group-version (a CRD may have been
 * installed since), at most once per `minRefreshIntervalMs`, as controller-runtime's lazy
 * DynamicRESTMapper (pkg/client/apiutil/restmapper.go) does.
 */
import { NoKindMatchError, isNotFound } from './errors.js';
import type { RestTransport } from './transport.js';
import type { GroupVersionKind, GroupVersionResource } from './types.js';
import { formatApiVersion } from './types.js';

/** How one kind is served. */
export interface RESTMapping {
  gvk: GroupVersionKind;
  resource: GroupVersionResource;
  /** Singular resource name (e.g. `deployment`). */
  singular: string;
  namespaced: boolean;
  /** Subresources served for it, e.g. `['status', 'scale']`. */
  subresources: string[];
  verbs: string[];
  shortNames: string[];
}

/** meta/v1 APIResource as discovery serves it. */
interface APIResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
  group?: string;
  version?: string;
}

interface GroupInfo {
  versions: string[];
  preferredVersion: string;
}

interface GroupVersionMappings {
  byKind: Map<string, RESTMapping>;
  byResource: Map<string, RESTMapping>;
  loadedAt: number;
}

/** Options of {@link RESTMapper}. */
export interface RESTMapperOptions {
  /** Least time between two discovery refreshes of one group-version (or the group list). Default 1000 ms. */
  minRefreshIntervalMs?: number;
  /** Clock in ms, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/** Maps kinds to resources and back through discovery. */
export class RESTMapper {
  private groups: Promise<Map<string, GroupInfo>> | undefined;
  private groupsLoadedAt = -Infinity;
  private readonly gvs = new Map<string, Promise<GroupVersionMappings>>();
  private readonly minRefreshIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly transport: RestTransport,
    opts: RESTMapperOptions = {},
  ) {
    this.minRefreshIntervalMs = opts.minRefreshIntervalMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** The mapping of a kind; throws {@link NoKindMatchError} when discovery does not serve it. */
  async mappingFor(gvk: GroupVersionKind): Promise<RESTMapping> {
    let gv = await this.loadGroupVersion(gvk.group, gvk.version, false);
    let mapping = gv.byKind.get(gvk.kind);
    if (!mapping && this.now() - gv.loadedAt >= this.minRefreshIntervalMs) {
      gv = await this.loadGroupVersion(gvk.group, gvk.version, true);
      mapping = gv.byKind.get(gvk.kind);
    }
    if (!mapping) throw new NoKindMatchError(gvk);
    return mapping;
  }

  /**
   * The mapping of a group and kind at the given version, or at the group's preferred version
   * when none is given.
   */
  async mappingForGroupKind(group: string, kind: string, version?: string): Promise<RESTMapping> {
    return this.mappingFor({ group, kind, version: version ?? (await this.preferredVersion(group, kind)) });
  }

  /** The kind served at a resource (`{group:'apps', version:'v1', resource:'deployments'}`). */
  async kindFor(gvr: GroupVersionResource): Promise<GroupVersionKind> {
    let gv = await this.loadGroupVersion(gvr.group, gvr.version, false);
    let mapping = gv.byResource.get(gvr.resource);
    if (!mapping && this.now() - gv.loadedAt >= this.minRefreshIntervalMs) {
      gv = await this.loadGroupVersion(gvr.group, gvr.version, true);
      mapping = gv.byResource.get(gvr.resource);
    }
    if (!mapping)
      throw new NoKindMatchError({
        group: gvr.group,
        version: gvr.version,
        kind: `(resource ${gvr.resource})`,
      });
    return mapping.gvk;
  }

  /** The preferred version of a group (`v1` for the core group); refreshes the group list on a miss. */
  async preferredVersion(group: string, kindForErrors = ''): Promise<string> {
    let groups = await this.loadGroups(false);
    if (!groups.has(group) && this.now() - this.groupsLoadedAt >= this.minRefreshIntervalMs) {
      groups = await this.loadGroups(true);
    }
    const info = groups.get(group);
    if (!info) throw new NoKindMatchError({ group, version: '', kind: kindForErrors });
    return info.preferredVersion;
  }

  /** Whether a kind is namespaced. */
  async isNamespaced(gvk: GroupVersionKind): Promise<boolean> {
    return (await this.mappingFor(gvk)).namespaced;
  }

  /** Forgets everything; the next lookup rediscovers. */
  reset(): void {
    this.groups = undefined;
    this.groupsLoadedAt = -Infinity;
    this.gvs.clear();
  }

  private loadGroups(force: boolean): Promise<Map<string, GroupInfo>> {
    if (this.groups && !force) return this.groups;
    const previous = this.groups;
    const loading = (async () => {
      const [core, apis] = await Promise.all([
        this.getJson<{ versions?: string[] }>('/api'),
        this.getJson<{
          groups?: {
            name: string;
            versions?: { version: string }[];
            preferredVersion?: { version: string };
          }[];
        }>('/apis'),
      ]);
      const groups = new Map<string, GroupInfo>();
      const coreVersions = core.versions ?? ['v1'];
      groups.set('', { versions: coreVersions, preferredVersion: coreVersions[0] ?? 'v1' });
      for (const g of apis.groups ?? []) {
        const versions = (g.versions ?? []).map((v) => v.version);
        groups.set(g.name, { versions, preferredVersion: g.preferredVersion?.version ?? versions[0] ?? '' });
      }
      this.groupsLoadedAt = this.now();
      return groups;
    })();
    this.groups = loading;
    // keep the previous answer when a refresh fails, so one bad response does not poison the cache
    loading.catch(() => {
      if (this.groups === loading) this.groups = previous;
    });
    return loading;
  }

  private loadGroupVersion(group: string, version: string, force: boolean): Promise<GroupVersionMappings> {
    const key = formatApiVersion(group, version);
    const cached = this.gvs.get(key);
    if (cached && !force) return cached;
    const loading = (async (): Promise<GroupVersionMappings> => {
      const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
      let resources: APIResource[] = [];
      try {
        resources = (await this.getJson<{ resources?: APIResource[] }>(path)).resources ?? [];
      } catch (err) {
        // an unknown group-version is a miss, not an error: it may appear later
        if (!isNotFound(err)) throw err;
      }
      return this.index(group, version, resources);
    })();
    this.gvs.set(key, loading);
    loading.catch(() => {
      if (this.gvs.get(key) === loading) {
        if (cached) this.gvs.set(key, cached);
        else this.gvs.delete(key);
      }
    });
    return loading;
  }

  private index(group: string, version: string, resources: APIResource[]): GroupVersionMappings {
    const byKind = new Map<string, RESTMapping>();
    const byResource = new Map<string, RESTMapping>();
    const subresources = new Map<string, string[]>();
    for (const r of resources) {
      const slash = r.name.indexOf('/');
      if (slash >= 0) {
        const parent = r.name.slice(0, slash);
        subresources.set(parent, [...(subresources.get(parent) ?? []), r.name.slice(slash + 1)]);
      }
    }
    for (const r of resources) {
      if (r.name.includes('/')) continue;
      const mapping: RESTMapping = {
        gvk: { group, version, kind: r.kind },
        resource: { group, version, resource: r.name },
        singular: r.singularName || r.kind.toLowerCase(),
        namespaced: r.namespaced,
        subresources: subresources.get(r.name) ?? [],
        verbs: r.verbs ?? [],
        shortNames: r.shortNames ?? [],
      };
      // the first resource for a kind wins, as discovery lists the canonical one first
      if (!byKind.has(r.kind)) byKind.set(r.kind, mapping);
      byResource.set(r.name, mapping);
    }
    return { byKind, byResource, loadedAt: this.now() };
  }

  private async getJson<T>(path: string): Promise<T> {
    const res = await this.transport.request({ method: 'GET', path });
    return JSON.parse(res.body.toString('utf8')) as T;
  }
}
