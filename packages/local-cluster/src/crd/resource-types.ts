/**
 * What a stored CRD means to the rest of the server: its ResourceTypes (one per served version),
 * its printer columns, its defaults (apiextensions/v1 SetDefaults) and the status the CRD
 * controllers (naming, establishing, storage-version) would write.
 */
import { isJsonObject, rfc3339, type JsonObject, type JsonValue, type KubeObject } from '../api/index.js';
import type { PrinterColumn, ResourceType, ScaleSubresource } from '../registry/types.js';
import { CustomResourceSchema } from './custom-resource-schema.js';

/** The verbs a custom resource serves, in the order kube-apiserver lists them in discovery. */
export const customResourceVerbs: readonly string[] = [
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'create',
  'update',
  'watch',
];

function obj(v: unknown): JsonObject {
  return isJsonObject(v) ? v : {};
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function versionsOf(crd: KubeObject): JsonObject[] {
  const versions = obj(crd.spec).versions;
  return Array.isArray(versions) ? versions.filter(isJsonObject) : [];
}

/**
 * One ResourceType per served version of the CRD. Names come from `status.acceptedNames` when the
 * CRD has them (as upstream serves), else from `spec.names`.
 */
export function crdToResourceTypes(crd: KubeObject): ResourceType[] {
  const spec = obj(crd.spec);
  const accepted = obj(obj(crd.status).acceptedNames);
  const names = typeof accepted.plural === 'string' && accepted.plural ? accepted : obj(spec.names);
  const kind = String(names.kind ?? '');
  const group = String(spec.group ?? '');
  return versionsOf(crd)
    .filter((v) => v.served === true)
    .map((v): ResourceType => {
      const sub = obj(v.subresources);
      const subresources: ResourceType['subresources'] = {};
      if (isJsonObject(sub.status)) subresources.status = true;
      if (isJsonObject(sub.scale)) {
        const scale: ScaleSubresource = {
          specReplicasPath: String(sub.scale.specReplicasPath ?? ''),
          statusReplicasPath: String(sub.scale.statusReplicasPath ?? ''),
        };
        if (typeof sub.scale.labelSelectorPath === 'string')
          scale.labelSelectorPath = sub.scale.labelSelectorPath;
        subresources.scale = scale;
      }
      return {
        group,
        version: String(v.name ?? ''),
        resource: String(names.plural ?? ''),
        singular: String(names.singular || kind.toLowerCase()),
        kind,
        listKind: String(names.listKind || `${kind}List`),
        namespaced: spec.scope !== 'Cluster',
        shortNames: strings(names.shortNames),
        categories: strings(names.categories),
        verbs: [...customResourceVerbs],
        subresources,
        custom: true,
        storage: v.storage === true,
        served: true,
        printerColumns: crdPrinterColumns(crd, String(v.name ?? '')),
        ...(v.deprecated === true ? { deprecated: true } : {}),
        ...(typeof v.deprecationWarning === 'string' ? { deprecationWarning: v.deprecationWarning } : {}),
        // What discovery publishes in /openapi/v{2,3} (and so what `kubectl explain` shows).
        openAPIV3Schema: CustomResourceSchema.forVersion(crd, String(v.name ?? '')).openAPIV3(),
      };
    });
}

/** The additionalPrinterColumns of a version (kubectl's Table columns after Name). */
export function crdPrinterColumns(crd: KubeObject, version: string): PrinterColumn[] {
  const v = versionsOf(crd).find((x) => x.name === version);
  const cols = Array.isArray(v?.additionalPrinterColumns)
    ? v.additionalPrinterColumns.filter(isJsonObject)
    : [];
  return cols.map((c) => {
    const col: PrinterColumn = {
      name: String(c.name ?? ''),
      type: String(c.type ?? 'string') as PrinterColumn['type'],
      jsonPath: String(c.jsonPath ?? ''),
    };
    if (typeof c.format === 'string') col.format = c.format;
    if (typeof c.description === 'string') col.description = c.description;
    if (typeof c.priority === 'number') col.priority = c.priority;
    return col;
  });
}

/**
 * Fills in what apiextensions/v1 SetDefaults would, in place: names.singular (lower-case kind),
 * names.listKind (kind + "List"), conversion strategy None, and webhook conversion review versions.
 */
export function defaultCustomResourceDefinition(crd: KubeObject): void {
  if (!isJsonObject(crd.spec)) return;
  const spec = crd.spec;
  if (isJsonObject(spec.names)) {
    const names = spec.names;
    const kind = typeof names.kind === 'string' ? names.kind : '';
    if (!names.singular && kind) names.singular = kind.toLowerCase();
    if (!names.listKind && kind) names.listKind = `${kind}List`;
  }
  if (!isJsonObject(spec.conversion)) spec.conversion = { strategy: 'None' };
  else if (!spec.conversion.strategy) spec.conversion.strategy = 'None';
  const conversion = spec.conversion as JsonObject;
  if (
    conversion.strategy === 'Webhook' &&
    isJsonObject(conversion.webhook) &&
    !conversion.webhook.conversionReviewVersions
  ) {
    conversion.webhook.conversionReviewVersions = ['v1'];
  }
}

/**
 * The status after a write of the CRD: acceptedNames = spec.names, the NamesAccepted and
 * Established conditions True (with the reasons and messages of the upstream controllers), and the
 * storage version added to storedVersions. Transition times of unchanged conditions are kept.
 */
export function crdStatusAfterWrite(crd: KubeObject, now: Date = new Date()): JsonObject {
  const spec = obj(crd.spec);
  const oldStatus = obj(crd.status);
  const names: JsonObject = { ...obj(spec.names) };
  const kind = typeof names.kind === 'string' ? names.kind : '';
  if (!names.singular && kind) names.singular = kind.toLowerCase();
  if (!names.listKind && kind) names.listKind = `${kind}List`;

  const oldConditions = Array.isArray(oldStatus.conditions) ? oldStatus.conditions.filter(isJsonObject) : [];
  const condition = (type: string, reason: string, message: string): JsonObject => {
    const previous = oldConditions.find((c) => c.type === type);
    const lastTransitionTime =
      previous && previous.status === 'True' && typeof previous.lastTransitionTime === 'string'
        ? previous.lastTransitionTime
        : rfc3339(now);
    return { type, status: 'True', lastTransitionTime, reason, message };
  };
  const conditions: JsonValue[] = [
    condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
    condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
  ];
  // keep conditions other controllers own (e.g. NonStructuralSchema, Terminating)
  for (const c of oldConditions)
    if (c.type !== 'NamesAccepted' && c.type !== 'Established') conditions.push(c);

  const stored = strings(oldStatus.storedVersions);
  for (const v of versionsOf(crd)) {
    if (v.storage === true && typeof v.name === 'string' && !stored.includes(v.name)) stored.push(v.name);
  }
  return { acceptedNames: names, conditions, storedVersions: stored };
}
