import type { KubeObject } from '../api/index.js';

/**
 * Where one object lives: the resource as "group/resource" (core group: "/pods"), the namespace
 * ('' for cluster-scoped objects) and the name. Mirrors etcd's `/registry/<resource>/<ns>/<name>`.
 */
export interface StoreKey {
  /** "group/resource": "apps/statefulsets", "/pods", "opkit.dev/etcdclusters". */
  resource: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
}

/** The kind of a committed change, as a watch reports it. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change (or a synthetic ADDED of a watch's initial state). */
export interface StoreEvent {
  type: WatchEventType;
  key: StoreKey;
  /** The object after the change; for DELETED the deleted object, carrying the delete's resourceVersion. */
  object: KubeObject;
  /** The object before the change (absent for ADDED). */
  prevObject?: KubeObject;
  /** The revision of the change (for a synthetic initial ADDED: the object's own resourceVersion). */
  revision: number;
}

/**
 * A bookmark: every change up to `revision` that the watch should see has been delivered.
 * `initialEventsEnd` marks the end of the initial state when `sendInitial: true` was asked for
 * explicitly (the HTTP layer adds the `k8s.io/initial-events-end` annotation then).
 */
export interface BookmarkEvent {
  type: 'BOOKMARK';
  revision: number;
  initialEventsEnd?: boolean;
}

/** What a watch yields. */
export type StoreWatchEvent = StoreEvent | BookmarkEvent;

/** A predicate computed by the caller (label and field selectors). It must not mutate the object. */
export type ObjectFilter = (object: KubeObject) => boolean;

/** Options of {@link ObjectStore.open}. Every field has a default. */
export interface ObjectStoreOptions {
  /** Directory for the append-only log and snapshots; in-memory only when absent. */
  dataDir?: string;
  /** How many change events are retained for watch resumption and consistent lists (default 10,000). */
  historySize?: number;
  /** Interval between BOOKMARK events on every watch, in ms (default 60,000). */
  bookmarkIntervalMs?: number;
  /** Events a watcher may have pending before its stream is ended as too slow (default 10,000). */
  watchBufferSize?: number;
  /** How often buffered log lines are written to disk, in ms (default 50). */
  flushIntervalMs?: number;
  /** Log records between snapshots (default: max(50,000, 2 × (historySize + objects))). */
  compactEvery?: number;
}

/** Preconditions of update and delete. */
export interface StoreWriteOptions {
  /** When set, the write fails with 409 Conflict unless the stored object has this resourceVersion. */
  expectedResourceVersion?: string;
}

/** Options of {@link ObjectStore.list}. */
export interface StoreListOptions {
  /** Only objects of this namespace (absent or '': all namespaces). */
  namespace?: string;
  filter?: ObjectFilter;
  /** Page size; 0 or absent: everything. */
  limit?: number;
  /** The continue token of the previous page. */
  continue?: string;
  /** Unset: most recent; "0": any; "N": see resourceVersionMatch. */
  resourceVersion?: string;
  /** Default when resourceVersion is set: NotOlderThan. */
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

/** One page of a list. */
export interface StoreListResult {
  items: KubeObject[];
  /** The revision this page reflects, as a decimal string. */
  resourceVersion: string;
  /** Present when more items follow. */
  continue?: string;
  /** Items after this page; only when no filter is applied and more items follow. */
  remainingItemCount?: number;
}

/** Options of {@link ObjectStore.watch}. */
export interface StoreWatchOptions {
  namespace?: string;
  filter?: ObjectFilter;
  /** Unset or "0": start with the current state; "N": every change after revision N. */
  resourceVersion?: string;
  /**
   * Send synthetic ADDED events for the current state first. Default: true when resourceVersion is
   * unset or "0". When set to true explicitly, a BOOKMARK with `initialEventsEnd` follows them
   * (the `sendInitialEvents=true` streaming list).
   */
  sendInitial?: boolean;
  /**
   * Hand out the stored objects themselves, deeply frozen and identical for every watcher, instead
   * of a copy per watcher: the cheap path for fan-out (a serializer can memoize by object identity).
   * Never mutate them (they throw). Default false: each event's objects are the consumer's own copies.
   */
  shared?: boolean;
  /** Ends the watch. */
  signal: AbortSignal;
}
