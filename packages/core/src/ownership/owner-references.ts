import { parseApiVersion, type KubeObject, type OwnerReference } from '../client/index.js';

/** Thrown by {@link setControllerReference} when another controller already owns the object. */
export class AlreadyOwnedError extends Error {
  constructor(
    readonly object: KubeObject,
    readonly owner: OwnerReference,
  ) {
    super(`Object ${describe(object)} is already owned by another ${owner.kind} controller ${owner.name}`);
    this.name = 'AlreadyOwnedError';
  }
}

/** Thrown when an owner reference would cross namespaces, which the garbage collector ignores. */
export class InvalidOwnerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOwnerError';
  }
}

/** Options of {@link setControllerReference}. */
export interface ControllerReferenceOptions {
  /** Set `blockOwnerDeletion` (foreground deletion of the owner waits for this object). Default true. */
  blockOwnerDeletion?: boolean;
}

/** The owner reference pointing at `owner` (it must have apiVersion, kind, name and uid). */
export function ownerReferenceFor(owner: KubeObject): OwnerReference {
  const { apiVersion, kind } = owner;
  const { name, uid } = owner.metadata;
  if (!apiVersion || !kind || !name || !uid)
    throw new InvalidOwnerError(
      `owner ${describe(owner)} needs apiVersion, kind, metadata.name and metadata.uid`,
    );
  return { apiVersion, kind, name, uid };
}

/**
 * Makes `owner` the managing controller of `object` (in place): adds or updates an owner reference
 * with `controller: true` and `blockOwnerDeletion: true`. Throws {@link AlreadyOwnedError} when
 * a different object is already its controller, and {@link InvalidOwnerError} for a cross-namespace
 * or namespaced-owns-cluster-scoped pair (as controller-runtime controllerutil.SetControllerReference).
 */
export function setControllerReference(
  owner: KubeObject,
  object: KubeObject,
  options: ControllerReferenceOptions = {},
): void {
  validateOwner(owner, object);
  const ref: OwnerReference = {
    ...ownerReferenceFor(owner),
    controller: true,
    blockOwnerDeletion: options.blockOwnerDeletion ?? true,
  };
  const existing = getControllerOf(object);
  if (existing && !sameObject(existing, ref)) throw new AlreadyOwnedError(object, existing);
  upsert(object, ref);
}

/**
 * Adds (or refreshes) a plain, non-controller owner reference to `owner` on `object` (in place),
 * as controllerutil.SetOwnerReference does. An existing reference to the same object keeps its
 * `controller` and `blockOwnerDeletion` flags.
 */
export function setOwnerReference(owner: KubeObject, object: KubeObject): void {
  validateOwner(owner, object);
  const ref = ownerReferenceFor(owner);
  const existing = (object.metadata.ownerReferences ?? []).find((r) => sameObject(r, ref));
  upsert(object, {
    ...ref,
    ...(existing?.controller !== undefined ? { controller: existing.controller } : {}),
    ...(existing?.blockOwnerDeletion !== undefined
      ? { blockOwnerDeletion: existing.blockOwnerDeletion }
      : {}),
  });
}

/** Removes the owner reference to `owner` from `object` (in place). Returns whether one was removed. */
export function removeOwnerReference(owner: KubeObject, object: KubeObject): boolean {
  const ref = ownerReferenceFor(owner);
  const refs = object.metadata.ownerReferences ?? [];
  const kept = refs.filter((r) => !sameObject(r, ref));
  if (kept.length === refs.length) return false;
  if (kept.length > 0) object.metadata.ownerReferences = kept;
  else delete object.metadata.ownerReferences;
  return true;
}

/** The owner reference with `controller: true`, if any (apimachinery metav1.GetControllerOf). */
export function getControllerOf(object: KubeObject): OwnerReference | undefined {
  return (object.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

/** Whether `owner` (matched by uid) is the controller of `object`. */
export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  const ref = getControllerOf(object);
  return ref !== undefined && ref.uid === owner.metadata.uid;
}

/** Whether `object` has an owner reference to `owner` (by group, kind and name). */
export function hasOwnerReference(object: KubeObject, owner: KubeObject): boolean {
  const ref = ownerReferenceFor(owner);
  return (object.metadata.ownerReferences ?? []).some((r) => sameObject(r, ref));
}

// controllerutil's referSameObject: same group (versions may differ), kind and name
function sameObject(a: OwnerReference, b: OwnerReference): boolean {
  return (
    parseApiVersion(a.apiVersion).group === parseApiVersion(b.apiVersion).group &&
    a.kind === b.kind &&
    a.name === b.name
  );
}

function upsert(object: KubeObject, ref: OwnerReference): void {
  const refs = [...(object.metadata.ownerReferences ?? [])];
  const index = refs.findIndex((r) => sameObject(r, ref));
  if (index < 0) refs.push(ref);
  else refs[index] = ref;
  object.metadata.ownerReferences = refs;
}

// controllerutil.validateOwner: the garbage collector ignores references across namespaces
function validateOwner(owner: KubeObject, object: KubeObject): void {
  const ownerNs = owner.metadata.namespace ?? '';
  if (!ownerNs) return; // a cluster-scoped owner may own anything
  const objectNs = object.metadata.namespace ?? '';
  if (!objectNs)
    throw new InvalidOwnerError(
      `cluster-scoped resource must not have a namespace-scoped owner, owner's namespace ${ownerNs}`,
    );
  if (objectNs !== ownerNs)
    throw new InvalidOwnerError(
      `cross-namespace owner references are disallowed, owner's namespace ${ownerNs}, obj's namespace ${objectNs}`,
    );
}

function describe(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return `${obj.kind ?? 'object'} ${ns ? `${ns}/` : ''}${obj.metadata.name ?? ''}`;
}
