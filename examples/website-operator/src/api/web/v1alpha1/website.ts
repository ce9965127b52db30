/**
 * Website: one static site. The TypeScript type (`Website`) and the CRD
 * (config/crd/bases/web.opkit.dev_websites.yaml, from `opkit generate crd`) both come from here.
 */
import { defineCustomResource, Type, type CustomResource, type CustomResourceStatus } from '@opkit/core';

/** The API group of every kind of this operator. */
export const WEB_GROUP = 'web.opkit.dev';

/** The meta/v1 Condition schema, as every Kubernetes API spells it. */
const ConditionSchema = Type.Object({
  type: Type.String({ description: 'Ready, Progressing or Degraded.' }),
  status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')]),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  message: Type.String(),
});

export const WebsiteKind = defineCustomResource({
  group: WEB_GROUP,
  version: 'v1alpha1',
  kind: 'Website',
  plural: 'websites',
  scope: 'Namespaced',
  shortNames: ['site'],
  description: 'Website serves a static HTML page from a Deployment behind a Service, with a DNS record.',
  spec: Type.Object({
    image: Type.String({
      minLength: 1,
      default: 'nginx:1.27',
      description: 'The web server image; it serves /usr/share/nginx/html.',
    }),
    replicas: Type.Integer({
      minimum: 0,
      maximum: 20,
      default: 1,
      description: 'How many server pods to run.',
    }),
    content: Type.String({ maxLength: 65536, description: 'The HTML of index.html.' }),
    domain: Type.Optional(
      Type.String({ description: 'The DNS name to publish; default <name>.<namespace>.sites.local.' }),
    ),
  }),
  status: Type.Object({
    url: Type.Optional(Type.String({ description: 'Where the site is served.' })),
    readyReplicas: Type.Optional(Type.Integer({ description: 'Server pods that are ready.' })),
    observedGeneration: Type.Optional(Type.Integer({ description: 'The generation this status describes.' })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, { description: 'Ready, Progressing and Degraded.' }),
    ),
  }),
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.status.url' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

/** A Website object. */
export type Website = CustomResource<typeof WebsiteKind>;
/** The `.status` of a Website. */
export type WebsiteStatus = CustomResourceStatus<typeof WebsiteKind>;
