/**
 * {@link ClusterClient} over `@opkit/core`'s KubeClient: what an operator passes to the member
 * group and the runbook engine in production and in local-cluster tests. Typed structurally
 * ({@link KubeClientLike}) so this package does not depend on core's still-moving root exports.
 */
import { statusCodeOf, type ApplyOptions, type ClusterClient, type DeleteOptions, type KindRef, type MergePatchOptions, type ObjectRef } from './cluster-client.js';
import type { KubeObject } from './types.js';

type Gvk = { group: string; version: string; kind: string };

/** The methods of core's KubeClient the adapter calls. */
export interface KubeClientLike {
  get(gvk: Gvk, name: string, opts?: { namespace?: string }): Promise<KubeObject>;
  list(gvk: Gvk, opts?: { namespace?: string; labelSelector?: string }): Promise<{ items: KubeObject[] }>;
  apply(obj: KubeObject, opts?: { fieldManager?: string; force?: boolean }): Promise<KubeObject>;
  patch(gvk: Gvk, name: string, patch: unknown, opts?: { type?: 'merge'; namespace?: string; subresource?: string; fieldManager?: string }): Promise<KubeObject>;
  create(obj: KubeObject): Promise<KubeObject>;
  delete(gvk: Gvk, name: string, opts?: { namespace?: string; propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; preconditions?: { uid?: string } }): Promise<unknown>;
}

function gvk(ref: KindRef): Gvk {
  const slash = ref.apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: ref.apiVersion, kind: ref.kind }
    : { group: ref.apiVersion.slice(0, slash), version: ref.apiVersion.slice(slash + 1), kind: ref.kind };
}

/** Adapts a KubeClient to the {@link ClusterClient} interface. */
export function clusterClientFrom(kube: KubeClientLike): ClusterClient {
  return {
    async get(ref: ObjectRef): Promise<KubeObject | undefined> {
      try {
        return await kube.get(gvk(ref), ref.name, { namespace: ref.namespace });
      } catch (e) {
        if (statusCodeOf(e) === 404) return undefined;
        throw e;
      }
    },
    async list(kind: KindRef, namespace: string, labels?: Record<string, string>): Promise<KubeObject[]> {
      const entries = Object.entries(labels ?? {});
      const labelSelector = entries.length > 0 ? entries.map(([k, v]) => `${k}=${v}`).join(',') : undefined;
      const list = await kube.list(gvk(kind), { namespace, labelSelector });
      // list items carry no apiVersion/kind on the wire
      return (list.items ?? []).map((item: KubeObject) => ({ ...item, apiVersion: item.apiVersion ?? kind.apiVersion, kind: item.kind ?? kind.kind }));
    },
    apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
      return kube.apply(obj, { fieldManager: opts.fieldManager, force: opts.force ?? true });
    },
    patch(ref: ObjectRef, patch: Record<string, unknown>, opts: MergePatchOptions = {}): Promise<KubeObject> {
      return kube.patch(gvk(ref), ref.name, patch, { type: 'merge', namespace: ref.namespace, subresource: opts.subresource, fieldManager: opts.fieldManager });
    },
    create(obj: KubeObject): Promise<KubeObject> {
      return kube.create(obj);
    },
    async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<boolean> {
      try {
        await kube.delete(gvk(ref), ref.name, {
          namespace: ref.namespace,
          propagationPolicy: opts.propagationPolicy,
          preconditions: opts.uid ? { uid: opts.uid } : undefined,
        });
        return true;
      } catch (e) {
        const code = statusCodeOf(e);
        // a uid precondition that no longer holds (409) means this incarnation is already gone
        if (code === 404 || (opts.uid && code === 409)) return false;
        throw e;
      }
    },
  };
}
