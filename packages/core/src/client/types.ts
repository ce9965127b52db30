/**
 * The object shapes the client speaks: any Kubernetes object, lists, watch events, Status, and the
 * GroupVersionKind that names a type. Objects are plain parsed JSON; the client never deep-copies.
 */

/** Identifies a type: `{ group: 'apps', version: 'v1', kind: 'Deployment' }`; core kinds have group `''`. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** Identifies a resource (the URL path segment): `{ group: 'apps', version: 'v1', resource: 'deployments' }`. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** meta/v1 OwnerReference. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** meta/v1 ObjectMeta (the fields operators use; unknown fields are kept). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

/** Any Kubernetes object: apiVersion, kind, metadata and the rest of its fields. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** meta/v1 PartialObjectMetadata, what metadata-only lists and watches return. */
export interface PartialObjectMetadata extends KubeObject {
  apiVersion: 'meta.k8s.io/v1';
  kind: 'PartialObjectMetadata';
}

/** meta/v1 ListMeta. */
export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A list of objects of one kind (`PodList`, `PartialObjectMetadataList`, ...). */
export interface ObjectList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

/** meta/v1 StatusCause. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** meta/v1 StatusDetails. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** meta/v1 Status: the body of every error response and of some deletes. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata?: { resourceVersion?: string; continue?: string };
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/** A watch event as the server streams it (meta/v1 WatchEvent), typed by object. */
export type WatchEvent<T extends KubeObject = KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: KubeObject }
  | { type: 'ERROR'; object: Status };

/** Splits `apps/v1` into group and version (`v1` → core group `''`). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Joins group and version into an apiVersion (`apps/v1`, or `v1` for the core group). */
export function formatApiVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** The GroupVersionKind of an object from its apiVersion and kind; throws when either is missing. */
export function gvkOf(obj: { apiVersion?: string; kind?: string }): GroupVersionKind {
  if (!obj.apiVersion || !obj.kind) {
    throw new TypeError('object has no apiVersion/kind: the client needs both to find its resource');
  }
  return { ...parseApiVersion(obj.apiVersion), kind: obj.kind };
}

/** `apps/v1, Kind=Deployment`, as Kubernetes prints a GroupVersionKind. */
export function formatGvk(gvk: GroupVersionKind): string {
  return `${formatApiVersion(gvk.group, gvk.version)}, Kind=${gvk.kind}`;
}

/**
 * Compares two resourceVersions. They are opaque to clients by contract, but every apiserver backed
 * by etcd (and the local cluster) issues decimal revisions, which is what makes "has the cache seen
 * my write" decidable; returns `undefined` when either is not a decimal integer.
 */
export function compareResourceVersions(a: string, b: string): number | undefined {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
