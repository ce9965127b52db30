import { createHash } from 'node:crypto';
import type { JsonObject } from '../api/index.js';
import type { ResourceType } from '../registry/index.js';
import type { TypeSet } from '../schema/index.js';
import { openApiPaths } from './openapi-paths.js';
import {
  DELETE_OPTIONS,
  OpenApiSchemaBuilder,
  customResourceSchema,
  kindSchemaName,
  listSchemaName,
  type OpenApiFlavour,
} from './openapi-schemas.js';
import { SERVED_KUBERNETES_VERSION } from './documents.js';

/** Gives the `openAPIV3Schema` of a custom resource version (crd/'s structural schema, or the CRD's own). */
export type CustomSchemaSource = (type: ResourceType) => unknown;

function schemasFor(
  types: ResourceType[],
  typeSet: TypeSet,
  customSchema: CustomSchemaSource,
  flavour: OpenApiFlavour,
  pathSchemas: string[],
): Record<string, JsonObject> {
  const builder = new OpenApiSchemaBuilder(typeSet, flavour);
  const groupVersions = new Set<string>();
  for (const t of types) {
    groupVersions.add(`${t.group}/${t.version}`);
    if (t.custom) {
      builder.addSchema(kindSchemaName(t), customResourceSchema(t, customSchema(t), flavour));
    } else {
      builder.addKind(kindSchemaName(t), t.group, t.version, t.kind);
    }
    builder.addListKind(listSchemaName(t), kindSchemaName(t), t.group, t.version, t.listKind);
    if (t.subresources.scale)
      builder.addKind('io.k8s.api.autoscaling.v1.Scale', 'autoscaling', 'v1', 'Scale');
    if (t.subresources.eviction) builder.addKind('io.k8s.api.policy.v1.Eviction', 'policy', 'v1', 'Eviction');
    if (t.subresources.binding) builder.addKind('io.k8s.api.core.v1.Binding', '', 'v1', 'Binding');
  }
  for (const gv of groupVersions) {
    const [group, version] = gv.split('/') as [string, string];
    builder.addKind(DELETE_OPTIONS, group, version, 'DeleteOptions');
  }
  for (const name of pathSchemas) builder.require(name);
  return builder.build();
}

const INFO = {
  title: 'Kubernetes',
  version: `v${SERVED_KUBERNETES_VERSION.major}.${SERVED_KUBERNETES_VERSION.minor}.0`,
};

/** One group version's OpenAPI v3 document (`/openapi/v3/apis/<group>/<version>`). */
export function openApiV3Document(
  types: ResourceType[],
  typeSet: TypeSet,
  customSchema: CustomSchemaSource,
): JsonObject {
  const { paths, schemaNames } = openApiPaths(types, 'v3');
  return {
    openapi: '3.0.0',
    info: INFO,
    paths,
    components: {
      schemas: schemasFor(types, typeSet, customSchema, 'v3', schemaNames),
      securitySchemes: {
        BearerToken: {
          type: 'apiKey',
          description: 'Bearer Token authentication',
          name: 'authorization',
          in: 'header',
        },
      },
    },
  };
}

/** The whole-server OpenAPI v2 (Swagger 2.0) document (`/openapi/v2`). */
export function openApiV2Document(
  types: ResourceType[],
  typeSet: TypeSet,
  customSchema: CustomSchemaSource,
): JsonObject {
  const { paths, schemaNames } = openApiPaths(types, 'v2');
  return {
    swagger: '2.0',
    info: INFO,
    paths,
    definitions: schemasFor(types, typeSet, customSchema, 'v2', schemaNames),
  };
}

/**
 * The hash kube-apiserver puts in `/openapi/v3` links: SHA-512 of the document, upper-case hex
 * (k8s.io/kube-openapi/pkg/handler3).
 */
export function openApiDocumentHash(serialized: string | Buffer): string {
  return createHash('sha512').update(serialized).digest('hex').toUpperCase();
}

/** The path key of a group version in `/openapi/v3`: `api/v1` or `apis/<group>/<version>`. */
export function openApiV3PathKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}
