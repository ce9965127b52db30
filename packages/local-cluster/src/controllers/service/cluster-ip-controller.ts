/**
 * ClusterIP allocation. Upstream this is not a controller: kube-apiserver's service REST storage
 * allocates `spec.clusterIP(s)` inside the create request (pkg/registry/core/service/ipallocator).
 * The local API server does not allocate yet, so this controller fills the field right after
 * creation, from 127.96.0.0/16 (loopback, so that a later proxy can listen on it), skipping headless
 * (`None`) and ExternalName Services and addresses already in use.
 */
import type { KubeObject } from '../../api/index.js';
import {
  CONTROLLER_MANAGER,
  getObject,
  listObjectKeys,
  listObjects,
  objectKey,
  splitKey,
  type ControllerContext,
  type ControllerDefinition,
} from '../runtime/index.js';

/** The first address handed out and the range size: 127.96.0.1 … 127.96.255.254. */
const RANGE_BASE = (127 << 24) | (96 << 16);
const RANGE_SIZE = 1 << 16;

function ipString(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

function needsAddress(svc: KubeObject | undefined): boolean {
  if (!svc || svc.metadata.deletionTimestamp) return false;
  const spec = (svc.spec ?? {}) as { type?: string; clusterIP?: string };
  return (spec.type ?? 'ClusterIP') !== 'ExternalName' && !spec.clusterIP;
}

/** Gives Services without a clusterIP one; see the module comment. */
export class ClusterIpController implements ControllerDefinition {
  readonly name = 'service-ip';
  private next = 1;

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(event: {
    key: { resource: string; namespace: string; name: string };
    object: KubeObject;
    type: string;
  }): string[] {
    if (event.key.resource !== '/services' || event.type === 'DELETED' || !needsAddress(event.object))
      return [];
    return [objectKey(event.key.namespace, event.key.name)];
  }

  listKeys(): string[] {
    return listObjectKeys(this.ctx, this.ctx.types.services, needsAddress);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = getObject(this.ctx, this.ctx.types.services, namespace, name);
    if (!svc || !needsAddress(svc)) return;
    const used = new Set(
      listObjects(this.ctx, this.ctx.types.services, undefined).flatMap((s) => {
        const spec = (s.spec ?? {}) as { clusterIP?: string; clusterIPs?: string[] };
        return [spec.clusterIP ?? '', ...(spec.clusterIPs ?? [])];
      }),
    );
    let ip: string | undefined;
    for (let i = 0; i < RANGE_SIZE - 2; i++) {
      const candidate = ipString(RANGE_BASE + ((this.next + i - 1) % (RANGE_SIZE - 2)) + 1);
      if (!used.has(candidate)) {
        ip = candidate;
        this.next = ((this.next + i) % (RANGE_SIZE - 2)) + 1;
        break;
      }
    }
    if (!ip) throw new Error('the service IP range 127.96.0.0/16 is full');
    const spec = { ...(svc.spec as Record<string, unknown>), clusterIP: ip, clusterIPs: [ip] };
    await this.ctx.core.update(
      this.ctx.types.services,
      namespace,
      name,
      { ...svc, spec },
      { fieldManager: CONTROLLER_MANAGER },
    );
  }
}
