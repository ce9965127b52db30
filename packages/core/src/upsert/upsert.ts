import { gvkOf, isNotFound, type KubeObject } from '../client/index.js';
import { createMergePatch, deepCopy, jsonEqual, type ObjectClient } from './object-client.js';

/** What {@link createOrUpdate} and {@link createOrPatch} did (controllerutil.OperationResult). */
export type OperationResult = 'created' | 'updated' | 'updatedStatus' | 'updatedStatusOnly' | 'unchanged';

/** Brings an object to its desired state; must not change kind, name or namespace. */
export type MutateFunction<T extends KubeObject> = (object: T) => void | Promise<void>;

/** The outcome of a create-or-update: what was done and the object as the server now has it. */
export interface UpsertResult<T extends KubeObject> {
  operation: OperationResult;
  object: T;
}

/** Options of {@link createOrUpdate} and {@link createOrPatch}. */
export interface UpsertOptions {
  fieldManager?: string;
  signal?: AbortSignal;
}

/**
 * Reads the object named by `object` (kind, name, namespace); if it does not exist, applies
 * `mutate` to a copy of `object` and creates it; otherwise applies `mutate` to a copy of the live
 * object and updates it (PUT, so a concurrent write fails with a conflict) unless nothing changed
 * (controller-runtime controllerutil.CreateOrUpdate). The `status` of a live object is not written.
 */
export async function createOrUpdate<T extends KubeObject>(
  client: ObjectClient,
  object: T,
  mutate: MutateFunction<T>,
  options: UpsertOptions = {},
): Promise<UpsertResult<T>> {
  const existing = await getIfExists(client, object, options.signal);
  if (!existing) {
    const fresh = deepCopy(object);
    await mutate(fresh);
    checkIdentity(object, fresh);
    const created = await client.create(fresh, {
      fieldManager: options.fieldManager,
      signal: options.signal,
    });
    return { operation: 'created', object: created };
  }
  const changed = deepCopy(existing);
  await mutate(changed);
  checkIdentity(object, changed);
  if (jsonEqual(existing, changed)) return { operation: 'unchanged', object: existing };
  const updated = await client.update(changed, {
    fieldManager: options.fieldManager,
    signal: options.signal,
  });
  return { operation: 'updated', object: updated };
}

/**
 * Like {@link createOrUpdate}, but writes changes as JSON merge patches — the main resource and,
 * if `mutate` changed it, the `status` subresource separately — so fields this caller did not
 * touch are never overwritten (controllerutil.CreateOrPatch). A status change of a newly created
 * object is written right after the create.
 */
export async function createOrPatch<T extends KubeObject>(
  client: ObjectClient,
  object: T,
  mutate: MutateFunction<T>,
  options: UpsertOptions = {},
): Promise<UpsertResult<T>> {
  const gvk = gvkOf(object);
  const name = object.metadata.name ?? '';
  const namespace = object.metadata.namespace;
  const write = { fieldManager: options.fieldManager, signal: options.signal, namespace };
  const existing = await getIfExists(client, object, options.signal);
  if (!existing) {
    const fresh = deepCopy(object);
    await mutate(fresh);
    checkIdentity(object, fresh);
    let created = await client.create(fresh, { fieldManager: options.fieldManager, signal: options.signal });
    if (fresh['status'] !== undefined && !jsonEqual(fresh['status'], created['status'])) {
      created = await client.patch<T>(
        gvk,
        name,
        { status: fresh['status'] },
        { ...write, subresource: 'status' },
      );
    }
    return { operation: 'created', object: created };
  }
  const changed = deepCopy(existing);
  await mutate(changed);
  checkIdentity(object, changed);
  const { status: beforeStatus, ...beforeRest } = existing;
  const { status: afterStatus, ...afterRest } = changed;
  const mainPatch = createMergePatch(beforeRest, afterRest);
  const statusPatch = createMergePatch(beforeStatus ?? {}, afterStatus ?? {});
  let current = existing;
  if (mainPatch !== undefined) current = await client.patch<T>(gvk, name, mainPatch, write);
  if (statusPatch !== undefined && afterStatus !== undefined)
    current = await client.patch<T>(gvk, name, { status: statusPatch }, { ...write, subresource: 'status' });
  const statusWritten = statusPatch !== undefined && afterStatus !== undefined;
  const operation: OperationResult =
    mainPatch !== undefined
      ? statusWritten
        ? 'updatedStatus'
        : 'updated'
      : statusWritten
        ? 'updatedStatusOnly'
        : 'unchanged';
  return { operation, object: current };
}

/** Options of {@link applyDesired}. */
export interface ApplyDesiredOptions {
  /** The field manager owning the applied fields; use one name per controller. */
  fieldManager: string;
  /** Take over fields other managers own instead of failing with a conflict. Default true, as controllers should. */
  force?: boolean;
  signal?: AbortSignal;
}

/**
 * Server-side applies the desired state of an object: sends only the fields in `desired`, owned by
 * `fieldManager`, so fields that manager set before and no longer sends are removed and fields of
 * other managers are kept. Server-populated metadata (uid, resourceVersion, managedFields, ...)
 * is dropped from the request, as the apply configuration must not carry it.
 */
export function applyDesired<T extends KubeObject>(
  client: ObjectClient,
  desired: T,
  options: ApplyDesiredOptions,
): Promise<T> {
  const body = deepCopy(desired);
  gvkOf(body); // fail early without apiVersion/kind
  const meta = body.metadata;
  for (const field of [
    'uid',
    'resourceVersion',
    'managedFields',
    'creationTimestamp',
    'generation',
    'selfLink',
  ] as const)
    delete meta[field];
  return client.apply(body, {
    fieldManager: options.fieldManager,
    force: options.force ?? true,
    signal: options.signal,
  });
}

async function getIfExists<T extends KubeObject>(
  client: ObjectClient,
  object: T,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const name = object.metadata.name;
  if (!name) throw new Error('createOrUpdate needs metadata.name');
  try {
    return await client.get<T>(gvkOf(object), name, { namespace: object.metadata.namespace, signal });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

// as controllerutil.mutate: the mutate function may not retarget the write
function checkIdentity(key: KubeObject, mutated: KubeObject): void {
  if (
    (key.metadata.name ?? '') !== (mutated.metadata.name ?? '') ||
    (key.metadata.namespace ?? '') !== (mutated.metadata.namespace ?? '')
  )
    throw new Error('MutateFn cannot mutate object name and/or object namespace');
}
