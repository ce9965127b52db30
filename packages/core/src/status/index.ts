/**
 * Status writes through the status subresource: a read-modify-write that retries conflicts by
 * re-reading and re-applying the change, and a conflict-free merge patch.
 */
export {
  patchStatus,
  updateStatus,
  type UpdateStatusOptions,
  type UpdateStatusResult,
} from './status-writer.js';
