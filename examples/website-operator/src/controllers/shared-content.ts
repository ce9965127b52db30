/**
 * The shared-content controller, in the builder style: copies one ConfigMap (the operator's shared
 * assets, e.g. a stylesheet every site links to) into each namespace labelled
 * `web.opkit.dev/shared-content=true`, and removes the copy when the label goes.
 *
 * It reconciles Namespaces: a namespace's labels changing, or the source ConfigMap changing (mapped
 * to every labelled namespace by a map function), both lead to the namespaces that need a new copy.
 */
import type { Container } from 'inversify';
import {
  CachedClient,
  Inject,
  Injectable,
  ManagerTokens,
  Reconciler,
  controllerFor,
  createOrPatch,
  isNotFound,
  predicates,
  reconcilerFrom,
  type ControllerBlueprint,
  type KubeObject,
  type Request,
  type Result,
} from '@opkit/core';
import { WebsiteTokens, type WebsiteOperatorSettings } from '../services/index.js';

/** What this controller reads and writes, for `opkit generate rbac`. */
export const rbac = {
  for: { group: '', version: 'v1', kind: 'Namespace' },
  owns: [{ group: '', version: 'v1', kind: 'ConfigMap' }],
  watches: [],
};

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const NAMESPACE = { group: '', version: 'v1', kind: 'Namespace' };
const CONFIG_MAP = { group: '', version: 'v1', kind: 'ConfigMap' };
/** Marks the copies this controller made (and may delete). */
export const MIRRORED_FROM_ANNOTATION = 'web.opkit.dev/mirrored-from';

/** Brings one namespace's copy of the shared content in line with its label. */
@Injectable()
export class SharedContentReconciler extends Reconciler {
  constructor(
    @Inject(ManagerTokens.CachedClient) private readonly client: CachedClient,
    @Inject(WebsiteTokens.Settings) private readonly settings: WebsiteOperatorSettings,
  ) {
    super();
  }

  async reconcile(request: Request): Promise<Result | void> {
    const { namespace: sourceNamespace, name } = this.settings.sharedContent;
    if (request.name === sourceNamespace) return; // never copy the source onto itself
    const ns = await this.getOrUndefined<KubeObject>(NAMESPACE, request.name, '');
    const wanted =
      ns !== undefined &&
      ns.metadata.deletionTimestamp === undefined &&
      ns.metadata.labels?.[this.settings.mirrorLabel] === 'true';
    const source = wanted
      ? await this.getOrUndefined<ConfigMap>(CONFIG_MAP, name, sourceNamespace)
      : undefined;
    if (!wanted || !source) {
      const copy = await this.getOrUndefined<ConfigMap>(CONFIG_MAP, name, request.name);
      if (copy?.metadata.annotations?.[MIRRORED_FROM_ANNOTATION])
        await this.client.delete(CONFIG_MAP, name, { namespace: request.name });
      return;
    }
    const copy: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: request.name },
    };
    await createOrPatch(this.client, copy, (live) => {
      live.metadata.annotations = {
        ...live.metadata.annotations,
        [MIRRORED_FROM_ANNOTATION]: `${sourceNamespace}/${name}`,
      };
      live.data = { ...source.data };
    });
  }

  /** The labelled namespaces: where a change of the source must be copied. */
  async labelledNamespaces(): Promise<Request[]> {
    const list = await this.client.list(NAMESPACE, { labelSelector: `${this.settings.mirrorLabel}=true` });
    return list.items.map((n) => ({ namespace: '', name: n.metadata.name ?? '' }));
  }

  private async getOrUndefined<T extends KubeObject>(
    gvk: typeof NAMESPACE,
    name: string,
    namespace: string,
  ): Promise<T | undefined> {
    try {
      return await this.client.get<T>(gvk, name, { namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/**
 * The controller's blueprint. Blueprints exist before the manager, so the reconciler is taken from
 * the container at the first reconcile, once the manager has bound its clients there.
 */
export function sharedContentController(
  container: Container,
  settings: WebsiteOperatorSettings,
): ControllerBlueprint {
  const reconciler = (): SharedContentReconciler => container.get(SharedContentReconciler);
  const isSource = predicates.objectPredicate(
    (o) =>
      o.metadata.namespace === settings.sharedContent.namespace &&
      o.metadata.name === settings.sharedContent.name,
  );
  return controllerFor('v1/Namespace', {
    clusterScoped: true,
    // a namespace matters when it is created, deleted, or its labels change
    predicates: [predicates.or(predicates.labelsChanged(), predicates.eventTypes('create', 'delete'))],
  })
    .named('shared-content')
    .watches<KubeObject>('v1/ConfigMap', () => reconciler().labelledNamespaces(), isSource)
    .withOptions({ maxConcurrentReconciles: 2 })
    .complete(reconcilerFrom((request) => reconciler().reconcile(request)));
}
