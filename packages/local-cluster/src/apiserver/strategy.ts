/**
 * Per-kind rules of kube-apiserver's REST strategies (pkg/registry/<group>/<kind>/strategy.go and
 * k8s.io/apiserver/pkg/registry/generic/registry/store.go) that the generic handlers consult.
 */
import { errors, type KubeObject } from '../api/index.js';
import type { ResourceType } from '../registry/index.js';

function groupResource(type: ResourceType): string {
  return `${type.group}/${type.resource}`;
}

/**
 * Kinds whose strategy sets metadata.generation on create and bumps it on spec changes
 * (apps, batch, policy, CRDs, custom resources; pods since 1.33's PodObservedGenerationTracking).
 */
export function tracksGeneration(type: ResourceType): boolean {
  if (type.custom) return true;
  return (
    ['apps', 'batch', 'policy', 'apiextensions.k8s.io', 'autoscaling', 'networking.k8s.io'].includes(
      type.group,
    ) || groupResource(type) === '/pods'
  );
}

/** Upstream strategies' AllowCreateOnUpdate: PUT of a missing object creates it. */
export function allowCreateOnUpdate(type: ResourceType): boolean {
  return ['/endpoints', '/events', 'events.k8s.io/events', '/limitranges'].includes(groupResource(type));
}

/**
 * AllowUnconditionalUpdate: an update without metadata.resourceVersion is allowed. False for custom
 * resources (apiextensions-apiserver pkg/registry/customresource/strategy.go) and CRDs.
 */
export function allowUnconditionalUpdate(type: ResourceType): boolean {
  return !type.custom && groupResource(type) !== 'apiextensions.k8s.io/customresourcedefinitions';
}

/** Store.ReturnDeletedObject: these answer a completed delete with the object, the rest with a Status. */
export function returnsDeletedObject(type: ResourceType): boolean {
  if (type.custom) return true;
  return ['/pods', '/serviceaccounts', '/namespaces', 'storage.k8s.io/storageclasses', '/services'].includes(
    groupResource(type),
  );
}

/** Computes the pod's QoS class (pkg/apis/core/helper/qos) for status.qosClass on create. */
function podQosClass(pod: KubeObject): string {
  const spec = (pod.spec ?? {}) as {
    containers?: { resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }[];
  };
  const containers = spec.containers ?? [];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined) guaranteed = false;
      if (req[r] !== undefined && lim[r] !== undefined && String(req[r]) !== String(lim[r]))
        guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * PrepareForCreate: what the strategy resets before a create. Kinds with a status subresource
 * start with an empty status (nodes keep theirs: the kubelet registers them with one).
 */
export function prepareForCreate(type: ResourceType, obj: KubeObject): void {
  const gr = groupResource(type);
  if (type.subresources.status && gr !== '/nodes') delete obj.status;
  switch (gr) {
    case '/pods':
      obj.status = { phase: 'Pending', qosClass: podQosClass(obj) };
      break;
    case '/namespaces': {
      // pkg/registry/core/namespace/strategy.go: finalizers [kubernetes], phase Active
      const spec = (obj.spec ?? {}) as { finalizers?: string[] };
      const finalizers = spec.finalizers ?? [];
      if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
      obj.spec = { ...spec, finalizers };
      obj.status = { phase: 'Active' };
      break;
    }
    case '/persistentvolumeclaims':
      obj.status = { phase: 'Pending' };
      break;
    case '/persistentvolumes':
      obj.status = { phase: 'Pending' };
      break;
  }
}

/**
 * The grace period a delete gets: pods that run on a node wait for the kubelet
 * (pkg/registry/core/pod/strategy.go CheckGracefulDelete); everything else goes at once.
 */
export function gracePeriodFor(type: ResourceType, obj: KubeObject, requested: number | undefined): number {
  if (groupResource(type) !== '/pods') return 0;
  const spec = (obj.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  // unscheduled or terminated pods are deleted immediately
  if (!spec.nodeName || phase === 'Failed' || phase === 'Succeeded') return 0;
  if (requested !== undefined) return Math.max(0, requested);
  return spec.terminationGracePeriodSeconds ?? 30;
}

/** The fields a field selector may use for this resource, with their values (GetAttrs/ToSelectableFields). */
export function selectableFields(type: ResourceType, obj: KubeObject): Record<string, string> {
  const meta = obj.metadata ?? {};
  const fields: Record<string, string> = { 'metadata.name': meta.name ?? '' };
  if (type.namespaced) fields['metadata.namespace'] = meta.namespace ?? '';
  const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const status = (obj.status ?? {}) as Record<string, unknown>;
  switch (groupResource(type)) {
    case '/pods':
      fields['spec.nodeName'] = str(spec.nodeName);
      fields['spec.restartPolicy'] = str(spec.restartPolicy);
      fields['spec.schedulerName'] = str(spec.schedulerName);
      fields['spec.serviceAccountName'] = str(spec.serviceAccountName);
      fields['spec.hostNetwork'] = str(spec.hostNetwork ?? false);
      fields['status.phase'] = str(status.phase);
      fields['status.podIP'] = str(status.podIP);
      fields['status.nominatedNodeName'] = str(status.nominatedNodeName);
      break;
    case '/secrets':
      fields['type'] = str(obj.type);
      break;
    case '/namespaces':
      fields['status.phase'] = str(status.phase);
      break;
    case '/nodes':
      fields['spec.unschedulable'] = str(spec.unschedulable ?? false);
      break;
    case '/events': {
      const io = (obj.involvedObject ?? {}) as Record<string, unknown>;
      for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) {
        fields[`involvedObject.${k}`] = str(io[k]);
      }
      fields['reason'] = str(obj.reason);
      fields['reportingComponent'] = str(obj.reportingComponent);
      fields['source'] = str((obj.source as { component?: string } | undefined)?.component);
      fields['type'] = str(obj.type);
      break;
    }
    case 'apps/replicasets':
      fields['status.replicas'] = str(status.replicas);
      break;
  }
  return fields;
}

/** Throws 400 for a field selector naming a field the resource does not support. */
export function checkFieldSelectorFields(type: ResourceType, used: string[]): void {
  if (used.length === 0) return;
  const known = Object.keys(selectableFields(type, { apiVersion: '', kind: '', metadata: {} }));
  for (const f of used) {
    if (known.includes(f)) continue;
    if (type.custom) {
      // apiextensions-apiserver: customresource/strategy.go GetAttrs
      throw errors.badRequest(
        `"${f}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    throw errors.badRequest(`field label not supported: ${f}`);
  }
}

/**
 * What decoding into the internal type does to a v1 object before it is stored: a Secret's
 * write-only `stringData` is merged into `data` (base64), overriding equal keys, and dropped
 * (Convert_v1_Secret_To_core_Secret in pkg/apis/core/v1/conversion.go).
 */
export function convertToStorage(type: ResourceType, obj: KubeObject): void {
  if (groupResource(type) !== '/secrets') return;
  const stringData = obj.stringData;
  if (stringData === undefined || stringData === null) return;
  delete obj.stringData;
  if (typeof stringData !== 'object' || Array.isArray(stringData)) return;
  const data = { ...((obj.data ?? {}) as Record<string, unknown>) };
  for (const [key, value] of Object.entries(stringData as Record<string, unknown>)) {
    data[key] = Buffer.from(typeof value === 'string' ? value : String(value), 'utf8').toString('base64');
  }
  obj.data = data as KubeObject['data'];
}
