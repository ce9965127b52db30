import type { ResourceType, ScaleSubresource } from './types.js';

/** Every verb a plain REST storage serves (k8s.io/apiserver/pkg/endpoints/installer.go). */
const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** Namespaces have no DeleteCollection in kube-apiserver (services gained it with kubernetes/kubernetes#96684). */
const NO_COLLECTION_DELETE = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

const REPLICAS_SCALE: ScaleSubresource = {
  specReplicasPath: '.spec.replicas',
  statusReplicasPath: '.status.replicas',
  labelSelectorPath: '.status.selector',
};

interface BuiltinSpec {
  resource: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  subresources?: ResourceType['subresources'];
  /** Go package of the type in the built-in schema, when it is not `io.k8s.api.<group prefix>.<version>`. */
  schemaPackage?: string;
}

/** `io.k8s.api.<pkg>.<version>.<Kind>`: the schema's naming, pkg as in k8s.io/api/<pkg>. */
function schemaPackageOf(group: string): string {
  if (group === '') return 'io.k8s.api.core';
  if (group === 'apiextensions.k8s.io') return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions';
  if (group === 'rbac.authorization.k8s.io') return 'io.k8s.api.rbac';
  return `io.k8s.api.${group.split('.')[0]}`;
}

function makeGroupVersion(group: string, version: string, specs: BuiltinSpec[]): ResourceType[] {
  return specs.map((s) => ({
    group,
    version,
    resource: s.resource,
    singular: s.kind.toLowerCase(),
    kind: s.kind,
    listKind: `${s.kind}List`,
    namespaced: s.namespaced ?? true,
    shortNames: s.shortNames ?? [],
    categories: s.categories ?? [],
    verbs: s.verbs ?? ALL_VERBS,
    subresources: s.subresources ?? {},
    schemaTypeName: `${s.schemaPackage ?? schemaPackageOf(group)}.${version}.${s.kind}`,
    custom: false,
    storage: true,
    served: true,
  }));
}

/**
 * The built-in resources this server serves, in kube-apiserver's group order (the group priority
 * list in k8s.io/kubernetes/pkg/controlplane/apiserver/.../aggregator.go: apps, events, authorization,
 * autoscaling, batch, policy, rbac, storage, apiextensions, coordination, discovery). Verbs, short
 * names and categories are those kube-apiserver 1.33 reports in discovery.
 */
export function builtinResourceTypes(): ResourceType[] {
  return [
    ...makeGroupVersion('', 'v1', [
      { resource: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] },
      { resource: 'endpoints', kind: 'Endpoints', shortNames: ['ep'] },
      { resource: 'events', kind: 'Event', shortNames: ['ev'] },
      {
        resource: 'namespaces',
        kind: 'Namespace',
        namespaced: false,
        shortNames: ['ns'],
        verbs: NO_COLLECTION_DELETE,
        subresources: { status: true },
      },
      {
        resource: 'nodes',
        kind: 'Node',
        namespaced: false,
        shortNames: ['no'],
        subresources: { status: true },
      },
      {
        resource: 'persistentvolumeclaims',
        kind: 'PersistentVolumeClaim',
        shortNames: ['pvc'],
        subresources: { status: true },
      },
      {
        resource: 'persistentvolumes',
        kind: 'PersistentVolume',
        namespaced: false,
        shortNames: ['pv'],
        subresources: { status: true },
      },
      {
        resource: 'pods',
        kind: 'Pod',
        shortNames: ['po'],
        categories: ['all'],
        subresources: { status: true, log: true, exec: true, eviction: true, binding: true },
      },
      {
        resource: 'resourcequotas',
        kind: 'ResourceQuota',
        shortNames: ['quota'],
        subresources: { status: true },
      },
      { resource: 'secrets', kind: 'Secret' },
      {
        resource: 'serviceaccounts',
        kind: 'ServiceAccount',
        shortNames: ['sa'],
        subresources: { token: true },
      },
      {
        resource: 'services',
        kind: 'Service',
        shortNames: ['svc'],
        categories: ['all'],
        subresources: { status: true },
      },
    ]),
    ...makeGroupVersion('apps', 'v1', [
      { resource: 'controllerrevisions', kind: 'ControllerRevision' },
      {
        resource: 'daemonsets',
        kind: 'DaemonSet',
        shortNames: ['ds'],
        categories: ['all'],
        subresources: { status: true },
      },
      {
        resource: 'deployments',
        kind: 'Deployment',
        shortNames: ['deploy'],
        categories: ['all'],
        subresources: { status: true, scale: REPLICAS_SCALE },
      },
      {
        resource: 'replicasets',
        kind: 'ReplicaSet',
        shortNames: ['rs'],
        categories: ['all'],
        subresources: { status: true, scale: REPLICAS_SCALE },
      },
      {
        resource: 'statefulsets',
        kind: 'StatefulSet',
        shortNames: ['sts'],
        categories: ['all'],
        subresources: { status: true, scale: REPLICAS_SCALE },
      },
    ]),
    ...makeGroupVersion('events.k8s.io', 'v1', [{ resource: 'events', kind: 'Event', shortNames: ['ev'] }]),
    ...makeGroupVersion('authorization.k8s.io', 'v1', [
      {
        resource: 'selfsubjectaccessreviews',
        kind: 'SelfSubjectAccessReview',
        namespaced: false,
        verbs: ['create'],
      },
    ]),
    ...makeGroupVersion('autoscaling', 'v1', [
      {
        resource: 'horizontalpodautoscalers',
        kind: 'HorizontalPodAutoscaler',
        shortNames: ['hpa'],
        categories: ['all'],
        subresources: { status: true },
      },
    ]),
    ...makeGroupVersion('batch', 'v1', [
      {
        resource: 'cronjobs',
        kind: 'CronJob',
        shortNames: ['cj'],
        categories: ['all'],
        subresources: { status: true },
      },
      { resource: 'jobs', kind: 'Job', categories: ['all'], subresources: { status: true } },
    ]),
    ...makeGroupVersion('networking.k8s.io', 'v1', [
      { resource: 'ingresses', kind: 'Ingress', shortNames: ['ing'], subresources: { status: true } },
    ]),
    ...makeGroupVersion('policy', 'v1', [
      {
        resource: 'poddisruptionbudgets',
        kind: 'PodDisruptionBudget',
        shortNames: ['pdb'],
        subresources: { status: true },
      },
    ]),
    ...makeGroupVersion('rbac.authorization.k8s.io', 'v1', [
      { resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
      { resource: 'clusterroles', kind: 'ClusterRole', namespaced: false },
      { resource: 'rolebindings', kind: 'RoleBinding' },
      { resource: 'roles', kind: 'Role' },
    ]),
    ...makeGroupVersion('storage.k8s.io', 'v1', [
      { resource: 'storageclasses', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] },
    ]),
    ...makeGroupVersion('apiextensions.k8s.io', 'v1', [
      {
        resource: 'customresourcedefinitions',
        kind: 'CustomResourceDefinition',
        namespaced: false,
        shortNames: ['crd', 'crds'],
        categories: ['api-extensions'],
        subresources: { status: true },
      },
    ]),
    ...makeGroupVersion('scheduling.k8s.io', 'v1', [
      { resource: 'priorityclasses', kind: 'PriorityClass', namespaced: false, shortNames: ['pc'] },
    ]),
    ...makeGroupVersion('coordination.k8s.io', 'v1', [{ resource: 'leases', kind: 'Lease' }]),
    ...makeGroupVersion('discovery.k8s.io', 'v1', [{ resource: 'endpointslices', kind: 'EndpointSlice' }]),
  ];
}
