import type { Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import type { GroupVersionKind, KubeObject } from '../client/index.js';
import { formatApiVersion, parseApiVersion } from '../client/index.js';
import type { Clock } from '../clock/index.js';
import {
  enqueueRequestForObject,
  enqueueRequestForOwner,
  enqueueRequestsFromMapFunc,
  type EventHandler,
  type MapFunction,
} from '../handler/index.js';
import type { Logger } from '../log/index.js';
import type { Predicate } from '../predicate/index.js';
import type { Reconciler } from '../reconcile/index.js';
import { Controller, type ControllerOptions } from './controller.js';
import { informerSource, type InformerLike, type Source } from './source.js';

/** A kind: a GroupVersionKind, or `apiVersion/Kind` text such as `v1/Pod` or `apps/v1/Deployment`. */
export type KindReference = GroupVersionKind | string;

/** Resolves a {@link KindReference}. */
export function parseKindReference(ref: KindReference): GroupVersionKind {
  if (typeof ref !== 'string') return ref;
  const slash = ref.lastIndexOf('/');
  if (slash <= 0 || slash === ref.length - 1)
    throw new Error(`kind "${ref}" must look like "v1/Pod" or "apps/v1/Deployment"`);
  const { group, version } = parseApiVersion(ref.slice(0, slash));
  return { group, version, kind: ref.slice(slash + 1) };
}

/** Hands out shared informers by kind (the cache's `SharedInformerFactory` fits). */
export interface InformerProvider {
  informerFor<U extends KubeObject = KubeObject>(gvk: GroupVersionKind): InformerLike<U>;
}

/** What a built controller takes from its manager. */
export interface ControllerDependencies {
  informers: InformerProvider;
  logger?: Logger;
  metricsRegistry?: Registry;
  clock?: Clock;
  tracer?: Tracer;
}

/** A finished controller description; the manager (or a test) builds it with its dependencies. */
export interface ControllerBlueprint<T extends KubeObject = KubeObject> {
  readonly name: string;
  /** Creates the controller and registers its watches (informers are created, not started). */
  build(dependencies: ControllerDependencies): Controller<T>;
}

/** Options of {@link ControllerBuilder.owns}. */
export interface OwnsOptions<U extends KubeObject = KubeObject> {
  /** Filters for this watch only (added to the builder's event filters). */
  predicates?: Predicate<U>[];
  /** Follow only controller owner references. Default true. */
  onlyControllerOwner?: boolean;
}

/** Options of {@link controllerFor}. */
export interface ControllerForOptions<T extends KubeObject = KubeObject> {
  /** Filters for the primary kind's events only. */
  predicates?: Predicate<T>[];
  /** The primary kind is cluster-scoped (owner requests then carry no namespace). Default false. */
  clusterScoped?: boolean;
}

type WatchRecipe = (
  deps: ControllerDependencies,
  globalPredicates: Predicate<KubeObject>[],
) => {
  source: Source<KubeObject>;
  handler: EventHandler<KubeObject>;
  predicates: Predicate<KubeObject>[];
};

/**
 * A fluent description of a controller (controller-runtime pkg/builder):
 * `controllerFor('apps/v1/Deployment').owns('v1/Pod').withEventFilter(p).withOptions({ maxConcurrentReconciles: 2 }).complete(r)`.
 * Nothing touches the cluster until the returned blueprint is built with an informer provider.
 */
export class ControllerBuilder<T extends KubeObject = KubeObject> {
  private readonly watchRecipes: WatchRecipe[] = [];
  private readonly globalPredicates: Predicate<KubeObject>[] = [];
  private options: Partial<Omit<ControllerOptions, 'name'>> = {};
  private controllerName: string;

  constructor(
    private readonly forKind: GroupVersionKind,
    private readonly forOptions: ControllerForOptions<T> = {},
  ) {
    // as controller-runtime's builder: the default name is the lower-cased kind
    this.controllerName = forKind.kind.toLowerCase();
    const forPredicates = (forOptions.predicates ?? []) as Predicate<KubeObject>[];
    this.watchRecipes.push((deps, global) => ({
      source: informerSource(deps.informers.informerFor(forKind), describe(forKind)),
      handler: enqueueRequestForObject(),
      predicates: [...global, ...forPredicates],
    }));
  }

  /** Reconciles the owner (the primary kind) when an object of `kind` it controls changes. */
  owns<U extends KubeObject = KubeObject>(kind: KindReference, options: OwnsOptions<U> = {}): this {
    const gvk = parseKindReference(kind);
    const owner = this.forKind;
    const handler = enqueueRequestForOwner(
      { group: owner.group, kind: owner.kind },
      {
        onlyControllerOwner: options.onlyControllerOwner ?? true,
        clusterScopedOwner: this.forOptions.clusterScoped ?? false,
      },
    );
    const predicates = (options.predicates ?? []) as Predicate<KubeObject>[];
    this.watchRecipes.push((deps, global) => ({
      source: informerSource(deps.informers.informerFor(gvk), describe(gvk)),
      handler,
      predicates: [...global, ...predicates],
    }));
    return this;
  }

  /**
   * Watches `kind` and reconciles what `mapOrHandler` says: a function from an object to requests,
   * or any event handler.
   */
  watches<U extends KubeObject = KubeObject>(
    kind: KindReference,
    mapOrHandler: MapFunction<U> | EventHandler<U>,
    ...predicates: Predicate<U>[]
  ): this {
    const gvk = parseKindReference(kind);
    const handler = (typeof mapOrHandler === 'function'
      ? enqueueRequestsFromMapFunc(mapOrHandler)
      : mapOrHandler) as unknown as EventHandler<KubeObject>;
    this.watchRecipes.push((deps, global) => ({
      source: informerSource(deps.informers.informerFor(gvk), describe(gvk)),
      handler,
      predicates: [...global, ...(predicates as Predicate<KubeObject>[])],
    }));
    return this;
  }

  /** Watches a source that is not an informer (e.g. a {@link ManualSource}). The event filters apply too. */
  watchesSource<U extends KubeObject = KubeObject>(
    source: Source<U>,
    handler: EventHandler<U>,
    ...predicates: Predicate<U>[]
  ): this {
    this.watchRecipes.push((_deps, global) => ({
      source: source as unknown as Source<KubeObject>,
      handler: handler as unknown as EventHandler<KubeObject>,
      predicates: [...global, ...(predicates as Predicate<KubeObject>[])],
    }));
    return this;
  }

  /** Filters the events of every watch (controller-runtime WithEventFilter). */
  withEventFilter(predicate: Predicate<KubeObject>): this {
    this.globalPredicates.push(predicate);
    return this;
  }

  /** Sets the controller's options (merged over earlier calls). */
  withOptions(options: Partial<Omit<ControllerOptions, 'name'>>): this {
    this.options = { ...this.options, ...options };
    return this;
  }

  /** Names the controller (default: the primary kind, lower-cased). */
  named(name: string): this {
    this.controllerName = name;
    return this;
  }

  /** Finishes the description with the reconciler. */
  complete(reconciler: Reconciler<T>): ControllerBlueprint<T> {
    const name = this.controllerName;
    const recipes = [...this.watchRecipes];
    const global = [...this.globalPredicates];
    const options = { ...this.options };
    return {
      name,
      build(deps) {
        const controller = new Controller<T>(reconciler, {
          logger: deps.logger,
          metricsRegistry: deps.metricsRegistry,
          clock: deps.clock,
          tracer: deps.tracer,
          ...options,
          name,
        });
        for (const recipe of recipes) {
          const w = recipe(deps, global);
          controller.watch(w.source, w.handler, ...w.predicates);
        }
        return controller;
      },
    };
  }
}

/** Starts describing a controller for the primary kind `kind` (controller-runtime NewControllerManagedBy(mgr).For(...)). */
export function controllerFor<T extends KubeObject = KubeObject>(
  kind: KindReference,
  options?: ControllerForOptions<T>,
): ControllerBuilder<T> {
  return new ControllerBuilder<T>(parseKindReference(kind), options);
}

function describe(gvk: GroupVersionKind): string {
  return `kind source: ${formatApiVersion(gvk.group, gvk.version)}, Kind=${gvk.kind}`;
}
