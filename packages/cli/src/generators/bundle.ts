/**
 * `opkit generate bundle`: an OLM registry+v1 bundle (operator-framework/operator-registry's bundle
 * format): manifests/ with the ClusterServiceVersion, CRDs and metrics Service; metadata/annotations.yaml;
 * tests/scorecard/config.yaml; and bundle.Dockerfile at the project root.
 */
import {
  checkCustomResourceDefinitions,
  crdFileName,
  storageVersion,
  type CustomResourceDefinitionDocument,
} from './crd.js';
import { toYaml, type GeneratedFile } from './files.js';
import { managerDeploymentSpec, metricsService } from './manifests.js';
import type { ProjectManifest } from './project.js';
import { deriveRbacRules, leaderElectionRules, rbacNames, type ControllerRbacDeclaration } from './rbac.js';

/** Catalogue details of the bundle; every field has a default. */
export interface BundleOptions {
  channels?: string[];
  defaultChannel?: string;
  displayName?: string;
  description?: string;
  provider?: string;
  maintainers?: Array<{ name: string; email: string }>;
  keywords?: string[];
  links?: Array<{ name: string; url: string }>;
  /** The catalogue icon; default a plain hexagon. */
  icon?: { base64data: string; mediatype: string };
  /** e.g. `1.27.0`; the oldest Kubernetes the operator supports. */
  minKubeVersion?: string;
  maturity?: string;
  /** Example custom resources for the `alm-examples` annotation; default: one per CRD with an empty spec. */
  examples?: unknown[];
  /** The CSV's `createdAt`; default none (so output is reproducible). */
  createdAt?: string;
  /** The CSV this one upgrades from, e.g. `memcached-operator.v0.0.9`. */
  replaces?: string;
}

// A plain hexagon, so the CSV has an icon (OperatorHub shows it; the validator warns without one).
const defaultIcon = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><path d="M32 2 58 17v30L32 62 6 47V17z" fill="#326ce5"/></svg>',
).toString('base64');

/** The operator-sdk version the scorecard image matches. */
const scorecardImage = 'quay.io/operator-framework/scorecard-test:v1.39.2';

/** The bundle annotations (also the Dockerfile's labels). */
export function bundleAnnotations(
  project: ProjectManifest,
  options: BundleOptions = {},
): Record<string, string> {
  const channels = options.channels ?? ['stable'];
  return {
    'operators.operatorframework.io.bundle.mediatype.v1': 'registry+v1',
    'operators.operatorframework.io.bundle.manifests.v1': 'manifests/',
    'operators.operatorframework.io.bundle.metadata.v1': 'metadata/',
    'operators.operatorframework.io.bundle.package.v1': project.projectName,
    'operators.operatorframework.io.bundle.channels.v1': channels.join(','),
    'operators.operatorframework.io.bundle.channel.default.v1': options.defaultChannel ?? channels[0]!,
    'operators.operatorframework.io.metrics.builder': 'opkit',
    'operators.operatorframework.io.metrics.mediatype.v1': 'metrics+v1',
    'operators.operatorframework.io.metrics.project_layout': project.layout,
    'operators.operatorframework.io.test.mediatype.v1': 'scorecard+v1',
    'operators.operatorframework.io.test.config.v1': 'tests/scorecard/',
  };
}

function words(kind: string): string {
  return kind.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
}

/** The ClusterServiceVersion object. */
export function clusterServiceVersion(
  project: ProjectManifest,
  crds: CustomResourceDefinitionDocument[],
  declarations: ControllerRbacDeclaration[],
  options: BundleOptions = {},
): Record<string, unknown> {
  const names = rbacNames(project);
  const plurals = new Map(crds.map((c) => [`${c.spec.group}/${c.spec.names.kind}`, c.spec.names.plural]));
  const managerRules = deriveRbacRules(declarations, plurals);
  const clusterWide = project.operatorScope === 'cluster';
  const examples =
    options.examples ??
    crds.map((c) => ({
      apiVersion: `${c.spec.group}/${storageVersion(c)}`,
      kind: c.spec.names.kind,
      metadata: { name: `${c.spec.names.kind.toLowerCase()}-sample` },
      spec: {},
    }));
  const annotations: Record<string, string> = {
    'alm-examples': JSON.stringify(examples, null, 2),
    capabilities: 'Basic Install',
    containerImage: project.image,
    'operators.operatorframework.io/builder': 'opkit',
    'operators.operatorframework.io/project_layout': project.layout,
  };
  if (options.createdAt) annotations.createdAt = options.createdAt;
  const spec: Record<string, unknown> = {
    displayName:
      options.displayName ??
      words(project.projectName.replace(/-/g, ' ')).replace(/\b\w/g, (c) => c.toUpperCase()),
    description:
      options.description ??
      `${project.projectName} manages ${crds.map((c) => c.spec.names.kind).join(', ') || 'its resources'} on Kubernetes.`,
    version: project.version,
    minKubeVersion: options.minKubeVersion ?? '1.27.0',
    maturity: options.maturity ?? 'alpha',
    provider: { name: options.provider ?? project.domain },
    maintainers: options.maintainers ?? [
      { name: project.projectName, email: `maintainers@${project.domain}` },
    ],
    keywords: options.keywords ?? [project.projectName, 'operator'],
    icon: [options.icon ?? { base64data: defaultIcon, mediatype: 'image/svg+xml' }],
    links: options.links ?? [{ name: project.projectName, url: `https://${project.domain}` }],
    installModes: [
      // A namespace-scoped operator watches the namespace it is installed in; a cluster one, all of them.
      { type: 'OwnNamespace', supported: !clusterWide },
      { type: 'SingleNamespace', supported: false },
      { type: 'MultiNamespace', supported: false },
      { type: 'AllNamespaces', supported: clusterWide },
    ],
    customresourcedefinitions: {
      owned: crds.map((c) => ({
        name: c.metadata.name,
        version: storageVersion(c),
        kind: c.spec.names.kind,
        displayName: words(c.spec.names.kind),
        description:
          c.spec.versions.find((v) => v.storage)?.schema?.openAPIV3Schema?.description ??
          `${c.spec.names.kind} is the Schema for the ${c.spec.names.plural} API.`,
      })),
    },
    install: {
      strategy: 'deployment',
      spec: {
        deployments: [
          {
            name: `${project.projectName}-controller-manager`,
            label: { 'app.kubernetes.io/name': project.projectName },
            spec: managerDeploymentSpec(project),
          },
        ],
        permissions: [
          {
            serviceAccountName: names.serviceAccount,
            rules: clusterWide ? leaderElectionRules() : [...managerRules, ...leaderElectionRules()],
          },
        ],
        ...(clusterWide
          ? { clusterPermissions: [{ serviceAccountName: names.serviceAccount, rules: managerRules }] }
          : {}),
      },
    },
  };
  if (options.replaces) spec.replaces = options.replaces;
  return {
    apiVersion: 'operators.coreos.com/v1alpha1',
    kind: 'ClusterServiceVersion',
    metadata: { name: `${project.projectName}.v${project.version}`, namespace: 'placeholder', annotations },
    spec,
  };
}

/** Every file of the bundle, paths relative to the project root. */
export function bundleFiles(
  project: ProjectManifest,
  crds: CustomResourceDefinitionDocument[],
  declarations: ControllerRbacDeclaration[],
  options: BundleOptions = {},
): GeneratedFile[] {
  checkCustomResourceDefinitions(crds);
  const annotations = bundleAnnotations(project, options);
  const service = metricsService(project);
  delete (service.metadata as Record<string, unknown>).namespace; // OLM installs it into the operator's namespace.
  const files: GeneratedFile[] = [
    {
      path: `bundle/manifests/${project.projectName}.clusterserviceversion.yaml`,
      content: toYaml(clusterServiceVersion(project, crds, declarations, options)),
    },
    ...[...crds]
      .sort((a, b) => crdFileName(a).localeCompare(crdFileName(b)))
      .map((crd) => ({ path: `bundle/manifests/${crdFileName(crd)}`, content: toYaml(crd) })),
    {
      path: `bundle/manifests/${project.projectName}-controller-manager-metrics-service_v1_service.yaml`,
      content: toYaml(service),
    },
    { path: 'bundle/metadata/annotations.yaml', content: toYaml({ annotations }) },
    {
      path: 'bundle/tests/scorecard/config.yaml',
      content: toYaml({
        apiVersion: 'scorecard.operatorframework.io/v1alpha3',
        kind: 'Configuration',
        metadata: { name: 'config' },
        stages: [
          {
            parallel: true,
            tests: [
              'basic-check-spec',
              'olm-bundle-validation',
              'olm-crds-have-validation',
              'olm-crds-have-resources',
              'olm-spec-descriptors',
              'olm-status-descriptors',
            ].map((test) => ({
              entrypoint: ['scorecard-test', test],
              image: scorecardImage,
              labels: { suite: test.startsWith('basic') ? 'basic' : 'olm', test: `${test}-test` },
            })),
          },
        ],
        storage: { spec: { mountPath: {} } },
      }),
    },
    {
      path: 'bundle.Dockerfile',
      content: [
        'FROM scratch',
        '',
        '# Core bundle labels (the same as bundle/metadata/annotations.yaml).',
        ...Object.entries(annotations).map(([k, v]) => `LABEL ${k}=${v}`),
        '',
        'COPY bundle/manifests /manifests/',
        'COPY bundle/metadata /metadata/',
        'COPY bundle/tests/scorecard /tests/scorecard/',
        '',
      ].join('\n'),
    },
  ];
  return files;
}
