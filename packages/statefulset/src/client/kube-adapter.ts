/**
 * {@link ClusterClient} over `@opkit/core`'s KubeClient: what an operator passes to the member
 * group and the runbook engine in production and in local-cluster tests.
 */
import { parseApiVersion, type GroupVersionKind, type KubeClient, type KubeObject } from '@opkit/core';
import {
  statusCodeOf,
  type ApplyOptions,
  type ClusterClient,
  type DeleteOptions,
  type KindRef,
  type MergePatchOptions,
  type ObjectRef,
} from './cluster-client.js';

/** The methods of core's KubeClient the adapter calls (a narrower seam, so tests may pass a stand-in). */
export type KubeClientLike = Pick<KubeClient, 'get' | 'list' | 'apply' | 'patch' | 'create' | 'delete'>;

function gvk(ref: KindRef): GroupVersionKind {
  return { ...parseApiVersion(ref.apiVersion), kind: ref.kind };
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
      return (list.items ?? []).map((item: KubeObject) => ({
        ...item,
        apiVersion: item.apiVersion ?? kind.apiVersion,
        kind: item.kind ?? kind.kind,
      }));
    },
    apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
      return kube.apply(obj, { fieldManager: opts.fieldManager, force: opts.force ?? true });
    },
    patch(ref: ObjectRef, patch: Record<string, unknown>, opts: MergePatchOptions = {}): Promise<KubeObject> {
      return kube.patch(gvk(ref), ref.name, patch, {
        type: 'merge',
        namespace: ref.namespace,
        subresource: opts.subresource,
        fieldManager: opts.fieldManager,
      });
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
