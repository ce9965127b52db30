import type { KubeObject, Status } from '../api/index.js';
import type { Readable, Writable } from 'node:stream';

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

/** The query of `pods/NAME/exec` (core/v1 PodExecOptions), the container already chosen. */
export interface PodExecOptions {
  container: string;
  command: string[];
  /** The client sends standard input (stdin=true). */
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Asked for a terminal; the local runtimes have no pseudo-terminal and run on pipes. */
  tty: boolean;
}

/** A command started in a container for `pods/NAME/exec`: what the server streams to the client. */
export interface PodExecSession {
  /** Null when the client sends no standard input. */
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** The exit code, once the command has ended and its output is in the streams. */
  readonly exited: Promise<number>;
  kill(): void;
}

/** Where the server runs `pods/NAME/exec` (LocalCluster passes its node agents). */
export interface PodExecutor {
  /** Starts the command; throws an ApiError when it cannot (container not running, no exec support). */
  exec(namespace: string, pod: string, opts: PodExecOptions): PodExecSession | Promise<PodExecSession>;
  /** Throws the ApiError `exec` would throw, without running anything (used to answer a refused SPDY request). */
  check?(namespace: string, pod: string, opts: PodExecOptions): void | Promise<void>;
}

/** A request to a non-resource path served by a {@link NonResourceHandler}. */
export interface NonResourceRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** The whole path, e.g. `/opkit/v1/faults/kill`. */
  path: string;
  query: URLSearchParams;
  /** The JSON body (`{}` when empty). */
  body: unknown;
  user: UserInfo;
}

/**
 * Serves an embedder's non-resource path (kube-apiserver serves such paths, e.g. `/healthz` or
 * `/metrics`, outside every API group, so they never show in discovery). Resolves to the JSON
 * response body (status 200); throws an ApiError for an error Status.
 */
export type NonResourceHandler = (request: NonResourceRequest) => Promise<unknown>;
