/**
 * Table and metadata-only renderings of objects: what the server answers to
 * `Accept: ...;as=Table;g=meta.k8s.io;v=v1` (kubectl get) and `as=PartialObjectMetadata[List]`.
 */
export { toTable, toPartialObjectMetadata, toPartialObjectMetadataList, printerFor } from './table.js';
export type {
  Table,
  TableRow,
  TableOptions,
  ListMeta,
  PartialObjectMetadata,
  PartialObjectMetadataList,
} from './table.js';
export type { TableColumnDefinition, TableCell, Printer } from './printers.js';
export { evaluateJsonPath, parseJsonPath } from './jsonpath.js';
export { humanDuration } from './duration.js';
