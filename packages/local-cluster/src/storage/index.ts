/**
 * storage: the object store of the local API server. One monotonic revision shared by every
 * resource (etcd's), a bounded change history for watches from a resourceVersion and consistent
 * paginated lists, watch fan-out, change subscriptions and optional persistence to a directory.
 */
export { ObjectStore } from './object-store.js';
export type {
  BookmarkEvent,
  ObjectFilter,
  ObjectStoreOptions,
  StoreEvent,
  StoreKey,
  StoreListOptions,
  StoreListResult,
  StoreWatchEvent,
  StoreWatchOptions,
  StoreWriteOptions,
  WatchEventType,
} from './types.js';
