/** A sample project (an EtcdCluster operator that owns StatefulSets and Services) for the generator tests. */
import { Type, defineCustomResource, intOrString, listMap } from '../../core/src/crd/index.js';
import type {
  ControllerRbacDeclaration,
  CustomResourceDefinitionDocument,
  ProjectManifest,
} from '../src/generators/index.js';

export const project: ProjectManifest = {
  layout: 'opkit.dev/v1',
  projectName: 'etcd-operator',
  domain: 'example.com',
  image: 'ghcr.io/example/etcd-operator:0.1.0',
  namespace: 'etcd-operator-system',
  operatorScope: 'cluster',
  version: '0.1.0',
  outDir: 'dist',
  resources: [
    {
      group: 'etcd.example.com',
      version: 'v1alpha1',
      kind: 'EtcdCluster',
      plural: 'etcdclusters',
      namespaced: true,
      path: 'src/api/etcd/v1alpha1/etcdcluster.ts',
    },
  ],
};

export const EtcdClusterKind = defineCustomResource({
  group: 'etcd.example.com',
  version: 'v1alpha1',
  kind: 'EtcdCluster',
  scope: 'Namespaced',
  description: 'EtcdCluster is a highly available etcd cluster.',
  shortNames: ['etcd'],
  spec: Type.Object({
    size: Type.Integer({ minimum: 1, default: 3 }),
    version: Type.String(),
    storage: Type.Optional(Type.Object({ size: intOrString() })),
  }),
  status: Type.Object({
    readyMembers: Type.Optional(Type.Integer()),
    conditions: Type.Optional(listMap(Type.Object({ type: Type.String(), status: Type.String() }), ['type'])),
  }),
  printerColumns: [{ name: 'Ready', type: 'integer', jsonPath: '.status.readyMembers' }],
  scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.readyMembers' },
});

export const crds: CustomResourceDefinitionDocument[] = [
  EtcdClusterKind.toCRD() as unknown as CustomResourceDefinitionDocument,
];

export const rbac: ControllerRbacDeclaration[] = [
  {
    for: EtcdClusterKind.gvk,
    owns: [
      { group: 'apps', version: 'v1', kind: 'StatefulSet' },
      { group: '', version: 'v1', kind: 'Service' },
      { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' },
    ],
    watches: [{ group: '', version: 'v1', kind: 'Pod' }],
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['etcd-tls'] }],
  },
];
