import type { KubeObject, Status } from '../api/index.js';
import type { Readable } from 'node:stream';

/** How a write treats fields the schema does not know (query parameter `fieldValidation`). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Options of create, update and patch. */
export interface WriteOptions {
  /** `dryRun=All`: run everything but the write. */
  dryRun?: boolean;
  /** The manager recorded in managedFields; defaults to the user agent's product name. */
  fieldManager?: string;
  /** Default Warn (as kube-apiserver since 1.27). */
  fieldValidation?: FieldValidation;
  /** Out: warnings the HTTP layer sends as `Warning` headers. */
  warnings?: string[];
  /** The caller's User-Agent, for the default field manager (as managerOrUserAgent upstream). */
  userAgent?: string;
  /** For a raw (string/Buffer) body: its media type (`application/json` or `application/yaml`). */
  contentType?: string;
}

/** Options of delete and deletecollection (metav1.DeleteOptions). */
export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  /** Deprecated predecessor of propagationPolicy, still honoured by kube-apiserver. */
  orphanDependents?: boolean;
}

/** Options of list (metav1.ListOptions). */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

/** Options of watch (metav1.ListOptions with watch=true). */
export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  allowWatchBookmarks?: boolean;
  /** The streaming list (WatchList): initial ADDED events, then a BOOKMARK marking their end. */
  sendInitialEvents?: boolean;
}

/** One watch event as it goes on the wire. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject | Status;
}

/** A list response: `<Kind>List` with list metadata. */
export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

/** Who made a request (authentication result). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
}

/** What the authorizer decides on (authorizer.Attributes upstream). */
export interface RequestAttributes {
  verb: string;
  /** Non-resource requests (discovery, /healthz): the path. */
  path: string;
  resourceRequest: boolean;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** The query of `GET pods/NAME/log` (core/v1 PodLogOptions). */
export interface PodLogStreamOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  previous?: boolean;
  limitBytes?: number;
  /** Aborted when the client goes away: ends a follow. */
  signal?: AbortSignal;
}

/** Where the server reads pod logs from (the kubelets' `PodLogs`). */
export interface PodLogStreamer {
  /**
   * The log as a byte stream; throws (or the stream errors with) an ApiError for a missing pod or
   * container. With `follow` the stream stays open until the container ends or `signal` aborts.
   */
  stream(namespace: string, pod: string, opts: PodLogStreamOptions): Readable;
}
