/**
 * The Kubernetes client: a generic typed client over any kind ({@link KubeClient}), discovery-based
 * kind ↔ resource mapping ({@link RESTMapper}), typed errors carrying the server's Status, and a
 * {@link CachedClient} that reads from informers and writes to the server.
 */
export {
  CachedClient,
  type CachedClientOptions,
  type CachedGetOptions,
  type CachedListOptions,
} from './cached-client.js';
export {
  AlreadyExistsError,
  ApiStatusError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidError,
  MethodNotAllowedError,
  NoKindMatchError,
  NotFoundError,
  ServerError,
  TooManyRequestsError,
  UnauthorizedError,
  errorFromResponse,
  errorFromStatus,
  isAlreadyExists,
  isBadRequest,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNoKindMatch,
  isNotFound,
  isTooManyRequests,
  isUnauthorized,
} from './errors.js';
export { JsonLineDecoder, decodeJsonLines } from './json-lines.js';
export {
  KubeClient,
  PARTIAL_OBJECT_METADATA_ACCEPT,
  PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
  type ApplyOptions,
  type CreateOptions,
  type DeleteAllOfOptions,
  type DeleteOptions,
  type GetOptions,
  type KubeClientOptions,
  type ListOptions,
  type PatchOptions,
  type PatchType,
  type RequestOptions,
  type Scale,
  type UpdateOptions,
  type WatchOptions,
  type WriteOptions,
} from './kube-client.js';
export { parseLabelSelector, type LabelMatcher } from './label-selector.js';
export {
  MeteredTransport,
  noopRestClientMetrics,
  type RestClientMetrics,
  type RestRequestResult,
} from './rest-client-metrics.js';
export { RESTMapper, type RESTMapperOptions, type RESTMapping } from './rest-mapper.js';
export { KubeConfigTransport, type RestRequest, type RestResponse, type RestTransport } from './transport.js';
export {
  compareResourceVersions,
  formatApiVersion,
  formatGvk,
  gvkOf,
  parseApiVersion,
  type GroupVersionKind,
  type GroupVersionResource,
  type KubeObject,
  type ListMeta,
  type ObjectList,
  type ObjectMeta,
  type OwnerReference,
  type PartialObjectMetadata,
  type Status,
  type StatusCause,
  type StatusDetails,
  type WatchEvent,
} from './types.js';
