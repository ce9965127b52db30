/**
 * `defineCustomResource`: one TypeBox definition gives the custom resource's TypeScript type
 * (`CustomResource<typeof Def>`), its GroupVersionKind, and its CustomResourceDefinition.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { KubeObject, ObjectMeta } from '../client/index.js';
import { StructuralSchemaError, toStructuralSchema } from './structural-schema.js';
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  JSONSchemaProps,
  PrinterColumn,
  ScaleSubresource,
  ValidationRule,
} from './types.js';

/** A definition that is not valid (bad names, versions, or a schema that is not structural). */
export class CustomResourceDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CustomResourceDefinitionError';
  }
}

/** One version of a multi-version definition; all versions share the schema. */
export interface CustomResourceVersionOptions {
  name: string;
  /** Default true. */
  served?: boolean;
  /** Exactly one version is the storage version; default: the first. */
  storage?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
}

/** What {@link defineCustomResource} takes. */
export interface CustomResourceOptions<Spec extends TSchema, Status extends TSchema | undefined> {
  /** The API group, a DNS subdomain with at least one dot, e.g. `cache.example.com`. */
  group: string;
  /** The version, e.g. `v1alpha1`. Give either this or `versions`. */
  version?: string;
  /** Several served versions sharing one schema. */
  versions?: CustomResourceVersionOptions[];
  /** PascalCase kind, e.g. `EtcdCluster`. */
  kind: string;
  /** Lower-case plural resource name; default: the kind lower-cased and pluralised. */
  plural?: string;
  /** Lower-case singular; default: the kind lower-cased. */
  singular?: string;
  scope: 'Namespaced' | 'Cluster';
  /** The schema of `.spec`. */
  spec: Spec;
  /** The schema of `.status`; giving one also enables the status subresource. */
  status?: Status;
  /** Description of the whole resource (shown by `kubectl explain`). */
  description?: string;
  printerColumns?: PrinterColumn[];
  shortNames?: string[];
  categories?: string[];
  /** Enables the scale subresource. */
  scale?: ScaleSubresource;
  /** CEL rules on the whole object (`self.spec`, `self.status`, `self.metadata.name`). */
  validations?: ValidationRule[];
  /** Annotations and labels put on the CRD object. */
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

/** The result of {@link defineCustomResource}. */
export interface CustomResourceKind<
  Spec extends TSchema = TSchema,
  Status extends TSchema | undefined = TSchema | undefined,
> {
  readonly group: string;
  /** The storage version. */
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly scope: 'Namespaced' | 'Cluster';
  /** `group/version` of the storage version. */
  readonly apiVersion: string;
  readonly gvk: { group: string; version: string; kind: string };
  /** `<plural>.<group>`, the CRD's name. */
  readonly crdName: string;
  readonly spec: Spec;
  readonly status: Status;
  /** The apiextensions.k8s.io/v1 CustomResourceDefinition; a fresh copy every call. */
  toCRD(): CustomResourceDefinition;
  /** A new object of this kind with apiVersion and kind filled in. */
  create(object: {
    metadata: ObjectMeta;
    spec: Static<Spec>;
    status?: Status extends TSchema ? Static<Status> : never;
  }): CustomResource<CustomResourceKind<Spec, Status>>;
}

/** The TypeScript type of a custom resource: `type EtcdCluster = CustomResource<typeof EtcdClusterKind>`. */
export type CustomResource<D extends CustomResourceKind<TSchema, TSchema | undefined>> = KubeObject & {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Static<D['spec']>;
} & (D['status'] extends TSchema ? { status?: Static<D['status']> } : unknown);

/** The `.spec` type of a definition. */
export type CustomResourceSpec<D extends CustomResourceKind<TSchema, TSchema | undefined>> = Static<
  D['spec']
>;

/** The `.status` type of a definition. */
export type CustomResourceStatus<D extends CustomResourceKind<TSchema, TSchema | undefined>> =
  D['status'] extends TSchema ? Static<D['status']> : never;

const kindPattern = /^[A-Z][A-Za-z0-9]*$/;
// as k8s.io/apimachinery/pkg/version helpers.go: v<major>[(alpha|beta)<minor>]
const versionPattern = /^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The plural Kubernetes tooling derives from a kind (kubebuilder / gengo's English rules, simplified). */
export function pluralize(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

function checkOptions(
  o: CustomResourceOptions<TSchema, TSchema | undefined>,
  versions: CustomResourceVersionOptions[],
  plural: string,
  singular: string,
): void {
  const problems: string[] = [];
  if (!kindPattern.test(o.kind)) problems.push(`kind "${o.kind}" must be PascalCase (e.g. EtcdCluster)`);
  if (!dns1123Subdomain.test(o.group) || o.group.length > 253 || !o.group.includes('.')) {
    problems.push(
      `group "${o.group}" must be a lower-case DNS subdomain with at least one dot (e.g. cache.example.com)`,
    );
  }
  if (o.scope !== 'Namespaced' && o.scope !== 'Cluster')
    problems.push(`scope must be Namespaced or Cluster, got "${String(o.scope)}"`);
  if (versions.length === 0) problems.push('give a version (e.g. "v1alpha1") or versions');
  for (const v of versions) {
    if (!versionPattern.test(v.name))
      problems.push(`version "${v.name}" is not a Kubernetes version (v1, v1alpha1, v2beta3, ...)`);
  }
  if (new Set(versions.map((v) => v.name)).size !== versions.length)
    problems.push('version names must be unique');
  if (versions.filter((v) => v.storage).length > 1)
    problems.push('only one version can be the storage version');
  for (const [what, name] of [
    ['plural', plural],
    ['singular', singular],
    ...(o.shortNames ?? []).map((s) => ['short name', s] as const),
    ...(o.categories ?? []).map((s) => ['category', s] as const),
  ] as const) {
    if (!dns1035Label.test(name) || name.length > 63)
      problems.push(`${what} "${name}" must be a lower-case DNS label`);
  }
  if (problems.length > 0)
    throw new CustomResourceDefinitionError(
      `custom resource ${o.kind || '<no kind>'}: ${problems.join('; ')}`,
    );
}

function structural(schema: TSchema, path: string, kind: string): JSONSchemaProps {
  try {
    return toStructuralSchema(schema, path);
  } catch (err) {
    if (err instanceof StructuralSchemaError) {
      throw new CustomResourceDefinitionError(
        `custom resource ${kind}: the schema is not structural at ${err.message}`,
      );
    }
    throw err;
  }
}

/**
 * Defines a custom resource once in TypeScript:
 * ```ts
 * export const EtcdClusterKind = defineCustomResource({
 *   group: 'etcd.example.com', version: 'v1alpha1', kind: 'EtcdCluster', scope: 'Namespaced',
 *   spec: Type.Object({ size: Type.Integer({ minimum: 1 }) }),
 *   status: Type.Object({ readyMembers: Type.Optional(Type.Integer()) }),
 * });
 * export type EtcdCluster = CustomResource<typeof EtcdClusterKind>;
 * ```
 * @throws CustomResourceDefinitionError for invalid names or a schema that is not structural (checked now,
 * not when the CRD is applied).
 */
export function defineCustomResource<Spec extends TSchema, Status extends TSchema | undefined = undefined>(
  options: CustomResourceOptions<Spec, Status>,
): CustomResourceKind<Spec, Status> {
  const versions: CustomResourceVersionOptions[] =
    options.versions ?? (options.version ? [{ name: options.version }] : []);
  const plural = options.plural ?? pluralize(options.kind);
  const singular = options.singular ?? options.kind.toLowerCase();
  checkOptions(options, versions, plural, singular);
  const storageIndex = Math.max(
    0,
    versions.findIndex((v) => v.storage),
  );
  const storage = versions[storageIndex]!.name;

  // Converted once here so a bad schema fails at import time, where the stack points at the definition.
  const specSchema = structural(options.spec, '.spec', options.kind);
  const statusSchema = options.status ? structural(options.status, '.status', options.kind) : undefined;

  const rootSchema = (): JSONSchemaProps => {
    const root: JSONSchemaProps = {
      type: 'object',
      properties: {
        apiVersion: {
          type: 'string',
          description:
            'The versioned schema of this object; servers convert recognised schemas to the latest internal value.',
        },
        kind: { type: 'string', description: 'The REST resource this object represents, in CamelCase.' },
        metadata: { type: 'object' },
        spec: structuredClone(specSchema),
      },
      required: ['spec'],
    };
    if (options.description) root.description = options.description;
    if (statusSchema) root.properties!.status = structuredClone(statusSchema);
    if (options.validations?.length) root['x-kubernetes-validations'] = structuredClone(options.validations);
    return root;
  };

  const toCRD = (): CustomResourceDefinition => {
    const crdVersions: CustomResourceDefinitionVersion[] = versions.map((v, i) => {
      const out: CustomResourceDefinitionVersion = {
        name: v.name,
        served: v.served ?? true,
        storage: i === storageIndex,
        schema: { openAPIV3Schema: rootSchema() },
      };
      if (v.deprecated) out.deprecated = true;
      if (v.deprecationWarning) out.deprecationWarning = v.deprecationWarning;
      if (statusSchema || options.scale) {
        out.subresources = {};
        if (statusSchema) out.subresources.status = {};
        if (options.scale) out.subresources.scale = { ...options.scale };
      }
      if (options.printerColumns?.length)
        out.additionalPrinterColumns = options.printerColumns.map((c) => ({ ...c }));
      return out;
    });
    const names: CustomResourceDefinition['spec']['names'] = {
      kind: options.kind,
      listKind: `${options.kind}List`,
      plural,
      singular,
    };
    if (options.shortNames?.length) names.shortNames = [...options.shortNames];
    if (options.categories?.length) names.categories = [...options.categories];
    const metadata: CustomResourceDefinition['metadata'] = { name: `${plural}.${options.group}` };
    if (options.annotations) metadata.annotations = { ...options.annotations };
    if (options.labels) metadata.labels = { ...options.labels };
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata,
      spec: { group: options.group, names, scope: options.scope, versions: crdVersions },
    };
  };

  const apiVersion = `${options.group}/${storage}`;
  return Object.freeze({
    group: options.group,
    version: storage,
    kind: options.kind,
    plural,
    singular,
    scope: options.scope,
    apiVersion,
    gvk: Object.freeze({ group: options.group, version: storage, kind: options.kind }),
    crdName: `${plural}.${options.group}`,
    spec: options.spec,
    status: options.status as Status,
    toCRD,
    create: (object: { metadata: ObjectMeta; spec: Static<Spec> }) =>
      ({ apiVersion, kind: options.kind, ...object }) as CustomResource<CustomResourceKind<Spec, Status>>,
  });
}

/** True for the result of {@link defineCustomResource} (how `opkit generate crd` finds definitions in a module). */
export function isCustomResourceKind(value: unknown): value is CustomResourceKind {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<CustomResourceKind>;
  return (
    typeof v.toCRD === 'function' &&
    typeof v.kind === 'string' &&
    typeof v.group === 'string' &&
    typeof v.crdName === 'string'
  );
}
