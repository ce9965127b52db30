/**
 * The Endpoints and EndpointSlice controllers for Services with a selector
 * (pkg/controller/endpoint/endpoints_controller.go, pkg/controller/endpointslice/reconciler.go and
 * staging/src/k8s.io/endpointslice/utils.go):
 *
 * - a pod is listed when it has an IP, is not terminal, and is not terminating — unless the Service
 *   sets publishNotReadyAddresses (ShouldPodBeInEndpoints);
 * - Ready pods are addresses, the rest notReadyAddresses; with publishNotReadyAddresses every
 *   listed pod is ready;
 * - a pod whose spec.hostname is set and whose spec.subdomain is the Service's name gets that
 *   hostname in its address (how StatefulSet pods get DNS names through a headless Service);
 * - a named targetPort is resolved per pod from its containers' ports; a pod without it is left
 *   out of that port's subset.
 */
import type { KubeObject } from '../../api/index.js';
import { ApiError } from '../../api/index.js';
import {
  canonicalJson,
  CONTROLLER_MANAGER,
  controllerRef,
  deleteIgnoringMissing,
  getObject,
  isPodReady,
  isTerminating,
  listObjectKeys,
  listObjects,
  objectKey,
  podPhase,
  splitKey,
  type ControllerContext,
  type ControllerDefinition,
} from '../runtime/index.js';

/** discovery/v1 LabelServiceName. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** discovery/v1 LabelManagedBy and the controller's value. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY_CONTROLLER = 'endpointslice-controller.k8s.io';
/** v1 IsHeadlessService label. */
const HEADLESS_LABEL = 'service.kubernetes.io/headless';

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  appProtocol?: string;
}

interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: ServicePort[];
  publishNotReadyAddresses?: boolean;
  clusterIP?: string;
}

interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** One pod as an endpoint, before it is rendered for Endpoints or EndpointSlices. */
interface PodEndpoint {
  pod: KubeObject;
  ip: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  hostname?: string;
  nodeName?: string;
  ports: EndpointPort[];
}

function serviceSpec(svc: KubeObject): ServiceSpec {
  return (svc.spec ?? {}) as ServiceSpec;
}

/** Whether the controllers manage endpoints for this Service (a non-empty selector). */
function hasSelector(svc: KubeObject | undefined): svc is KubeObject {
  return (
    svc !== undefined &&
    Object.keys(serviceSpec(svc).selector ?? {}).length > 0 &&
    (svc.spec as { type?: string }).type !== 'ExternalName'
  );
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** podutil.FindPort: a number as is; a name from the pod's container ports with the same protocol. */
function findPort(pod: KubeObject, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? 'TCP';
  const containers =
    (
      pod.spec as
        | { containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[] }
        | undefined
    )?.containers ?? [];
  for (const c of containers) {
    for (const p of c.ports ?? [])
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** The endpoints of a Service, one per pod that belongs in them. */
function podEndpoints(ctx: ControllerContext, svc: KubeObject): PodEndpoint[] {
  const spec = serviceSpec(svc);
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const namespace = svc.metadata.namespace;
  const pods = listObjects(ctx, ctx.types.pods, namespace, (p) =>
    matches(spec.selector ?? {}, p.metadata.labels),
  );
  const result: PodEndpoint[] = [];
  for (const pod of pods) {
    const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
    const phase = podPhase(pod);
    // ShouldPodBeInEndpoints
    if (!ip || phase === 'Failed' || phase === 'Succeeded') continue;
    if (isTerminating(pod) && !publishNotReady) continue;
    const podSpec = (pod.spec ?? {}) as { hostname?: string; subdomain?: string; nodeName?: string };
    const ports: EndpointPort[] = [];
    for (const p of spec.ports ?? []) {
      const number = findPort(pod, p);
      if (number === undefined) continue;
      ports.push({
        ...(p.name !== undefined ? { name: p.name } : {}),
        port: number,
        protocol: p.protocol ?? 'TCP',
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      });
    }
    result.push({
      pod,
      ip,
      ready: publishNotReady || isPodReady(pod),
      serving: isPodReady(pod),
      terminating: isTerminating(pod),
      ...(podSpec.hostname && podSpec.subdomain === svc.metadata.name ? { hostname: podSpec.hostname } : {}),
      ...(podSpec.nodeName ? { nodeName: podSpec.nodeName } : {}),
      ports,
    });
  }
  return result.sort(
    (a, b) =>
      a.ip.localeCompare(b.ip, undefined, { numeric: true }) ||
      (a.pod.metadata.name ?? '').localeCompare(b.pod.metadata.name ?? ''),
  );
}

function targetRef(pod: KubeObject): Record<string, string> {
  return {
    kind: 'Pod',
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
  };
}

function serviceLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (serviceSpec(svc).clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return labels;
}

/** Services in a namespace whose selector matches a pod's labels (before or after a change). */
function servicesForPod(
  ctx: ControllerContext,
  namespace: string,
  pods: (KubeObject | undefined)[],
): string[] {
  return listObjects(
    ctx,
    ctx.types.services,
    namespace,
    (s) =>
      hasSelector(s) &&
      pods.some((p) => p !== undefined && matches(serviceSpec(s).selector ?? {}, p.metadata.labels)),
  ).map((s) => objectKey(namespace, s.metadata.name));
}

abstract class ServiceEndpointsController implements ControllerDefinition {
  abstract readonly name: string;
  constructor(protected readonly ctx: ControllerContext) {}

  keysFor(event: {
    key: { resource: string; namespace: string; name: string };
    object: KubeObject;
    prevObject?: KubeObject;
  }): string[] {
    const { resource, namespace, name } = event.key;
    if (resource === '/services') return [objectKey(namespace, name)];
    if (resource === '/pods') return servicesForPod(this.ctx, namespace, [event.object, event.prevObject]);
    return this.keysForOwnResource(resource, event.object);
  }

  protected abstract keysForOwnResource(resource: string, obj: KubeObject): string[];

  listKeys(): string[] {
    return listObjectKeys(this.ctx, this.ctx.types.services);
  }

  abstract reconcile(key: string): Promise<void>;
}

/** The Endpoints controller; see the module comment. */
export class EndpointsController extends ServiceEndpointsController {
  readonly name = 'endpoints';

  protected keysForOwnResource(resource: string, obj: KubeObject): string[] {
    return resource === '/endpoints' ? [objectKey(obj.metadata.namespace, obj.metadata.name)] : [];
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = getObject(this.ctx, this.ctx.types.services, namespace, name);
    const existing = getObject(this.ctx, this.ctx.types.endpoints, namespace, name);
    if (!svc) {
      // The Service is gone: so are the Endpoints this controller managed. Endpoints someone wrote by
      // hand (no Service, or one without a selector) are theirs and stay, as upstream's
      // checkLeftoverEndpoints only removes Endpoints the controller itself wrote.
      const managed = existing?.metadata.managedFields?.some((f) => f.manager === CONTROLLER_MANAGER);
      if (existing && managed)
        await deleteIgnoringMissing(this.ctx, this.ctx.types.endpoints, namespace, name);
      return;
    }
    if (!hasSelector(svc)) return; // Endpoints of selector-less Services belong to their users
    // RepackSubsets: one subset per distinct port list
    const subsets = new Map<
      string,
      { addresses: unknown[]; notReadyAddresses: unknown[]; ports: EndpointPort[] }
    >();
    for (const e of podEndpoints(this.ctx, svc)) {
      if ((serviceSpec(svc).ports ?? []).length > 0 && e.ports.length === 0) continue;
      const ports = [...e.ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
      const k = canonicalJson(ports);
      let subset = subsets.get(k);
      if (!subset) subsets.set(k, (subset = { addresses: [], notReadyAddresses: [], ports }));
      const address = {
        ip: e.ip,
        ...(e.hostname ? { hostname: e.hostname } : {}),
        ...(e.nodeName ? { nodeName: e.nodeName } : {}),
        targetRef: targetRef(e.pod),
      };
      (e.ready ? subset.addresses : subset.notReadyAddresses).push(address);
    }
    const rendered = [...subsets.values()].map((s) => ({
      ...(s.addresses.length ? { addresses: s.addresses } : {}),
      ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses } : {}),
      ...(s.ports.length ? { ports: s.ports } : {}),
    }));
    const labels = serviceLabels(svc);
    if (existing) {
      if (
        canonicalJson(existing.subsets ?? []) === canonicalJson(rendered) &&
        canonicalJson(existing.metadata.labels ?? {}) === canonicalJson(labels)
      )
        return;
      const next: KubeObject = { ...existing, metadata: { ...existing.metadata, labels } };
      if (rendered.length) next.subsets = rendered;
      else delete next.subsets;
      await this.ctx.core.update(this.ctx.types.endpoints, namespace, name, next, {
        fieldManager: CONTROLLER_MANAGER,
      });
      return;
    }
    const body: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace, labels },
      ...(rendered.length ? { subsets: rendered } : {}),
    };
    try {
      await this.ctx.core.create(this.ctx.types.endpoints, namespace, body, {
        fieldManager: CONTROLLER_MANAGER,
      });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
      throw e; // created meanwhile: the retry updates it
    }
  }
}

/** The EndpointSlice controller: one IPv4 slice per distinct port list, owned by the Service. */
export class EndpointSliceController extends ServiceEndpointsController {
  readonly name = 'endpointslice';

  protected keysForOwnResource(resource: string, obj: KubeObject): string[] {
    const svc = obj.metadata.labels?.[SERVICE_NAME_LABEL];
    return resource === 'discovery.k8s.io/endpointslices' && svc
      ? [objectKey(obj.metadata.namespace, svc)]
      : [];
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = getObject(this.ctx, this.ctx.types.services, namespace, name);
    const existing = listObjects(
      this.ctx,
      this.ctx.types.endpointSlices,
      namespace,
      (s) =>
        s.metadata.labels?.[SERVICE_NAME_LABEL] === name &&
        s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_CONTROLLER,
    );
    if (!hasSelector(svc)) {
      // slices of a deleted Service go with the GC (owner reference); a selector removed: ours go now
      if (svc)
        for (const s of existing)
          await deleteIgnoringMissing(
            this.ctx,
            this.ctx.types.endpointSlices,
            namespace,
            s.metadata.name ?? '',
          );
      return;
    }
    const groups = new Map<string, { ports: EndpointPort[]; endpoints: unknown[] }>();
    for (const e of podEndpoints(this.ctx, svc)) {
      if ((serviceSpec(svc).ports ?? []).length > 0 && e.ports.length === 0) continue;
      const k = canonicalJson(e.ports);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { ports: e.ports, endpoints: [] }));
      g.endpoints.push({
        addresses: [e.ip],
        conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
        ...(e.hostname ? { hostname: e.hostname } : {}),
        targetRef: targetRef(e.pod),
        ...(e.nodeName ? { nodeName: e.nodeName } : {}),
      });
    }
    // an empty Service still has one slice (placeholder) listing its ports, as upstream
    if (groups.size === 0) groups.set('placeholder', { ports: [], endpoints: [] });
    const labels = {
      ...serviceLabels(svc),
      [SERVICE_NAME_LABEL]: name,
      [MANAGED_BY_LABEL]: MANAGED_BY_CONTROLLER,
    };
    const unused = [...existing];
    for (const g of groups.values()) {
      const wanted = { addressType: 'IPv4', endpoints: g.endpoints, ports: g.ports };
      const idx = unused.findIndex((s) => canonicalJson(s.ports ?? []) === canonicalJson(g.ports));
      const current = idx >= 0 ? unused.splice(idx, 1)[0] : unused.shift();
      if (current) {
        const same =
          canonicalJson({
            addressType: current.addressType,
            endpoints: current.endpoints ?? [],
            ports: current.ports ?? [],
          }) === canonicalJson(wanted) &&
          canonicalJson(current.metadata.labels ?? {}) === canonicalJson(labels);
        if (same) continue;
        await this.ctx.core.update(
          this.ctx.types.endpointSlices,
          namespace,
          current.metadata.name ?? '',
          { ...current, metadata: { ...current.metadata, labels }, ...wanted },
          { fieldManager: CONTROLLER_MANAGER },
        );
      } else {
        await this.ctx.core.create(
          this.ctx.types.endpointSlices,
          namespace,
          {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { generateName: `${name}-`, namespace, labels, ownerReferences: [controllerRef(svc)] },
            ...wanted,
          },
          { fieldManager: CONTROLLER_MANAGER },
        );
      }
    }
    for (const s of unused)
      await deleteIgnoringMissing(this.ctx, this.ctx.types.endpointSlices, namespace, s.metadata.name ?? '');
  }
}
