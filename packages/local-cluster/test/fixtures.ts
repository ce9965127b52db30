/** Manifests the acceptance tests apply: one object of every built-in kind the server serves, and a CRD. */
export const everyKindManifest = `
apiVersion: v1
kind: Namespace
metadata: { name: kinds }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: cm, namespace: kinds }
data: { key: value }
---
apiVersion: v1
kind: Secret
metadata: { name: secret, namespace: kinds }
stringData: { password: s3cret }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: sa, namespace: kinds }
---
apiVersion: v1
kind: Service
metadata: { name: svc, namespace: kinds }
spec:
  clusterIP: None
  selector: { app: web }
  ports: [{ name: http, port: 80 }]
---
apiVersion: v1
kind: Endpoints
metadata: { name: manual, namespace: kinds }
subsets: [{ addresses: [{ ip: 127.1.0.9 }], ports: [{ port: 80 }] }]
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: pv-kinds }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  hostPath: { path: /tmp/opkit-pv-kinds }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: kinds }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
---
apiVersion: v1
kind: Pod
metadata: { name: pod, namespace: kinds, labels: { app: web } }
spec:
  containers: [{ name: main, image: busybox:1.36, command: [sleep, "3600"] }]
---
apiVersion: v1
kind: Event
metadata: { name: ev, namespace: kinds }
involvedObject: { kind: Pod, name: pod, namespace: kinds }
reason: Testing
message: an event
type: Normal
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: web, namespace: kinds }
spec:
  serviceName: svc
  replicas: 0
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: main, image: busybox:1.36 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: deploy, namespace: kinds }
spec:
  replicas: 0
  selector: { matchLabels: { app: d } }
  template:
    metadata: { labels: { app: d } }
    spec: { containers: [{ name: main, image: busybox:1.36 }] }
---
apiVersion: apps/v1
kind: ControllerRevision
metadata: { name: rev-1, namespace: kinds }
revision: 1
data: { spec: { template: {} } }
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: { name: lease, namespace: kinds }
spec: { holderIdentity: me, leaseDurationSeconds: 15 }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: pdb, namespace: kinds }
spec:
  minAvailable: 1
  selector: { matchLabels: { app: web } }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: role, namespace: kinds }
rules: [{ apiGroups: [""], resources: [configmaps], verbs: [get, list] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: rb, namespace: kinds }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: role }
subjects: [{ kind: ServiceAccount, name: sa, namespace: kinds }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: opkit-kinds-reader }
rules: [{ apiGroups: [apps], resources: [statefulsets], verbs: [get, list, watch] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: opkit-kinds-reader }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: opkit-kinds-reader }
subjects: [{ kind: ServiceAccount, name: sa, namespace: kinds }]
`;

/** (kubectl resource name, namespaced, name) for every object above. */
export const everyKind: [string, boolean, string][] = [
  ['configmaps', true, 'cm'],
  ['secrets', true, 'secret'],
  ['serviceaccounts', true, 'sa'],
  ['services', true, 'svc'],
  ['endpoints', true, 'manual'],
  ['persistentvolumes', false, 'pv-kinds'],
  ['persistentvolumeclaims', true, 'data'],
  ['pods', true, 'pod'],
  ['events', true, 'ev'],
  ['statefulsets.apps', true, 'web'],
  ['deployments.apps', true, 'deploy'],
  ['controllerrevisions.apps', true, 'rev-1'],
  ['leases.coordination.k8s.io', true, 'lease'],
  ['poddisruptionbudgets.policy', true, 'pdb'],
  ['roles.rbac.authorization.k8s.io', true, 'role'],
  ['rolebindings.rbac.authorization.k8s.io', true, 'rb'],
  ['clusterroles.rbac.authorization.k8s.io', false, 'opkit-kinds-reader'],
  ['clusterrolebindings.rbac.authorization.k8s.io', false, 'opkit-kinds-reader'],
];

export const etcdClusterCrd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: etcdclusters.opkit.dev }
spec:
  group: opkit.dev
  scope: Namespaced
  names: { plural: etcdclusters, singular: etcdcluster, kind: EtcdCluster, shortNames: [etcd] }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources:
        status: {}
        scale: { specReplicasPath: .spec.size, statusReplicasPath: .status.size }
      additionalPrinterColumns:
        - { name: Size, type: integer, jsonPath: .spec.size }
        - { name: Version, type: string, jsonPath: .spec.version }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [version]
              properties:
                size: { type: integer, minimum: 1, maximum: 9, default: 3 }
                version: { type: string, pattern: '^3\\.[0-9]+\\.[0-9]+$' }
                storageClass:
                  type: string
                  x-kubernetes-validations: [{ rule: 'self == oldSelf', message: storageClass is immutable }]
            status:
              type: object
              properties:
                size: { type: integer }
                phase: { type: string }
`;
