/**
 * The local cluster's kube-apiserver: {@link ApiCore} (every request, in process) and
 * {@link startApiServer} (the HTTP(S) server real clients talk to).
 */
export { ApiCore } from './core.js';
export type { ApiCoreOptions, DeleteResult } from './core.js';
export { startApiServer } from './server.js';
export { ServiceAccountTokens } from './service-account-tokens.js';
export type { ApiServerOptions, RunningApiServer } from './server.js';
export { LabelSelector, FieldSelector, labelSelectorToString } from './selectors.js';
export type {
  DeleteOptions,
  FieldValidation,
  KubeList,
  ListOptions,
  NonResourceHandler,
  NonResourceRequest,
  PodExecOptions,
  PodExecSession,
  PodExecutor,
  PodLogStreamer,
  PodLogStreamOptions,
  RequestAttributes,
  UserInfo,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from './types.js';
