import type {
  EventHandler,
  HandlerRegistration,
  SharedInformer,
  SharedInformerFactory,
  WaitOptions,
} from '../cache/index.js';
import type { GroupVersionKind, KubeObject } from '../client/index.js';
import type { InformerLike, InformerProvider } from '../controller/index.js';

/**
 * Hands controllers informers restricted to the watched namespaces (controller-runtime's
 * `cache.Options.DefaultNamespaces`): one informer per namespace for namespaced kinds, one
 * cluster-wide informer for cluster-scoped kinds, all behind one {@link InformerLike}. With no
 * namespaces, the factory's cluster-wide informers are handed out as they are.
 *
 * Whether a kind is namespaced takes a discovery request, so {@link prepare} must run (after the
 * controllers are built, before they start) to create the real informers.
 */
export class NamespacedInformerProvider implements InformerProvider {
  private readonly views = new Map<string, NamespacedInformer<KubeObject>>();

  constructor(
    private readonly factory: SharedInformerFactory,
    private readonly namespaces: readonly string[],
  ) {}

  informerFor<U extends KubeObject = KubeObject>(gvk: GroupVersionKind): InformerLike<U> {
    if (this.namespaces.length === 0) return this.factory.informerFor<U>(gvk);
    const key = `${gvk.group}/${gvk.version}/${gvk.kind}`;
    let view = this.views.get(key);
    if (!view) {
      view = new NamespacedInformer<KubeObject>(gvk);
      this.views.set(key, view);
    }
    return view as unknown as InformerLike<U>;
  }

  /** Creates the informers behind every view handed out (not started: the factory starts them). */
  async prepare(): Promise<void> {
    for (const view of this.views.values()) {
      if (view.ready) continue;
      const namespaced = await this.factory.client.restMapper.isNamespaced(view.gvk);
      const scopes = namespaced ? this.namespaces.map((namespace) => ({ namespace })) : [{}];
      view.attach(scopes.map((scope) => this.factory.informerFor(view.gvk, scope)));
    }
  }
}

class NamespacedInformer<T extends KubeObject> implements InformerLike<T> {
  private informers: SharedInformer<T>[] = [];
  ready = false;

  constructor(readonly gvk: GroupVersionKind) {}

  attach(informers: SharedInformer<KubeObject>[]): void {
    this.informers = informers as unknown as SharedInformer<T>[];
    this.ready = true;
  }

  addEventHandler(handler: EventHandler<T>): HandlerRegistration {
    if (!this.ready) throw new Error(`informers for ${this.gvk.kind} were not prepared`);
    const registrations = this.informers.map((i) => i.addEventHandler(handler));
    return {
      remove: () => registrations.forEach((r) => r.remove()),
      hasSynced: () => registrations.every((r) => r.hasSynced()),
    } as HandlerRegistration;
  }

  async waitUntil(cond: () => boolean, opts: WaitOptions = {}): Promise<boolean> {
    // each informer wakes its waiters only on its own changes, and `cond` spans them all: wait on
    // any of them, re-checking at least every 100 ms
    const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
    while (!cond()) {
      if (opts.signal?.aborted || Date.now() >= deadline) return false;
      const slice = Math.min(100, deadline - Date.now());
      await Promise.race(
        this.informers.map((i) => i.waitUntil(cond, { signal: opts.signal, timeoutMs: slice })),
      );
    }
    return true;
  }

  start(): void {
    for (const i of this.informers) i.start();
  }
}
