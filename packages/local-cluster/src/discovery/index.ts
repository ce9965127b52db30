/**
 * Discovery and OpenAPI: `/version`, `/api`, `/apis` (plain and aggregated), the per-group-version
 * resource lists, `/openapi/v2` (JSON and gnostic protobuf) and `/openapi/v3`, built from the
 * resource registry. The HTTP layer routes to {@link DiscoveryHandler.handle}.
 */
export { DiscoveryHandler, negotiateDiscovery } from './handler.js';
export type { DiscoveryOptions, DiscoveryResponse, DiscoveryRequestHeaders } from './handler.js';
export {
  versionInfo,
  apiVersions,
  apiGroup,
  apiGroupList,
  apiResourceList,
  aggregatedDiscovery,
  storageVersionHash,
  subresourcesOf,
  SERVED_KUBERNETES_VERSION,
} from './documents.js';
export type { VersionInfo, AggregatedVersion, SubresourceInfo } from './documents.js';
export {
  openApiV2Document,
  openApiV3Document,
  openApiDocumentHash,
  openApiV3PathKey,
} from './openapi-documents.js';
export type { CustomSchemaSource } from './openapi-documents.js';
export { customResourceSchema, customTypeName } from './openapi-schemas.js';
export { encodeOpenApiV2Protobuf, gnosticTypes } from './gnostic.js';
