import type { KubeObject, ObjectMeta } from '../api/index.js';
import type { PrinterColumn, ResourceType } from '../registry/index.js';
import { ageSince } from './duration.js';
import { evaluateJsonPath } from './jsonpath.js';
import {
  BUILTIN_PRINTERS,
  DEFAULT_PRINTER,
  NAME_COLUMN,
  column,
  type Printer,
  type TableCell,
  type TableColumnDefinition,
} from './printers.js';

/** meta/v1 ListMeta as a Table or list carries it. */
export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** meta.k8s.io/v1 PartialObjectMetadata. */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

/** meta.k8s.io/v1 PartialObjectMetadataList. */
export interface PartialObjectMetadataList {
  kind: 'PartialObjectMetadataList';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta;
  items: PartialObjectMetadata[];
}

/** One row of a Table. */
export interface TableRow {
  cells: TableCell[];
  /** Absent with `includeObject=None`. */
  object?: PartialObjectMetadata | KubeObject;
}

/** meta.k8s.io/v1 Table. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** How {@link toTable} renders. */
export interface TableOptions {
  /** What each row carries besides its cells (`?includeObject=`); kube-apiserver's default is Metadata. */
  includeObject?: 'None' | 'Metadata' | 'Object';
  listMeta?: ListMeta;
  /** The clock ages are measured against (default: now). */
  now?: Date;
  /** Leaves `columnDefinitions` empty, as the server does for watch events after the first. */
  noHeaders?: boolean;
}

/** The metadata-only form of an object (`as=PartialObjectMetadata`). */
export function toPartialObjectMetadata(obj: KubeObject): PartialObjectMetadata {
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: structuredClone(obj.metadata),
  };
}

/** The metadata-only form of a list (`as=PartialObjectMetadataList`). */
export function toPartialObjectMetadataList(
  objects: KubeObject[],
  listMeta: ListMeta = {},
): PartialObjectMetadataList {
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { ...listMeta },
    items: objects.map(toPartialObjectMetadata),
  };
}

/** The value of a CRD printer column, typed as the column says (apiextensions tableconvertor cellForJSONValue). */
function customCell(col: PrinterColumn, obj: KubeObject, now: Date): TableCell {
  let values: unknown[];
  try {
    values = evaluateJsonPath(col.jsonPath, obj);
  } catch {
    return null;
  }
  const value = values[0];
  if (value === undefined || value === null) return null;
  switch (col.type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? ageSince(value, now) : null;
    default:
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return JSON.stringify(value);
  }
}

/** When a CRD version lists no columns, the API server defaults one: Age from creationTimestamp. */
const DEFAULT_CUSTOM_COLUMNS: PrinterColumn[] = [
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

function customPrinter(columns: PrinterColumn[]): Printer {
  return {
    columns: [
      NAME_COLUMN,
      ...columns.map((c) => column(c.name, c.type, c.description ?? '', c.priority ?? 0, c.format ?? '')),
    ],
    cells: (obj, now) => [obj.metadata.name ?? '', ...columns.map((c) => customCell(c, obj, now))],
  };
}

/** The printer for a resource type: the built-in printer, the CRD's columns, or Name + Created At. */
export function printerFor(type: ResourceType): Printer {
  if (type.custom)
    return customPrinter(type.printerColumns?.length ? type.printerColumns : DEFAULT_CUSTOM_COLUMNS);
  return BUILTIN_PRINTERS[`${type.group}/${type.resource}`] ?? DEFAULT_PRINTER;
}

/**
 * Renders objects as a meta.k8s.io/v1 Table (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`)
 * with the columns kube-apiserver's printers give the kind.
 */
export function toTable(type: ResourceType, objects: KubeObject[], opts: TableOptions = {}): Table {
  const printer = printerFor(type);
  const now = opts.now ?? new Date();
  const include = opts.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { ...(opts.listMeta ?? {}) },
    columnDefinitions: opts.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows: objects.map((obj) => ({
      cells: printer.cells(obj, now),
      ...(include === 'Object'
        ? { object: obj }
        : include === 'Metadata'
          ? { object: toPartialObjectMetadata(obj) }
          : {}),
    })),
  };
}
