/**
 * Informers built from a {@link KubeClient}, one per kind + namespace + selectors + metadata-only,
 * shared by everyone who asks (client-go's SharedInformerFactory, controller-runtime's
 * informer cache). Informers start and stop individually at runtime.
 */
import type { GroupVersionKind, KubeClient, KubeObject, ObjectList } from '../client/index.js';
import { formatApiVersion } from '../client/index.js';
import type { ListerWatcher, ReflectorOptions } from './reflector.js';
import { SharedInformer, type SharedInformerOptions } from './shared-informer.js';
import type { IndexFunc } from './store.js';

/** Which slice of a kind an informer caches. */
export interface InformerScope {
  /** One namespace; all when unset or `''`. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Cache only metadata (PartialObjectMetadata), for kinds whose bodies are large (Secrets, ...). */
  metadataOnly?: boolean;
}

/** Options of {@link SharedInformerFactory.informerFor}. */
export interface InformerForOptions<T extends KubeObject = KubeObject> extends InformerScope {
  /** Custom indexes, applied when the informer is created (later callers' are added if new). */
  indexers?: Record<string, IndexFunc<T>>;
}

/** Options of {@link SharedInformerFactory}. */
export interface SharedInformerFactoryOptions {
  /** Resync period of handlers. Default 0 (none). */
  defaultResyncPeriodMs?: number;
  /** Reflector options of every informer. */
  reflector?: ReflectorOptions;
  /** Told of failures the informers recover from and of handler exceptions. */
  onError?: SharedInformerOptions['onError'];
}

/** A {@link ListerWatcher} over one kind through a {@link KubeClient}. */
export function listerWatcherFor<T extends KubeObject = KubeObject>(
  client: KubeClient,
  gvk: GroupVersionKind,
  scope: InformerScope = {},
): ListerWatcher<T> {
  const apiVersion = scope.metadataOnly ? 'meta.k8s.io/v1' : formatApiVersion(gvk.group, gvk.version);
  const kind = scope.metadataOnly ? 'PartialObjectMetadata' : gvk.kind;
  // list items come without apiVersion/kind; cached objects should say what they are
  const typed = (list: ObjectList<T>): ObjectList<T> => {
    for (const item of list.items ?? []) {
      item.apiVersion ??= apiVersion;
      item.kind ??= kind;
    }
    return list;
  };
  return {
    async list(opts, signal): Promise<ObjectList<T>> {
      const list = await client.list<T>(gvk, {
        namespace: scope.namespace,
        labelSelector: scope.labelSelector,
        fieldSelector: scope.fieldSelector,
        metadataOnly: scope.metadataOnly,
        limit: opts.limit,
        continue: opts.continue,
        resourceVersion: opts.resourceVersion,
        signal,
      });
      return typed(list);
    },
    async *listPages(opts, signal): AsyncGenerator<ObjectList<T>> {
      const pages = client.listPages<T>(gvk, {
        namespace: scope.namespace,
        labelSelector: scope.labelSelector,
        fieldSelector: scope.fieldSelector,
        metadataOnly: scope.metadataOnly,
        pageSize: opts.limit,
        signal,
      });
      for await (const page of pages) yield typed(page);
    },
    watch(opts, signal) {
      return client.watch<T>(
        gvk,
        {
          namespace: scope.namespace,
          labelSelector: scope.labelSelector,
          fieldSelector: scope.fieldSelector,
          metadataOnly: scope.metadataOnly,
          resourceVersion: opts.resourceVersion,
          allowWatchBookmarks: opts.allowWatchBookmarks,
          timeoutSeconds: opts.timeoutSeconds,
        },
        signal,
      );
    },
  };
}

function scopeKey(gvk: GroupVersionKind, scope: InformerScope): string {
  return JSON.stringify([
    gvk.group,
    gvk.version,
    gvk.kind,
    scope.namespace ?? '',
    scope.labelSelector ?? '',
    scope.fieldSelector ?? '',
    !!scope.metadataOnly,
  ]);
}

/** Creates and shares informers. */
export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();

  constructor(
    readonly client: KubeClient,
    private readonly opts: SharedInformerFactoryOptions = {},
  ) {}

  /** The informer for a kind and scope, created (not started) on first request. */
  informerFor<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    opts: InformerForOptions<T> = {},
  ): SharedInformer<T> {
    const key = scopeKey(gvk, opts);
    let informer = this.informers.get(key) as SharedInformer<T> | undefined;
    if (!informer) {
      informer = new SharedInformer<T>(listerWatcherFor<T>(this.client, gvk, opts), {
        resyncPeriodMs: this.opts.defaultResyncPeriodMs,
        reflector: this.opts.reflector,
        indexers: opts.indexers,
        onError: this.opts.onError,
      });
      this.informers.set(key, informer as unknown as SharedInformer<KubeObject>);
    } else if (opts.indexers) {
      const names = new Set(informer.indexer.indexNames());
      const missing = Object.fromEntries(Object.entries(opts.indexers).filter(([n]) => !names.has(n)));
      if (Object.keys(missing).length > 0) informer.indexer.addIndexers(missing);
    }
    return informer;
  }

  /** The informer for a kind and scope if one was created. */
  existingInformer<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    scope: InformerScope = {},
  ): SharedInformer<T> | undefined {
    return this.informers.get(scopeKey(gvk, scope)) as SharedInformer<T> | undefined;
  }

  /** Every informer created so far. */
  all(): SharedInformer<KubeObject>[] {
    return [...this.informers.values()];
  }

  /** Starts every informer not yet running. */
  start(): void {
    for (const informer of this.informers.values()) informer.start();
  }

  /** Stops one informer and forgets it (the next {@link informerFor} creates a fresh one). */
  async stopInformer(gvk: GroupVersionKind, scope: InformerScope = {}): Promise<void> {
    const key = scopeKey(gvk, scope);
    const informer = this.informers.get(key);
    if (!informer) return;
    this.informers.delete(key);
    await informer.stop();
  }

  /** Resolves true when every running informer has synced; false if the signal aborts first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all(
      this.all()
        .filter((i) => i.isRunning)
        .map((i) => i.waitForSync(signal)),
    );
    return results.every(Boolean);
  }

  /** Stops every informer. */
  async shutdown(): Promise<void> {
    const informers = this.all();
    this.informers.clear();
    await Promise.all(informers.map((i) => i.stop()));
  }
}
