import type { KubeObject } from '../client/index.js';
import { parseLabelSelector } from '../client/index.js';
import type { ObjectEvent } from '../handler/index.js';

/**
 * Decides whether an event reaches the event handler (controller-runtime predicate.Predicate).
 * Updates carry both the old and the new object.
 */
export type Predicate<T extends KubeObject = KubeObject> = (event: ObjectEvent<T>) => boolean;

/**
 * A predicate testing one object: the event's object, or the new object on update
 * (controller-runtime predicate.NewPredicateFuncs).
 */
export function objectPredicate<T extends KubeObject = KubeObject>(test: (obj: T) => boolean): Predicate<T> {
  return (event) => test(event.type === 'update' ? event.objectNew : event.object);
}

/** Passes updates where `changed(old, new)` holds; every other event passes. */
function onUpdate<T extends KubeObject>(changed: (oldObj: T, newObj: T) => boolean): Predicate<T> {
  return (event) => event.type !== 'update' || changed(event.objectOld, event.objectNew);
}

/**
 * Passes updates that change `metadata.generation` — spec changes, not status-only ones
 * (controller-runtime predicate.GenerationChangedPredicate). Kinds without a generation never
 * pass updates.
 */
export function generationChanged<T extends KubeObject = KubeObject>(): Predicate<T> {
  return onUpdate((o, n) => o.metadata.generation !== n.metadata.generation);
}

/** Passes updates that change labels (predicate.LabelChangedPredicate). */
export function labelsChanged<T extends KubeObject = KubeObject>(): Predicate<T> {
  return onUpdate((o, n) => !sameStringMap(o.metadata.labels, n.metadata.labels));
}

/** Passes updates that change annotations (predicate.AnnotationChangedPredicate). */
export function annotationsChanged<T extends KubeObject = KubeObject>(): Predicate<T> {
  return onUpdate((o, n) => !sameStringMap(o.metadata.annotations, n.metadata.annotations));
}

/**
 * Passes updates whose resourceVersion changed, dropping informer resyncs
 * (predicate.ResourceVersionChangedPredicate).
 */
export function resourceVersionChanged<T extends KubeObject = KubeObject>(): Predicate<T> {
  return onUpdate((o, n) => o.metadata.resourceVersion !== n.metadata.resourceVersion);
}

/** A structured label selector (meta/v1 LabelSelector). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

/**
 * Passes events whose object's labels match `selector` — a selector string (`app=web,tier!=db`)
 * or a structured LabelSelector (predicate.LabelSelectorPredicate). On update the new object
 * decides. An empty selector matches everything.
 */
export function labelSelector<T extends KubeObject = KubeObject>(
  selector: string | LabelSelector,
): Predicate<T> {
  const matches = typeof selector === 'string' ? parseLabelSelector(selector) : structuredMatcher(selector);
  return objectPredicate((obj) => matches(obj.metadata.labels));
}

/** Passes when every predicate passes (none: always). */
export function and<T extends KubeObject = KubeObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return (event) => predicates.every((p) => p(event));
}

/** Passes when any predicate passes (none: never). */
export function or<T extends KubeObject = KubeObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return (event) => predicates.some((p) => p(event));
}

/** Passes when `predicate` does not. */
export function not<T extends KubeObject = KubeObject>(predicate: Predicate<T>): Predicate<T> {
  return (event) => !predicate(event);
}

/** Passes only events of the given types (e.g. drop deletes: `eventTypes('create', 'update')`). */
export function eventTypes<T extends KubeObject = KubeObject>(
  ...types: ObjectEvent<T>['type'][]
): Predicate<T> {
  const allowed = new Set(types);
  return (event) => allowed.has(event.type);
}

function sameStringMap(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  // reflect.DeepEqual in controller-runtime tells nil from empty; for labels the difference carries no meaning
  const ak = Object.keys(a ?? {});
  const bk = Object.keys(b ?? {});
  return (
    ak.length === bk.length &&
    ak.every((k) => Object.prototype.hasOwnProperty.call(b ?? {}, k) && a![k] === b![k])
  );
}

// as k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go LabelSelectorAsSelector: all requirements ANDed
function structuredMatcher(selector: LabelSelector): (labels: Record<string, string> | undefined) => boolean {
  return (labels) => {
    const l = labels ?? {};
    const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(l, k);
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (!has(k) || l[k] !== v) return false;
    for (const e of selector.matchExpressions ?? []) {
      const values = e.values ?? [];
      switch (e.operator) {
        case 'In':
          if (!has(e.key) || !values.includes(l[e.key]!)) return false;
          break;
        case 'NotIn':
          if (has(e.key) && values.includes(l[e.key]!)) return false;
          break;
        case 'Exists':
          if (!has(e.key)) return false;
          break;
        case 'DoesNotExist':
          if (has(e.key)) return false;
          break;
        default:
          throw new Error(`unknown label selector operator "${String(e.operator)}"`);
      }
    }
    return true;
  };
}
