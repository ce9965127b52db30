/**
 * The `pods/binding` subresource: assigns a pod to a node, as BindingREST does
 * (kubernetes pkg/registry/core/pod/storage/storage.go: assignPod / setPodNodeName).
 */
import { ApiError, errors, type KubeObject } from '../api/index.js';
import type { ApiCore } from '../apiserver/index.js';

/** core/v1 Binding: the pod (metadata.name, optional uid precondition) and its target node. */
export interface Binding {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; uid?: string; annotations?: Record<string, string>; [key: string]: unknown };
  target: { kind?: string; apiVersion?: string; name?: string };
}

const PODS = { group: '', resource: 'pods' };

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Binds the pod named by `binding.metadata.name` to `binding.target.name`: sets spec.nodeName, copies
 * the binding's annotations and records the PodScheduled=True condition. Conflict when the pod is
 * already assigned or being deleted. What `POST /api/v1/namespaces/NS/pods/NAME/binding` does.
 */
export function bindPod(core: ApiCore, namespace: string, binding: Binding, now: () => Date = () => new Date()): KubeObject {
  const name = binding.metadata?.name ?? '';
  const node = binding.target?.name ?? '';
  if (!name) throw errors.invalid('Binding', '', '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value' }]);
  if (binding.target?.kind && binding.target.kind !== 'Node') {
    throw errors.invalid('Binding', '', name, [{ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: "${binding.target.kind}": supported values: "Node"` }]);
  }
  if (!node) throw errors.invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  const key = { resource: '/pods', namespace, name };
  for (let attempt = 0; ; attempt++) {
    const pod = core.store.get(key);
    if (!pod) throw errors.notFound(PODS, name);
    if (binding.metadata.uid && binding.metadata.uid !== pod.metadata.uid) {
      throw errors.conflict(PODS, name, `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid ?? ''}`);
    }
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (pod.metadata.deletionTimestamp) throw errors.conflict(PODS, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (spec.nodeName) throw errors.conflict(PODS, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    const next = structuredClone(pod);
    (next.spec as { nodeName?: string }).nodeName = node;
    if (binding.metadata.annotations) {
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...binding.metadata.annotations };
    }
    const status = (next.status ?? {}) as { conditions?: { type: string; status: string; lastProbeTime?: null; lastTransitionTime?: string; reason?: string; message?: string }[] };
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(now()) });
    status.conditions = conditions;
    next.status = status;
    try {
      return core.store.update(key, next, { expectedResourceVersion: pod.metadata.resourceVersion });
    } catch (e) {
      if (e instanceof ApiError && e.code === 409 && attempt < 5) continue;
      throw e;
    }
  }
}
