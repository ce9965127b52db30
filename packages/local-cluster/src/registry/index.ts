/**
 * The resource registry: which resources the server serves (built-in kinds and CRD versions), as
 * discovery, routing and the OpenAPI documents see them.
 */
export type { ResourceType, ScaleSubresource, PrinterColumn } from './types.js';
export { ResourceRegistry, compareKubeVersions } from './registry.js';
export type { ApiGroupInfo } from './registry.js';
export { builtinResourceTypes } from './builtins.js';
