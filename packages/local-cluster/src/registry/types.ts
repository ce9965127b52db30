import type { JsonObject } from '../api/index.js';

/** What the server knows about one served resource (built-in or from a CRD). */
export interface ScaleSubresource {
  /** JSON path of the desired replicas in the object, e.g. `.spec.replicas`. */
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** A printer column for Table output (`kubectl get`), as in a CRD's additionalPrinterColumns. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  priority?: number;
  /** JSONPath, e.g. `.status.phase`. */
  jsonPath: string;
}

export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: `statefulsets`. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: {
    status?: boolean;
    scale?: ScaleSubresource;
    log?: boolean;
    exec?: boolean;
    eviction?: boolean;
    binding?: boolean;
    /** `serviceaccounts/token`: TokenRequest (authentication.k8s.io/v1). */
    token?: boolean;
  };
  /**
   * Built-in kinds: the type name in the built-in schema (e.g. `io.k8s.api.apps.v1.StatefulSet`).
   * Custom resources: undefined (their schema comes from the CRD).
   */
  schemaTypeName?: string;
  /** True when the resource comes from a CustomResourceDefinition. */
  custom: boolean;
  /** Whether this version is the storage version (CRDs); built-ins: true. */
  storage: boolean;
  /** Served at all (a CRD version may be defined but not served). */
  served: boolean;
  /**
   * Table columns for custom resources (a CRD version's `additionalPrinterColumns`). Built-in kinds
   * leave it undefined: their columns come from the table printers.
   */
  printerColumns?: PrinterColumn[];
  /** A CRD version's `deprecated` flag (discovery and warnings). */
  deprecated?: boolean;
  /** A CRD version's `deprecationWarning`. */
  deprecationWarning?: string;
  /**
   * Custom resources: the schema to publish in /openapi/v3 and /openapi/v2 (crd/'s
   * `CustomResourceSchema.openAPIV3()`, or the version's `openAPIV3Schema`). Discovery falls back to
   * an object that preserves unknown fields when it is absent.
   */
  openAPIV3Schema?: JsonObject;
}
