import { gvkOf, isConflict, isNotFound, type KubeObject } from '../client/index.js';
import { deepCopy, type ObjectClient } from '../upsert/index.js';

/** Whether `object` lists `finalizer` (controllerutil.ContainsFinalizer). */
export function containsFinalizer(object: KubeObject, finalizer: string): boolean {
  return (object.metadata.finalizers ?? []).includes(finalizer);
}

/** Adds `finalizer` to `object` in place; returns whether it was missing (controllerutil.AddFinalizer). */
export function addFinalizer(object: KubeObject, finalizer: string): boolean {
  if (containsFinalizer(object, finalizer)) return false;
  object.metadata.finalizers = [...(object.metadata.finalizers ?? []), finalizer];
  return true;
}

/** Removes `finalizer` from `object` in place; returns whether it was present (controllerutil.RemoveFinalizer). */
export function deleteFinalizer(object: KubeObject, finalizer: string): boolean {
  const list = object.metadata.finalizers ?? [];
  if (!list.includes(finalizer)) return false;
  object.metadata.finalizers = list.filter((f) => f !== finalizer);
  return true;
}

/** Whether the object is being deleted (has a deletionTimestamp). */
export function isBeingDeleted(object: KubeObject): boolean {
  return !!object.metadata.deletionTimestamp;
}

/** Options of the finalizer writes. */
export interface FinalizerOptions {
  /** Conflicts retried after a fresh read. Default 5. */
  maxRetries?: number;
  fieldManager?: string;
  signal?: AbortSignal;
}

/**
 * Makes sure the object on the server lists `finalizer`, writing it if missing (PUT; on conflict it
 * re-reads and tries again). Returns the object as the server now has it. A finalizer is not added
 * to an object already being deleted (the API server forbids new finalizers then).
 */
export function ensureFinalizer<T extends KubeObject>(
  client: ObjectClient,
  object: T,
  finalizer: string,
  options: FinalizerOptions = {},
): Promise<T> {
  return rewrite(client, object, options, (o) => !isBeingDeleted(o) && addFinalizer(o, finalizer));
}

/**
 * Makes sure the object on the server no longer lists `finalizer` (PUT with conflict retry).
 * Returns the object as the server now has it, or undefined if it is gone (removing the last
 * finalizer of a deleted object lets the server delete it).
 */
export async function removeFinalizer<T extends KubeObject>(
  client: ObjectClient,
  object: T,
  finalizer: string,
  options: FinalizerOptions = {},
): Promise<T | undefined> {
  try {
    return await rewrite(client, object, options, (o) => deleteFinalizer(o, finalizer));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** What {@link handleFinalizer} found and did. */
export interface FinalizerOutcome<T extends KubeObject> {
  /** The object is being deleted: the reconciler should stop (cleanup ran, or was not ours to run). */
  deleting: boolean;
  /** The object after any write (undefined once the server deleted it). */
  object: T | undefined;
}

// uid/finalizer pairs whose cleanup finished but whose finalizer removal has not yet succeeded,
// so a retry after a failed removal does not run the cleanup again
const cleanedUp = new Set<string>();

/**
 * The finalizer pattern in one call. While the object lives, makes sure it carries `finalizer`.
 * Once it is being deleted and still carries it, runs `cleanup` (which should release what the
 * object holds outside the cluster), then removes the finalizer so the deletion proceeds. If
 * `cleanup` throws, the finalizer stays and the error propagates (the controller retries); once
 * `cleanup` has succeeded it is not run again for the same object even if the removal must be retried.
 */
export async function handleFinalizer<T extends KubeObject>(
  client: ObjectClient,
  object: T,
  finalizer: string,
  cleanup: (object: T) => void | Promise<void>,
  options: FinalizerOptions = {},
): Promise<FinalizerOutcome<T>> {
  if (!isBeingDeleted(object)) {
    return { deleting: false, object: await ensureFinalizer(client, object, finalizer, options) };
  }
  if (!containsFinalizer(object, finalizer)) return { deleting: true, object };
  const key = `${object.metadata.uid ?? `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`}|${finalizer}`;
  if (!cleanedUp.has(key)) {
    await cleanup(object);
    cleanedUp.add(key);
  }
  const after = await removeFinalizer(client, object, finalizer, options);
  cleanedUp.delete(key);
  return { deleting: true, object: after };
}

async function rewrite<T extends KubeObject>(
  client: ObjectClient,
  object: T,
  options: FinalizerOptions,
  change: (copy: T) => boolean,
): Promise<T> {
  const maxRetries = options.maxRetries ?? 5;
  let current = object;
  for (let attempt = 0; ; attempt++) {
    const copy = deepCopy(current);
    if (!change(copy)) return current;
    try {
      return await client.update(copy, { fieldManager: options.fieldManager, signal: options.signal });
    } catch (err) {
      if (!isConflict(err) || attempt >= maxRetries) throw err;
      current = await client.get<T>(gvkOf(object), object.metadata.name ?? '', {
        namespace: object.metadata.namespace,
        signal: options.signal,
      });
    }
  }
}
