#!/usr/bin/env node
/**
 * Generates packages/local-cluster/data/builtin-schema.json from the structured-merge-diff schema of
 * the built-in Kubernetes types (see data/README.md for the source), so that the package works without
 * the shared data folder.
 *
 * Usage: node scripts/generate-builtin-schema.js [path/to/kubernetes-types-schema.yaml]
 *
 * Output (compact JSON):
 *   header: where the data comes from,
 *   types:  the SMD named types (as in the source) plus a few types the source lacks (Scale,
 *           CustomResourceDefinition) written here by hand from the upstream Go types,
 *   kinds:  "group/version/Kind" -> type name, for every type with apiVersion, kind and metadata.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const SOURCE = {
  repository: 'https://github.com/kubernetes/client-go',
  path: 'applyconfigurations/internal/internal.go',
  commit: '32ce75a7d6bc6960fd048d3d1e3b34185418d8c8',
  license: 'Apache-2.0, Copyright The Kubernetes Authors',
};

const input = process.argv[2] ?? '/work/shared/data/kubernetes-types-schema.yaml';
const output = fileURLToPath(new URL('../data/builtin-schema.json', import.meta.url));

/** Go package path segment (io.k8s.api.<pkg>.<version>) -> API group name. */
const GROUP_BY_PACKAGE = {
  core: '',
  admissionregistration: 'admissionregistration.k8s.io',
  apiserverinternal: 'internal.apiserver.k8s.io',
  apps: 'apps',
  authentication: 'authentication.k8s.io',
  authorization: 'authorization.k8s.io',
  autoscaling: 'autoscaling',
  batch: 'batch',
  certificates: 'certificates.k8s.io',
  coordination: 'coordination.k8s.io',
  discovery: 'discovery.k8s.io',
  events: 'events.k8s.io',
  extensions: 'extensions',
  flowcontrol: 'flowcontrol.apiserver.k8s.io',
  imagepolicy: 'imagepolicy.k8s.io',
  lifecycle: 'lifecycle.k8s.io',
  networking: 'networking.k8s.io',
  node: 'node.k8s.io',
  policy: 'policy',
  rbac: 'rbac.authorization.k8s.io',
  resource: 'resource.k8s.io',
  scheduling: 'scheduling.k8s.io',
  storage: 'storage.k8s.io',
  storagemigration: 'storagemigration.k8s.io',
};

const str = { scalar: 'string' };
const num = { scalar: 'numeric' };
const bool = { scalar: 'boolean' };
const named = (namedType) => ({ namedType });
const atomicList = (elementType) => ({ list: { elementType, elementRelationship: 'atomic' } });
const field = (name, type, extra = {}) => ({ name, type, ...extra });
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const CRD = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';
const untypedDeduced = named('__untyped_deduced_');
const untypedAtomic = named('__untyped_atomic_');

/**
 * Types missing from the client-go schema, written from the upstream Go types:
 * k8s.io/api/autoscaling/v1/types.go (Scale) and
 * k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/types.go + types_jsonschema.go.
 */
const EXTRA_TYPES = [
  {
    name: 'io.k8s.api.autoscaling.v1.Scale',
    map: {
      fields: [
        field('apiVersion', str),
        field('kind', str),
        field('metadata', named(`${META}ObjectMeta`), { default: {} }),
        field('spec', named('io.k8s.api.autoscaling.v1.ScaleSpec'), { default: {} }),
        field('status', named('io.k8s.api.autoscaling.v1.ScaleStatus'), { default: {} }),
      ],
    },
  },
  { name: 'io.k8s.api.autoscaling.v1.ScaleSpec', map: { fields: [field('replicas', num)] } },
  {
    name: 'io.k8s.api.autoscaling.v1.ScaleStatus',
    map: { fields: [field('replicas', num, { default: 0 }), field('selector', str)] },
  },
  {
    name: `${CRD}CustomResourceDefinition`,
    map: {
      fields: [
        field('apiVersion', str),
        field('kind', str),
        field('metadata', named(`${META}ObjectMeta`), { default: {} }),
        field('spec', named(`${CRD}CustomResourceDefinitionSpec`), { default: {} }),
        field('status', named(`${CRD}CustomResourceDefinitionStatus`), { default: {} }),
      ],
    },
  },
  {
    name: `${CRD}CustomResourceDefinitionSpec`,
    map: {
      fields: [
        field('conversion', named(`${CRD}CustomResourceConversion`)),
        field('group', str, { default: '' }),
        field('names', named(`${CRD}CustomResourceDefinitionNames`), { default: {} }),
        field('preserveUnknownFields', bool),
        field('scope', str, { default: '' }),
        field('versions', atomicList(named(`${CRD}CustomResourceDefinitionVersion`))),
      ],
    },
  },
  {
    name: `${CRD}CustomResourceDefinitionNames`,
    map: {
      fields: [
        field('categories', atomicList(str)),
        field('kind', str, { default: '' }),
        field('listKind', str),
        field('plural', str, { default: '' }),
        field('shortNames', atomicList(str)),
        field('singular', str),
      ],
    },
  },
  {
    name: `${CRD}CustomResourceDefinitionVersion`,
    map: {
      fields: [
        field('additionalPrinterColumns', atomicList(named(`${CRD}CustomResourceColumnDefinition`))),
        field('deprecated', bool),
        field('deprecationWarning', str),
        field('name', str, { default: '' }),
        field('schema', named(`${CRD}CustomResourceValidation`)),
        field('selectableFields', atomicList(named(`${CRD}SelectableField`))),
        field('served', bool, { default: false }),
        field('storage', bool, { default: false }),
        field('subresources', named(`${CRD}CustomResourceSubresources`)),
      ],
    },
  },
  {
    name: `${CRD}CustomResourceColumnDefinition`,
    map: {
      fields: [
        field('description', str),
        field('format', str),
        field('jsonPath', str, { default: '' }),
        field('name', str, { default: '' }),
        field('priority', num),
        field('type', str, { default: '' }),
      ],
    },
  },
  { name: `${CRD}SelectableField`, map: { fields: [field('jsonPath', str, { default: '' })] } },
  {
    name: `${CRD}CustomResourceValidation`,
    map: { fields: [field('openAPIV3Schema', named(`${CRD}JSONSchemaProps`))] },
  },
  {
    name: `${CRD}CustomResourceSubresources`,
    map: {
      fields: [
        field('scale', named(`${CRD}CustomResourceSubresourceScale`)),
        field('status', named(`${CRD}CustomResourceSubresourceStatus`)),
      ],
    },
  },
  {
    name: `${CRD}CustomResourceSubresourceScale`,
    map: {
      fields: [
        field('labelSelectorPath', str),
        field('specReplicasPath', str, { default: '' }),
        field('statusReplicasPath', str, { default: '' }),
      ],
    },
  },
  // An empty struct upstream: any content is kept as it is.
  {
    name: `${CRD}CustomResourceSubresourceStatus`,
    map: { elementType: untypedAtomic, elementRelationship: 'atomic' },
  },
  {
    name: `${CRD}CustomResourceConversion`,
    map: {
      fields: [field('strategy', str, { default: '' }), field('webhook', named(`${CRD}WebhookConversion`))],
    },
  },
  {
    name: `${CRD}WebhookConversion`,
    map: {
      fields: [
        field('clientConfig', named(`${CRD}WebhookClientConfig`)),
        field('conversionReviewVersions', atomicList(str)),
      ],
    },
  },
  {
    name: `${CRD}WebhookClientConfig`,
    map: {
      fields: [field('caBundle', str), field('service', named(`${CRD}ServiceReference`)), field('url', str)],
    },
  },
  {
    name: `${CRD}ServiceReference`,
    map: {
      fields: [
        field('name', str, { default: '' }),
        field('namespace', str, { default: '' }),
        field('path', str),
        field('port', num),
      ],
    },
  },
  {
    name: `${CRD}CustomResourceDefinitionStatus`,
    map: {
      fields: [
        field('acceptedNames', named(`${CRD}CustomResourceDefinitionNames`), { default: {} }),
        field('conditions', {
          list: {
            elementType: named(`${CRD}CustomResourceDefinitionCondition`),
            elementRelationship: 'associative',
            keys: ['type'],
          },
        }),
        field('storedVersions', atomicList(str)),
      ],
    },
  },
  {
    name: `${CRD}CustomResourceDefinitionCondition`,
    map: {
      fields: [
        field('lastTransitionTime', named(`${META}Time`)),
        field('message', str),
        field('observedGeneration', num),
        field('reason', str),
        field('status', str, { default: '' }),
        field('type', str, { default: '' }),
      ],
    },
  },
  {
    name: `${CRD}JSONSchemaProps`,
    map: {
      fields: [
        field('$ref', str),
        field('$schema', str),
        // JSONSchemaPropsOrBool / OrArray / OrStringArray have custom JSON forms upstream.
        field('additionalItems', untypedDeduced),
        field('additionalProperties', untypedDeduced),
        field('allOf', atomicList(named(`${CRD}JSONSchemaProps`))),
        field('anyOf', atomicList(named(`${CRD}JSONSchemaProps`))),
        field('default', untypedAtomic),
        field('definitions', { map: { elementType: named(`${CRD}JSONSchemaProps`) } }),
        field('dependencies', { map: { elementType: untypedDeduced } }),
        field('description', str),
        field('enum', atomicList(untypedAtomic)),
        field('example', untypedAtomic),
        field('exclusiveMaximum', bool),
        field('exclusiveMinimum', bool),
        field('externalDocs', named(`${CRD}ExternalDocumentation`)),
        field('format', str),
        field('id', str),
        field('items', untypedDeduced),
        field('maxItems', num),
        field('maxLength', num),
        field('maxProperties', num),
        field('maximum', num),
        field('minItems', num),
        field('minLength', num),
        field('minProperties', num),
        field('minimum', num),
        field('multipleOf', num),
        field('not', named(`${CRD}JSONSchemaProps`)),
        field('nullable', bool),
        field('oneOf', atomicList(named(`${CRD}JSONSchemaProps`))),
        field('pattern', str),
        field('patternProperties', { map: { elementType: named(`${CRD}JSONSchemaProps`) } }),
        field('properties', { map: { elementType: named(`${CRD}JSONSchemaProps`) } }),
        field('required', atomicList(str)),
        field('title', str),
        field('type', str),
        field('uniqueItems', bool),
        field('x-kubernetes-embedded-resource', bool),
        field('x-kubernetes-int-or-string', bool),
        field('x-kubernetes-list-map-keys', atomicList(str)),
        field('x-kubernetes-list-type', str),
        field('x-kubernetes-map-type', str),
        field('x-kubernetes-preserve-unknown-fields', bool),
        field('x-kubernetes-validations', {
          list: {
            elementType: named(`${CRD}ValidationRule`),
            elementRelationship: 'associative',
            keys: ['rule'],
          },
        }),
      ],
    },
  },
  {
    name: `${CRD}ExternalDocumentation`,
    map: { fields: [field('description', str), field('url', str)] },
  },
  {
    name: `${CRD}ValidationRule`,
    map: {
      fields: [
        field('fieldPath', str),
        field('message', str),
        field('messageExpression', str),
        field('optionalOldSelf', bool),
        field('reason', str),
        field('rule', str, { default: '' }),
      ],
    },
  },
];

/** The API group and version of a kind's type name, or undefined for types that are no API kind. */
function groupVersionOf(typeName) {
  const parts = typeName.split('.');
  const kindIndex = parts.length - 1;
  const version = parts[kindIndex - 1];
  if (typeName.startsWith('io.k8s.api.')) {
    const group = GROUP_BY_PACKAGE[parts[3]];
    return group === undefined ? undefined : { group, version };
  }
  if (typeName.startsWith('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.')) {
    return { group: 'apiextensions.k8s.io', version };
  }
  if (typeName.startsWith('io.k8s.kube-aggregator.pkg.apis.apiregistration.')) {
    return { group: 'apiregistration.k8s.io', version };
  }
  if (typeName.startsWith(META)) return { group: 'meta.k8s.io', version };
  return undefined;
}

const source = parse(readFileSync(input, 'utf8'));
const types = [...source.types];
const known = new Set(types.map((t) => t.name));
for (const extra of EXTRA_TYPES) {
  if (!known.has(extra.name)) types.push(extra);
}
types.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const kinds = {};
for (const t of types) {
  const names = new Set((t.map?.fields ?? []).map((f) => f.name));
  if (!names.has('apiVersion') || !names.has('kind') || !names.has('metadata')) continue;
  const gv = groupVersionOf(t.name);
  if (!gv) continue;
  const kind = t.name.slice(t.name.lastIndexOf('.') + 1);
  kinds[`${gv.group}/${gv.version}/${kind}`] = t.name;
}

const out = {
  header: {
    source: `${SOURCE.repository}/blob/${SOURCE.commit}/${SOURCE.path}`,
    commit: SOURCE.commit,
    license: SOURCE.license,
    generatedBy: 'packages/local-cluster/scripts/generate-builtin-schema.js',
    note: 'Scale and the apiextensions.k8s.io/v1 CustomResourceDefinition types are added by the generator from the upstream Go types.',
  },
  types,
  kinds,
};
writeFileSync(output, JSON.stringify(out));
process.stdout.write(`wrote ${output}: ${types.length} types, ${Object.keys(kinds).length} kinds\n`);
