/**
 * The one place where the API server calls the other folders of the local cluster (schema,
 * validation, patch, apply, crd, table, discovery). Each function here is the single call site of
 * its collaborator, so that swapping an implementation touches one line.
 */
import { type JsonObject, type KubeObject, type StatusCause } from '../api/index.js';
import {
  crdStatusAfterWrite,
  crdToResourceTypes,
  CustomResourceSchema,
  defaultCustomResourceDefinition,
  validateCustomResourceDefinition,
} from '../crd/index.js';
import {
  serverSideApply as applyConfiguration,
  trackUpdate as trackUpdateOwnership,
} from '../apply/index.js';
import {
  defaultBuiltin as applyBuiltinDefaults,
  findDuplicateFields,
  findUnknownFields,
  nameValidatorFor,
  pruneUnknownFields,
  validateBuiltin as validateBuiltinKind,
  validateObjectMeta,
} from '../validation/index.js';
import { toPartialObjectMetadata, toTable as renderTable } from '../table/index.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../patch/index.js';
import type { ResourceType } from '../registry/index.js';
import { builtinTypes, TypeSet, UNTYPED_DEDUCED } from '../schema/index.js';

/** The SMD schema of one kind: what patch/ and apply/ need. */
export interface KindSchema {
  typeSet: TypeSet;
  typeName: string;
}

/** What the server needs from a CRD version's schema (crd/'s CustomResourceSchema). */
export interface CustomSchema {
  prune(obj: JsonObject): string[];
  applyDefaults(obj: JsonObject): void;
  validate(obj: JsonObject, old?: JsonObject): StatusCause[];
  toTypeSet(): KindSchema;
  /** The schema as OpenAPI publishes it. */
  openAPIV3(): JsonObject;
}

const untypedSchema: KindSchema = { typeSet: new TypeSet([]), typeName: UNTYPED_DEDUCED };

/** The schema of a built-in kind, or an untyped one when the built-in schema lacks it. */
export function builtinKindSchema(type: ResourceType): KindSchema {
  if (type.schemaTypeName && builtinTypes.get(type.schemaTypeName)) {
    return { typeSet: builtinTypes, typeName: type.schemaTypeName };
  }
  return untypedSchema;
}

/** The schema of a custom resource version (crd/ CustomResourceSchema.forVersion). */
export function customSchemaFor(crd: KubeObject, version: string): CustomSchema {
  return CustomResourceSchema.forVersion(crd, version);
}

/**
 * Unknown fields of a built-in object: their paths, and the object with them dropped (the API
 * server's decoder drops them unless fieldValidation=Strict refuses the request) (validation/).
 */
export function pruneBuiltin(obj: KubeObject, schema: KindSchema): string[] {
  if (schema === untypedSchema) return [];
  const paths = findUnknownFields(obj, schema.typeSet, schema.typeName);
  if (paths.length) {
    const pruned = pruneUnknownFields(obj as unknown as JsonObject, schema.typeSet, schema.typeName);
    for (const k of Object.keys(obj)) if (!(k in pruned)) delete (obj as Record<string, unknown>)[k];
    Object.assign(obj, pruned);
  }
  return paths;
}

/** Duplicate-field paths in a raw JSON body (validation/). */
export function duplicateFields(raw: string): string[] {
  return findDuplicateFields(raw);
}

/** Built-in defaulting (validation/ defaultBuiltin). */
export function defaultBuiltin(obj: KubeObject): void {
  applyBuiltinDefaults(obj);
}

/** Object metadata checks with the kind's name rule (validation/ validateObjectMeta). */
export function validateMeta(type: ResourceType, obj: KubeObject, isCreate: boolean): StatusCause[] {
  return validateObjectMeta(obj.metadata, {
    namespaced: type.namespaced,
    isCreate,
    nameValidator: type.custom ? undefined : nameValidatorFor(type.group, type.kind),
  });
}

/** Kind-specific validation of built-ins (validation/ validateBuiltin). */
export function validateBuiltin(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  return validateBuiltinKind(obj, old);
}

/** RFC 6902 JSON patch (patch/). */
export function jsonPatch(original: KubeObject, text: string): KubeObject {
  return applyJsonPatch(original, text) as unknown as KubeObject;
}

/** RFC 7386 JSON merge patch (patch/). */
export function mergePatch(original: KubeObject, text: string): KubeObject {
  return applyMergePatch(original, text) as unknown as KubeObject;
}

/** Strategic merge patch with the kind's merge keys (patch/). */
export function strategicMergePatch(original: KubeObject, text: string, schema: KindSchema): KubeObject {
  return applyStrategicMergePatch(original, text, schema.typeSet, schema.typeName) as unknown as KubeObject;
}

/** Inputs of a server-side apply. */
export interface ApplyInput {
  live: KubeObject | undefined;
  applied: JsonObject;
  manager: string;
  force: boolean;
  schema: KindSchema;
  apiVersion: string;
  subresource?: string;
  now?: () => string;
}

/** Server-side apply (apply/ serverSideApply). */
export function serverSideApply(input: ApplyInput): KubeObject {
  return applyConfiguration({
    live: input.live,
    applied: input.applied,
    manager: input.manager,
    force: input.force,
    typeSet: input.schema.typeSet,
    typeName: input.schema.typeName,
    apiVersion: input.apiVersion,
    ...(input.subresource ? { subresource: input.subresource } : {}),
    ...(input.now ? { now: input.now } : {}),
  });
}

/** Inputs of managedFields tracking for non-apply writes. */
export interface TrackInput {
  old: KubeObject | undefined;
  updated: KubeObject;
  manager: string;
  schema: KindSchema;
  apiVersion: string;
  subresource?: string;
  now?: () => string;
}

/** Records Update ownership (apply/ trackUpdate). */
export function trackUpdate(input: TrackInput): KubeObject {
  return trackUpdateOwnership({
    old: input.old,
    updated: input.updated,
    manager: input.manager,
    typeSet: input.schema.typeSet,
    typeName: input.schema.typeName,
    apiVersion: input.apiVersion,
    ...(input.subresource ? { subresource: input.subresource } : {}),
    ...(input.now ? { now: input.now } : {}),
  });
}

/** CRD defaulting and validation (crd/). */
export function validateCrd(crd: KubeObject, old: KubeObject | undefined): StatusCause[] {
  defaultCustomResourceDefinition(crd);
  return validateCustomResourceDefinition(crd, old);
}

/** The resource types a CRD serves (crd/ crdToResourceTypes). */
export function crdResourceTypes(crd: KubeObject): ResourceType[] {
  return crdToResourceTypes(crd);
}

/** The status a CRD gets once accepted (crd/ crdStatusAfterWrite). */
export function crdStatus(crd: KubeObject, now: Date): JsonObject {
  return crdStatusAfterWrite(crd, now);
}

/** How much of each object a Table row carries (`includeObject`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** PartialObjectMetadata of an object (table/). */
export function partialObjectMetadata(obj: KubeObject, apiVersion = 'meta.k8s.io/v1'): KubeObject {
  return { ...toPartialObjectMetadata(obj), apiVersion } as KubeObject;
}

/** meta.k8s.io Table of objects (table/ toTable) with the kind's printer columns. */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  opts: {
    includeObject: IncludeObject;
    apiVersion: string;
    listMeta: JsonObject;
    now: Date;
    noHeaders?: boolean;
  },
): KubeObject {
  const table = renderTable(type, objects, {
    includeObject: opts.includeObject,
    listMeta: opts.listMeta,
    now: opts.now,
    noHeaders: opts.noHeaders === true,
  });
  return { ...table, apiVersion: opts.apiVersion } as unknown as KubeObject;
}
