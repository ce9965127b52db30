import { gvkOf, isConflict, type KubeObject } from '../client/index.js';
import { deepCopy, jsonEqual, type ObjectClient } from '../upsert/index.js';

/** Options of {@link updateStatus}. */
export interface UpdateStatusOptions {
  /** Conflicts retried (each after a fresh read) before giving up. Default 5, as client-go's retry.DefaultRetry. */
  maxRetries?: number;
  fieldManager?: string;
  signal?: AbortSignal;
}

/** The object after a status write, and whether one was made. */
export interface UpdateStatusResult<T extends KubeObject> {
  object: T;
  updated: boolean;
}

/**
 * Applies `mutate` to a copy of `object` and writes its `status` through the status subresource
 * (PUT, optimistic concurrency). On a 409 Conflict it reads the object again and re-applies
 * `mutate` to the fresh copy (client-go util/retry.RetryOnConflict). Nothing is written when
 * `mutate` leaves the status unchanged.
 */
export async function updateStatus<T extends KubeObject>(
  client: ObjectClient,
  object: T,
  mutate: (object: T) => void | Promise<void>,
  options: UpdateStatusOptions = {},
): Promise<UpdateStatusResult<T>> {
  const maxRetries = options.maxRetries ?? 5;
  const gvk = gvkOf(object);
  let current = object;
  for (let attempt = 0; ; attempt++) {
    const changed = deepCopy(current);
    await mutate(changed);
    if (jsonEqual(current['status'], changed['status'])) return { object: current, updated: false };
    try {
      const written = await client.updateStatus(changed, {
        fieldManager: options.fieldManager,
        signal: options.signal,
      });
      return { object: written, updated: true };
    } catch (err) {
      if (!isConflict(err) || attempt >= maxRetries) throw err;
      current = await client.get<T>(gvk, object.metadata.name ?? '', {
        namespace: object.metadata.namespace,
        signal: options.signal,
      });
    }
  }
}

/**
 * Writes a JSON merge patch of `status` fields through the status subresource: no conflicts, no
 * read, but concurrent writers of the same fields race (last write wins).
 */
export function patchStatus<T extends KubeObject>(
  client: ObjectClient,
  object: T,
  status: Record<string, unknown>,
  options: { fieldManager?: string; signal?: AbortSignal } = {},
): Promise<T> {
  return client.patch<T>(
    gvkOf(object),
    object.metadata.name ?? '',
    { status },
    {
      namespace: object.metadata.namespace,
      subresource: 'status',
      fieldManager: options.fieldManager,
      signal: options.signal,
    },
  );
}
