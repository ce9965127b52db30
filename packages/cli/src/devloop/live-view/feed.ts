/**
 * Keeps the live view's data current from watches (client-node informers: list, then watch, resumed
 * after errors), never by polling: the project's custom resources, the pods they own (through any
 * chain of ownerReferences, e.g. CR → StatefulSet → Pod) and the Events about either.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { kubeRequest, ResourceDiscovery, objectPath } from '../install/index.js';
import {
  eventViewOf,
  podViewOf,
  resourceViewOf,
  type EventView,
  type PodView,
  type ResourceView,
} from './state.js';

/** A custom resource kind to show. */
export interface WatchedKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
}

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

interface OwnerInfo {
  /** `Kind/name` when it is one of the custom resources. */
  resource?: string;
  references: OwnerReference[];
}

type Watched = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

/** What the view shows, read from the feed. */
export interface FeedSnapshot {
  resources: ResourceView[];
  pods: PodView[];
  events: EventView[];
}

const RETRY_MS = 1000;
const MAX_EVENTS = 50;

const metaOf = (
  o: unknown,
): { uid?: string; name?: string; namespace?: string; ownerReferences?: OwnerReference[] } =>
  ((o as { metadata?: unknown }).metadata ?? {}) as {
    uid?: string;
    name?: string;
    namespace?: string;
    ownerReferences?: OwnerReference[];
  };

/** Watches the cluster for the view; `onChange` fires after each change (callers throttle redraws). */
export class ViewFeed {
  private readonly informers: Watched[] = [];
  private readonly resourceInformers: Watched[] = [];
  private podInformer: Watched | undefined;
  private eventInformer: Watched | undefined;
  /** Intermediate owners (StatefulSets, ReplicaSets, ...) read once, by uid. */
  private readonly owners = new Map<string, Promise<OwnerInfo | undefined>>();
  /** Pod uid → owning custom resource, once resolved. */
  private readonly podOwners = new Map<string, string | null>();
  private readonly discovery: ResourceDiscovery;
  private stopped = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly kinds: readonly WatchedKind[],
    private readonly onChange: () => void,
  ) {
    this.discovery = new ResourceDiscovery(kubeConfig);
  }

  /** Starts the watches (resolves once each has listed). */
  async start(): Promise<void> {
    const custom = this.kubeConfig.makeApiClient(CustomObjectsApi);
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    for (const k of this.kinds) {
      const informer = makeInformer<KubernetesObject>(
        this.kubeConfig,
        `/apis/${k.group}/${k.version}/${k.plural}`,
        () =>
          custom.listClusterCustomObject({ group: k.group, version: k.version, plural: k.plural }) as never,
      );
      this.resourceInformers.push(informer);
      this.track(informer);
    }
    this.podInformer = makeInformer<KubernetesObject>(
      this.kubeConfig,
      '/api/v1/pods',
      () => core.listPodForAllNamespaces() as never,
    );
    this.podInformer.on('delete', (pod) => {
      const uid = metaOf(pod).uid;
      if (uid) this.podOwners.delete(uid);
    });
    this.track(this.podInformer, (pod) => this.resolvePod(pod));
    this.eventInformer = makeInformer<KubernetesObject>(
      this.kubeConfig,
      '/api/v1/events',
      () => core.listEventForAllNamespaces() as never,
    );
    this.track(this.eventInformer);
    await Promise.all(this.informers.map((i) => i.start()));
  }

  private track(informer: Watched, onObject?: (o: KubernetesObject) => void): void {
    this.informers.push(informer);
    const changed = (o: KubernetesObject): void => {
      onObject?.(o);
      this.onChange();
    };
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', () => this.onChange());
    informer.on('error', () => {
      // The informer stops on errors (a dropped connection, the cluster restarting); start it again.
      if (this.stopped) return;
      setTimeout(() => {
        if (!this.stopped) informer.start().catch(() => undefined);
      }, RETRY_MS).unref();
    });
  }

  /** Stops every watch. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((i) => i.stop().catch(() => undefined)));
  }

  private resourceByUid(): Map<string, string> {
    const out = new Map<string, string>();
    for (const informer of this.resourceInformers) {
      for (const o of informer.list()) {
        const m = metaOf(o);
        if (m.uid) out.set(m.uid, `${o.kind ?? ''}/${m.name ?? ''}`);
      }
    }
    return out;
  }

  private async ownerInfo(
    ref: OwnerReference,
    namespace: string | undefined,
  ): Promise<OwnerInfo | undefined> {
    let pending = this.owners.get(ref.uid);
    if (!pending) {
      pending = (async () => {
        const resource = await this.discovery.find(ref.apiVersion, ref.kind);
        if (!resource) return undefined;
        const object = await kubeRequest(
          this.kubeConfig,
          'GET',
          objectPath(ref.apiVersion, resource.name, resource.namespaced ? namespace : undefined, ref.name),
        );
        return { references: metaOf(object).ownerReferences ?? [] };
      })().catch(() => undefined);
      this.owners.set(ref.uid, pending);
    }
    return pending;
  }

  /** Follows ownerReferences up from a pod (at most 4 levels) to one of the custom resources. */
  private resolvePod(pod: KubernetesObject): void {
    const meta = metaOf(pod);
    if (!meta.uid || this.podOwners.get(meta.uid)) return;
    const uid = meta.uid;
    void (async () => {
      const resources = this.resourceByUid();
      let refs = meta.ownerReferences ?? [];
      for (let depth = 0; depth < 4 && refs.length > 0; depth++) {
        const hit = refs.find((r) => resources.has(r.uid));
        if (hit) {
          this.podOwners.set(uid, resources.get(hit.uid)!);
          this.onChange();
          return;
        }
        const next: OwnerReference[] = [];
        for (const ref of refs) next.push(...((await this.ownerInfo(ref, meta.namespace))?.references ?? []));
        refs = next;
      }
      // Not (yet) owned by a custom resource; a later update (or the CR's appearance) asks again.
      this.podOwners.set(uid, null);
    })();
  }

  /** The current state for the view, sorted for stable output. */
  snapshot(): FeedSnapshot {
    const resources = this.resourceInformers.flatMap((i) => i.list().map(resourceViewOf));
    resources.sort((a, b) =>
      `${a.kind}/${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.kind}/${b.namespace ?? ''}/${b.name}`),
    );
    const resourceUids = this.resourceByUid();
    const pods: PodView[] = [];
    const related = new Set(resourceUids.keys());
    for (const pod of this.podInformer?.list() ?? []) {
      const uid = metaOf(pod).uid ?? '';
      const owner = this.podOwners.get(uid);
      if (owner === null && resourceUids.size > 0) {
        // Resolved before its owner appeared: try again now that there are resources.
        this.podOwners.delete(uid);
        this.resolvePod(pod);
      }
      if (!owner) continue;
      pods.push(podViewOf(pod, owner));
      related.add(uid);
    }
    pods.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    const events = (this.eventInformer?.list() ?? [])
      .filter((e) =>
        related.has(((e as { involvedObject?: { uid?: string } }).involvedObject ?? {}).uid ?? ''),
      )
      .map(eventViewOf)
      .sort((a, b) => a.time.localeCompare(b.time))
      .slice(-MAX_EVENTS);
    return { resources, pods, events };
  }
}
