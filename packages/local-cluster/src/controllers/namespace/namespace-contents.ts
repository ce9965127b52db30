/**
 * What kube-controller-manager puts into every namespace:
 * - the root-ca-cert-publisher (pkg/controller/certificates/rootcacertpublisher/publisher.go): a
 *   ConfigMap `kube-root-ca.crt` whose `ca.crt` is the cluster's CA bundle, recreated when deleted and
 *   put back when its data is changed;
 * - the serviceaccounts controller (pkg/controller/serviceaccount/serviceaccounts_controller.go): a
 *   ServiceAccount `default`, recreated when deleted.
 * Neither writes into a terminating namespace (the API server would refuse anyway).
 */
import type { KubeObject } from '../../api/index.js';
import { ApiError } from '../../api/index.js';
import type { StoreEvent } from '../../storage/index.js';
import {
  getObject,
  listObjects,
  type ControllerContext,
  type ControllerDefinition,
} from '../runtime/index.js';

/** The ConfigMap the root-ca-cert-publisher writes into every namespace. */
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
/** The ServiceAccount every namespace gets. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

// publisher.go's DescriptionAnnotation text (k8s 1.25+)
const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

function isTerminating(ns: KubeObject | undefined): boolean {
  return (
    !ns ||
    ns.metadata.deletionTimestamp !== undefined ||
    (ns.status as { phase?: string } | undefined)?.phase === 'Terminating'
  );
}

function ignoreConflict(e: unknown): void {
  // AlreadyExists / Conflict: someone else wrote first; Forbidden: the namespace started terminating
  if (!(e instanceof ApiError && (e.code === 409 || e.code === 403 || e.code === 404))) throw e;
}

/** The base of both controllers: keyed by namespace name, woken by the namespace or its object. */
abstract class NamespaceObjectController implements ControllerDefinition {
  abstract readonly name: string;
  protected abstract readonly resource: string;
  protected abstract readonly objectName: string;

  constructor(protected readonly ctx: ControllerContext) {}

  keysFor(event: StoreEvent): string[] {
    if (event.key.resource === '/namespaces' && event.type !== 'DELETED') return [event.key.name];
    if (event.key.resource === this.resource && event.key.name === this.objectName && event.type !== 'ADDED')
      return [event.key.namespace];
    return [];
  }

  listKeys(): string[] {
    return listObjects(this.ctx, this.ctx.core.typeOf('', 'v1', 'namespaces'), undefined).map(
      (ns) => ns.metadata.name ?? '',
    );
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = getObject(this.ctx, this.ctx.core.typeOf('', 'v1', 'namespaces'), '', namespace);
    if (isTerminating(ns)) return;
    await this.ensure(namespace).catch(ignoreConflict);
  }

  protected abstract ensure(namespace: string): Promise<void>;
}

/** root-ca-cert-publisher: `kube-root-ca.crt` with `ca.crt` in every namespace. */
export class RootCaPublisher extends NamespaceObjectController {
  readonly name = 'root-ca-cert-publisher';
  protected readonly resource = '/configmaps';
  protected readonly objectName = ROOT_CA_CONFIG_MAP;

  constructor(
    ctx: ControllerContext,
    private readonly caPem: string,
  ) {
    super(ctx);
  }

  protected async ensure(namespace: string): Promise<void> {
    const type = this.ctx.core.typeOf('', 'v1', 'configmaps');
    const existing = getObject(this.ctx, type, namespace, ROOT_CA_CONFIG_MAP);
    const data = { 'ca.crt': this.caPem };
    const annotations = { 'kubernetes.io/description': ROOT_CA_DESCRIPTION };
    if (!existing) {
      await this.ctx.core.create(
        type,
        namespace,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIG_MAP, namespace, annotations },
          data,
        },
        { fieldManager: 'kube-controller-manager' },
      );
      return;
    }
    const current = existing as KubeObject & { data?: Record<string, string> };
    const sameData = JSON.stringify(current.data ?? {}) === JSON.stringify(data);
    const hasDescription =
      existing.metadata.annotations?.['kubernetes.io/description'] === ROOT_CA_DESCRIPTION;
    if (sameData && hasDescription) return;
    // publisher.go sync: the data is replaced whole, the description annotation put back
    await this.ctx.core.update(
      type,
      namespace,
      ROOT_CA_CONFIG_MAP,
      {
        ...existing,
        metadata: {
          ...existing.metadata,
          annotations: { ...(existing.metadata.annotations ?? {}), ...annotations },
        },
        data,
      } as KubeObject,
      { fieldManager: 'kube-controller-manager' },
    );
  }
}

/** serviceaccounts controller: a `default` ServiceAccount in every namespace. */
export class DefaultServiceAccountController extends NamespaceObjectController {
  readonly name = 'serviceaccount';
  protected readonly resource = '/serviceaccounts';
  protected readonly objectName = DEFAULT_SERVICE_ACCOUNT;

  protected async ensure(namespace: string): Promise<void> {
    const type = this.ctx.core.typeOf('', 'v1', 'serviceaccounts');
    if (getObject(this.ctx, type, namespace, DEFAULT_SERVICE_ACCOUNT)) return;
    await this.ctx.core.create(
      type,
      namespace,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } },
      { fieldManager: 'kube-controller-manager' },
    );
  }
}
