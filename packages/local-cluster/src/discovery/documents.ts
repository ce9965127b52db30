import { createHash } from 'node:crypto';
import type { ResourceRegistry, ResourceType } from '../registry/index.js';

/** version.Info as `/version` serves it (k8s.io/apimachinery/pkg/version/types.go). */
export interface VersionInfo {
  major: string;
  minor: string;
  emulationMajor?: string;
  emulationMinor?: string;
  minCompatibilityMajor?: string;
  minCompatibilityMinor?: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** The Kubernetes version this server reports. */
export const SERVED_KUBERNETES_VERSION = { major: '1', minor: '33', gitVersion: 'v1.33.0-opkit' } as const;

const GO_ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

/** The `/version` document: version 1.33, with this machine's platform in Go's `GOOS/GOARCH` spelling. */
export function versionInfo(overrides: Partial<VersionInfo> = {}): VersionInfo {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return {
    major: SERVED_KUBERNETES_VERSION.major,
    minor: SERVED_KUBERNETES_VERSION.minor,
    emulationMajor: SERVED_KUBERNETES_VERSION.major,
    emulationMinor: SERVED_KUBERNETES_VERSION.minor,
    minCompatibilityMajor: '1',
    minCompatibilityMinor: '32',
    gitVersion: SERVED_KUBERNETES_VERSION.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-04-23T00:00:00Z',
    goVersion: 'go1.24.2',
    compiler: 'gc',
    platform: `${os}/${GO_ARCH[process.arch] ?? process.arch}`,
    ...overrides,
  };
}

/** `/api`: the legacy core group's versions (meta/v1 APIVersions). */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupVersionEntry(group: string, version: string): { groupVersion: string; version: string } {
  return { groupVersion: `${group}/${version}`, version };
}

/** `/apis/<group>`: one meta/v1 APIGroup. */
export function apiGroup(registry: ResourceRegistry, name: string): Record<string, unknown> | undefined {
  const g = registry.groups().find((x) => x.name === name);
  if (!g) return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: g.name,
    versions: g.versions.map((v) => groupVersionEntry(g.name, v)),
    preferredVersion: groupVersionEntry(g.name, g.preferredVersion),
  };
}

/** `/apis`: meta/v1 APIGroupList of every group but the core one. */
export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry.groups().map((g) => ({
      name: g.name,
      versions: g.versions.map((v) => groupVersionEntry(g.name, v)),
      preferredVersion: groupVersionEntry(g.name, g.preferredVersion),
    })),
  };
}

/**
 * The hash clients use to notice a change of storage version: the first 8 bytes of the SHA-256 of
 * `group/version/kind`, base64 (k8s.io/apiserver/pkg/endpoints/discovery/storageversionhash.go).
 */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256')
    .update(`${group}/${version}/${kind}`)
    .digest()
    .subarray(0, 8)
    .toString('base64');
}

/** One subresource as discovery describes it. */
export interface SubresourceInfo {
  name: string;
  /** Set when the subresource answers with a kind of another group/version (scale, eviction). */
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
}

const STATUS_VERBS = ['get', 'patch', 'update'];

/** The subresources of a type with the kinds and verbs kube-apiserver reports for them. */
export function subresourcesOf(type: ResourceType): SubresourceInfo[] {
  const s = type.subresources;
  const out: SubresourceInfo[] = [];
  if (s.binding) out.push({ name: 'binding', kind: 'Binding', verbs: ['create'] });
  if (s.eviction)
    out.push({ name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  if (s.exec) out.push({ name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] });
  if (s.log) out.push({ name: 'log', kind: 'Pod', verbs: ['get'] });
  if (s.scale)
    out.push({ name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: STATUS_VERBS });
  if (s.status) out.push({ name: 'status', kind: type.kind, verbs: STATUS_VERBS });
  if (s.token)
    out.push({
      name: 'token',
      group: 'authentication.k8s.io',
      version: 'v1',
      kind: 'TokenRequest',
      verbs: ['create'],
    });
  return out;
}

function byName<T extends { resource: string }>(a: T, b: T): number {
  return a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0;
}

/** The served types of one group/version, sorted by resource name as the installer sorts its paths. */
export function typesOf(registry: ResourceRegistry, group: string, version: string): ResourceType[] {
  return registry
    .all()
    .filter((t) => t.group === group && t.version === version)
    .sort(byName);
}

/** `/api/v1` or `/apis/<group>/<version>`: meta/v1 APIResourceList, subresources listed as `pods/status`. */
export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = typesOf(registry, group, version);
  if (types.length === 0 && !(group === '' && version === 'v1')) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
      storageVersionHash: storageVersionHash(t.group, t.version, t.kind),
    });
    for (const sub of subresourcesOf(t)) {
      resources.push({
        name: `${t.resource}/${sub.name}`,
        singularName: '',
        namespaced: t.namespaced,
        ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}),
        kind: sub.kind,
        verbs: sub.verbs,
      });
    }
  }
  // kube-apiserver leaves apiVersion out of the legacy /api/v1 list (it is built without a group).
  return group === ''
    ? { kind: 'APIResourceList', groupVersion: version, resources }
    : { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources };
}

/** Which aggregated-discovery API version a client asked for. */
export type AggregatedVersion = 'v2' | 'v2beta1';

function resourceDiscovery(t: ResourceType): Record<string, unknown> {
  return {
    resource: t.resource,
    responseKind: { group: '', version: '', kind: t.kind },
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: t.verbs,
    ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
    ...(t.categories.length ? { categories: t.categories } : {}),
    ...(subresourcesOf(t).length
      ? {
          subresources: subresourcesOf(t).map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? '', version: s.version ?? '', kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/**
 * Aggregated discovery (apidiscovery.k8s.io APIGroupDiscoveryList) for `/api` (core only) or
 * `/apis` (every other group), as k8s.io/apiserver/pkg/endpoints/discovery/aggregated serves it:
 * versions preferred first, freshness Current.
 */
export function aggregatedDiscovery(
  registry: ResourceRegistry,
  which: 'api' | 'apis',
  version: AggregatedVersion,
): Record<string, unknown> {
  const groups =
    which === 'api' ? [{ name: '', versions: ['v1'], preferredVersion: 'v1' }] : registry.groups();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.name ? { name: g.name, creationTimestamp: null } : { creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: typesOf(registry, g.name, v).map(resourceDiscovery),
        freshness: 'Current',
      })),
    })),
  };
}
