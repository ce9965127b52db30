/**
 * What every simulated controller shares: the in-process API, the clock, and typed shortcuts for the
 * few resources they touch.
 */
import type { KubeObject, OwnerReference } from '../../api/index.js';
import { ApiError } from '../../api/index.js';
import { LabelSelector, labelSelectorToString, type ApiCore } from '../../apiserver/index.js';
import type { ResourceType } from '../../registry/index.js';
import type { Logger } from '../../logging/index.js';
import type { Clock } from './clock.js';
import { canonicalJson } from './canonical-json.js';
import { objectKey } from './controller-loop.js';

/** The field manager of every controller write, as kube-controller-manager's managedFields show. */
export const CONTROLLER_MANAGER = 'kube-controller-manager';

/** Resource types the controllers use, resolved once. */
export interface ControllerTypes {
  pods: ResourceType;
  services: ResourceType;
  endpoints: ResourceType;
  endpointSlices: ResourceType;
  pvcs: ResourceType;
  pvs: ResourceType;
  storageClasses: ResourceType;
  statefulSets: ResourceType;
  deployments: ResourceType;
  replicaSets: ResourceType;
  controllerRevisions: ResourceType;
  pdbs: ResourceType;
}

/** Looks up the controller types in the API's registry. */
export function controllerTypes(core: ApiCore): ControllerTypes {
  return {
    pods: core.typeOf('', 'v1', 'pods'),
    services: core.typeOf('', 'v1', 'services'),
    endpoints: core.typeOf('', 'v1', 'endpoints'),
    endpointSlices: core.typeOf('discovery.k8s.io', 'v1', 'endpointslices'),
    pvcs: core.typeOf('', 'v1', 'persistentvolumeclaims'),
    pvs: core.typeOf('', 'v1', 'persistentvolumes'),
    storageClasses: core.typeOf('storage.k8s.io', 'v1', 'storageclasses'),
    statefulSets: core.typeOf('apps', 'v1', 'statefulsets'),
    deployments: core.typeOf('apps', 'v1', 'deployments'),
    replicaSets: core.typeOf('apps', 'v1', 'replicasets'),
    controllerRevisions: core.typeOf('apps', 'v1', 'controllerrevisions'),
    pdbs: core.typeOf('policy', 'v1', 'poddisruptionbudgets'),
  };
}

/** The environment a controller runs in. */
export interface ControllerContext {
  core: ApiCore;
  types: ControllerTypes;
  clock: Clock;
  logger: Logger;
}

/** The store key prefix of a type (`/pods`, `apps/statefulsets`). */
export function storeResource(type: ResourceType): string {
  return `${type.group}/${type.resource}`;
}

/** Objects of `type` in `namespace` (all namespaces with undefined), read from the store. */
export function listObjects(
  ctx: ControllerContext,
  type: ResourceType,
  namespace: string | undefined,
  filter?: (o: KubeObject) => boolean,
): KubeObject[] {
  return ctx.core.store.list(storeResource(type), { namespace, ...(filter ? { filter } : {}) }).items;
}

/** The work-queue keys (`namespace/name`) of the objects {@link listObjects} returns across all namespaces. */
export function listObjectKeys(
  ctx: ControllerContext,
  type: ResourceType,
  filter?: (o: KubeObject) => boolean,
): string[] {
  return listObjects(ctx, type, undefined, filter).map((o) =>
    objectKey(o.metadata.namespace, o.metadata.name),
  );
}

/** One object from the store, or undefined. */
export function getObject(
  ctx: ControllerContext,
  type: ResourceType,
  namespace: string,
  name: string,
): KubeObject | undefined {
  return ctx.core.store.get({
    resource: storeResource(type),
    namespace: type.namespaced ? namespace : '',
    name,
  });
}

/** The controller ownerReference of `obj`, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** A controller reference to `owner` (metav1.NewControllerRef: controller and blockOwnerDeletion true). */
export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A metav1.LabelSelector as a matcher; a missing (null) selector matches nothing. */
export function selectorMatcher(selector: unknown): (labels: Record<string, string> | undefined) => boolean {
  if (selector === undefined || selector === null) return () => false;
  const parsed = LabelSelector.parse(labelSelectorToString(selector));
  return (labels) => parsed.matches(labels);
}

/** Deletes, ignoring an object that is already gone. */
export async function deleteIgnoringMissing(
  ctx: ControllerContext,
  type: ResourceType,
  namespace: string,
  name: string,
  uid?: string,
): Promise<void> {
  try {
    await ctx.core.delete(type, namespace, name, uid ? { preconditions: { uid } } : {});
  } catch (e) {
    if (!(e instanceof ApiError && (e.code === 404 || (e.code === 409 && uid !== undefined)))) throw e;
  }
}

/** Replaces the status of `obj` through the status subresource when it differs. */
export async function writeStatus(
  ctx: ControllerContext,
  type: ResourceType,
  obj: KubeObject,
  status: Record<string, unknown>,
): Promise<void> {
  if (canonicalJson(obj.status ?? {}) === canonicalJson(status)) return;
  await ctx.core.update(
    type,
    obj.metadata.namespace ?? '',
    obj.metadata.name ?? '',
    { ...obj, status },
    { subresource: 'status', fieldManager: CONTROLLER_MANAGER },
  );
}

/** Integer or percentage (intstr) scaled against `total` (intstrutil.GetScaledValueFromIntOrPercent). */
export function scaledValue(value: unknown, total: number, roundUp: boolean, fallback: number): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.endsWith('%')) {
    const pct = Number(value.slice(0, -1));
    if (Number.isNaN(pct)) return fallback;
    const raw = (pct * total) / 100;
    return roundUp ? Math.ceil(raw) : Math.floor(raw);
  }
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return fallback;
}
