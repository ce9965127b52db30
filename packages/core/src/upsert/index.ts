/**
 * Writing desired state: create-or-update and create-or-patch with a mutate function
 * (controller-runtime controllerutil), server-side apply of desired children, and the client
 * shape every write helper takes.
 */
export { createMergePatch, deepCopy, jsonEqual, type ObjectClient } from './object-client.js';
export {
  applyDesired,
  createOrPatch,
  createOrUpdate,
  type ApplyDesiredOptions,
  type MutateFunction,
  type OperationResult,
  type UpsertOptions,
  type UpsertResult,
} from './upsert.js';
