/**
 * The few API calls the member-group primitive and the runbook engine make. Kept as a small
 * interface of this package's own so the engine can be tested against an in-memory fake and
 * run against `@opkit/core`'s KubeClient through {@link clusterClientFrom}.
 */
import type { KubeObject } from '@opkit/core';

/** Names one object: its kind (apiVersion + kind), namespace and name. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  /** Empty or absent for cluster-scoped kinds. */
  namespace?: string;
  name: string;
}

/** Names a kind to list. */
export interface KindRef {
  apiVersion: string;
  kind: string;
}

/** Options of {@link ClusterClient.apply}. */
export interface ApplyOptions {
  /** The server-side apply field manager. */
  fieldManager: string;
  /** Take over fields other managers own (default true: the operator is the authority). */
  force?: boolean;
}

/** Options of {@link ClusterClient.patch}. */
export interface MergePatchOptions {
  subresource?: 'status' | 'scale';
  fieldManager?: string;
}

/** Options of {@link ClusterClient.delete}. */
export interface DeleteOptions {
  /** Delete only this incarnation of the object (a pod recreated meanwhile is left alone). */
  uid?: string;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

/** The API calls of this package; {@link clusterClientFrom} adapts core's KubeClient. */
export interface ClusterClient {
  /** Reads one object; `undefined` when it does not exist. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Lists the objects of a kind in a namespace whose labels match all of `labels`. */
  list(kind: KindRef, namespace: string, labels?: Record<string, string>): Promise<KubeObject[]>;
  /** Server-side apply of the object's desired fields. */
  apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject>;
  /**
   * JSON merge patch (RFC 7386). A `metadata.resourceVersion` in the patch makes it conditional:
   * the server answers 409 Conflict when the object changed meanwhile.
   */
  patch(ref: ObjectRef, patch: Record<string, unknown>, opts?: MergePatchOptions): Promise<KubeObject>;
  /** Creates an object. */
  create(obj: KubeObject): Promise<KubeObject>;
  /** Deletes an object; resolves false when it was already gone (or `uid` no longer matches). */
  delete(ref: ObjectRef, opts?: DeleteOptions): Promise<boolean>;
}

/** The reference of an existing object. */
export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion ?? '',
    kind: obj.kind ?? '',
    namespace: obj.metadata.namespace,
    name: obj.metadata.name ?? '',
  };
}

/** The HTTP status code an error carries (core's typed errors and ApiError both have `code` or `status`). */
export function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown; status?: unknown };
  for (const v of [e.code, e.statusCode, e.status]) if (typeof v === 'number') return v;
  return undefined;
}
