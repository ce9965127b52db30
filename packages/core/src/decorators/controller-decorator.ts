import 'reflect-metadata';
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import type { KubeObject } from '../client/index.js';
import {
  controllerFor,
  type ControllerBlueprint,
  type ControllerOptions,
  type KindReference,
  type OwnsOptions,
} from '../controller/index.js';
import type { EventHandler, MapFunction } from '../handler/index.js';
import type { Predicate } from '../predicate/index.js';
import type { Reconciler } from '../reconcile/index.js';

/** A kind the controller owns: a kind, or a kind with the options of `ControllerBuilder.owns`. */
export type OwnedKind = KindReference | ({ kind: KindReference } & OwnsOptions);

/** A kind the controller watches, with the requests to make of its events. */
export interface WatchedKind {
  kind: KindReference;
  /** Maps an event's object to requests (a map function), or any event handler. */
  handler: MapFunction<KubeObject> | EventHandler<KubeObject>;
  predicates?: Predicate<KubeObject>[];
}

/** Options of the {@link Controller} decorator: the same description `controllerFor(...)` builds. */
export interface ControllerDecoratorOptions extends Partial<Omit<ControllerOptions, 'name'>> {
  /** The primary kind: its objects are what the reconciler is asked about. */
  for: KindReference;
  /** Kinds whose objects the primary kind controls; their changes reconcile the owner. */
  owns?: OwnedKind[];
  /** Other kinds to watch, each with the requests to make of its events. */
  watches?: WatchedKind[];
  /** Default: the primary kind, lower-cased. */
  name?: string;
  /** Filters of the primary kind's events. */
  predicates?: Predicate<KubeObject>[];
  /** Filters of every watch's events (the builder's withEventFilter). */
  eventFilters?: Predicate<KubeObject>[];
  /** The primary kind is cluster-scoped. Default false. */
  clusterScoped?: boolean;
}

/** A reconciler class the manager can construct through its container. */
export type ReconcilerClass<T extends KubeObject = KubeObject> = new (...args: never[]) => Reconciler<T>;

const CONTROLLER_METADATA = Symbol.for('opkit.controller');

/**
 * Class decorator declaring what a {@link Reconciler} controls:
 * `@Controller({ for: 'apps/v1/Deployment', owns: ['v1/Pod'], maxConcurrentReconciles: 2 })`.
 * It also makes the class injectable, so its constructor parameters are resolved by the manager's
 * container (mark them with {@link Inject}). Add the class itself to a manager with `manager.add(MyReconciler)`.
 */
export function Controller(options: ControllerDecoratorOptions): <C extends ReconcilerClass>(target: C) => C {
  return <C extends ReconcilerClass>(target: C): C => {
    Reflect.defineMetadata(CONTROLLER_METADATA, options, target);
    // inversify 8 resolves constructor parameters only for classes marked injectable
    try {
      injectable()(target);
    } catch {
      // already marked @injectable by the user: nothing to add
    }
    return target;
  };
}

/** The options a class was decorated with by {@link Controller}, if any. */
export function controllerOptionsOf(target: object): ControllerDecoratorOptions | undefined {
  return Reflect.getOwnMetadata(CONTROLLER_METADATA, target) as ControllerDecoratorOptions | undefined;
}

/** Whether `target` is a class decorated with {@link Controller}. */
export function isDecoratedReconciler(target: unknown): target is ReconcilerClass {
  return typeof target === 'function' && controllerOptionsOf(target) !== undefined;
}

/**
 * The blueprint a decorated class describes, completed with `reconciler` (an instance of it) —
 * the same blueprint `controllerFor(...).owns(...).watches(...).withOptions(...).complete(reconciler)` makes.
 */
export function blueprintFromDecorator<T extends KubeObject = KubeObject>(
  options: ControllerDecoratorOptions,
  reconciler: Reconciler<T>,
): ControllerBlueprint<T> {
  const {
    for: forKind,
    owns = [],
    watches = [],
    name,
    predicates,
    eventFilters = [],
    clusterScoped,
    ...controllerOptions
  } = options;
  const builder = controllerFor<T>(forKind, {
    predicates: predicates as Predicate<T>[] | undefined,
    clusterScoped,
  });
  for (const owned of owns) {
    if (typeof owned === 'string' || 'version' in owned) builder.owns(owned);
    else {
      const { kind, ...ownsOptions } = owned;
      builder.owns(kind, ownsOptions);
    }
  }
  for (const w of watches) builder.watches(w.kind, w.handler, ...(w.predicates ?? []));
  for (const filter of eventFilters) builder.withEventFilter(filter);
  if (name) builder.named(name);
  builder.withOptions(controllerOptions);
  return builder.complete(reconciler);
}

/**
 * Constructor-parameter decorator: inject the service bound to `token` in the manager's container
 * (inversify's `@inject`). Tokens of the manager's own services are in `ManagerTokens`.
 */
export function Inject(token: ServiceIdentifier): ParameterDecorator & PropertyDecorator {
  return inject(token) as ParameterDecorator & PropertyDecorator;
}

/** Marks a service class for construction by the manager's container (inversify's `@injectable`). */
export function Injectable(): ClassDecorator {
  return injectable() as ClassDecorator;
}
