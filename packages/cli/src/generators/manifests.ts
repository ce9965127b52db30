/**
 * `opkit generate manifests`: everything to deploy the operator with `kubectl apply -k config/default`:
 * namespace, CRDs, RBAC, the manager Deployment (2 replicas with leader election, probes, resources,
 * a restricted security context) and its metrics Service.
 */
import { crdFiles, type CustomResourceDefinitionDocument } from './crd.js';
import { kustomization, toYaml, type GeneratedFile } from './files.js';
import type { ProjectManifest } from './project.js';
import { projectLabels, rbacFiles, rbacNames, type ControllerRbacDeclaration } from './rbac.js';

/** Ports the manager listens on (the project's src/main.ts reads the same flags). */
export const managerPorts = { metrics: 8080, health: 8081 } as const;

/** Labels selecting the manager's pods. */
export function managerSelector(project: ProjectManifest): Record<string, string> {
  return { 'app.kubernetes.io/name': project.projectName, 'control-plane': 'controller-manager' };
}

/** The Deployment's spec, shared by config/manager and the OLM bundle's install strategy. */
export function managerDeploymentSpec(project: ProjectManifest): Record<string, unknown> {
  const env: Record<string, unknown>[] = [
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  ];
  // A namespace-scoped operator watches only where it runs.
  if (project.operatorScope === 'namespace')
    env.push({ name: 'WATCH_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
  return {
    replicas: 2,
    selector: { matchLabels: managerSelector(project) },
    template: {
      metadata: {
        labels: { ...managerSelector(project), 'app.kubernetes.io/managed-by': 'opkit' },
        annotations: { 'kubectl.kubernetes.io/default-container': 'manager' },
      },
      spec: {
        serviceAccountName: rbacNames(project).serviceAccount,
        terminationGracePeriodSeconds: 10,
        // Pod Security Standards "restricted" (kubernetes.io/docs/concepts/security/pod-security-standards).
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'manager',
            image: project.image,
            args: [
              '--leader-elect',
              `--metrics-bind-address=:${managerPorts.metrics}`,
              `--health-probe-bind-address=:${managerPorts.health}`,
            ],
            env,
            ports: [
              { name: 'metrics', containerPort: managerPorts.metrics, protocol: 'TCP' },
              { name: 'health', containerPort: managerPorts.health, protocol: 'TCP' },
            ],
            livenessProbe: {
              httpGet: { path: '/healthz', port: 'health' },
              initialDelaySeconds: 15,
              periodSeconds: 20,
            },
            readinessProbe: {
              httpGet: { path: '/readyz', port: 'health' },
              initialDelaySeconds: 5,
              periodSeconds: 10,
            },
            resources: {
              requests: { cpu: '50m', memory: '128Mi' },
              limits: { cpu: '500m', memory: '256Mi' },
            },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              capabilities: { drop: ['ALL'] },
            },
            // Node writes to the temp dir (e.g. for heap snapshots); the root filesystem stays read-only.
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    },
  };
}

/** The metrics Service object. */
export function metricsService(project: ProjectManifest): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `${project.projectName}-controller-manager-metrics-service`,
      namespace: project.namespace,
      labels: projectLabels(project),
    },
    spec: {
      selector: managerSelector(project),
      ports: [{ name: 'metrics', port: managerPorts.metrics, targetPort: 'metrics', protocol: 'TCP' }],
    },
  };
}

/** config/manager/: namespace, Deployment, metrics Service. */
export function managerFiles(project: ProjectManifest): GeneratedFile[] {
  const labels = projectLabels(project);
  const files: GeneratedFile[] = [
    {
      path: 'config/manager/namespace.yaml',
      content: toYaml({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: project.namespace,
          labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted' },
        },
      }),
    },
    {
      path: 'config/manager/manager.yaml',
      content: toYaml({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `${project.projectName}-controller-manager`, namespace: project.namespace, labels },
        spec: managerDeploymentSpec(project),
      }),
    },
    { path: 'config/manager/metrics_service.yaml', content: toYaml(metricsService(project)) },
  ];
  files.push({
    path: 'config/manager/kustomization.yaml',
    content: kustomization(['namespace.yaml', 'manager.yaml', 'metrics_service.yaml']),
  });
  return files;
}

/** Everything under config/: CRDs, RBAC, manager, and config/default tying them together. */
export function manifestFiles(
  project: ProjectManifest,
  crds: CustomResourceDefinitionDocument[],
  declarations: ControllerRbacDeclaration[],
): GeneratedFile[] {
  const plurals = new Map(crds.map((c) => [`${c.spec.group}/${c.spec.names.kind}`, c.spec.names.plural]));
  return [
    ...crdFiles(crds),
    ...rbacFiles(project, declarations, plurals),
    ...managerFiles(project),
    {
      path: 'config/default/kustomization.yaml',
      content: kustomization(['../crd', '../rbac', '../manager'], { namespace: project.namespace }),
    },
  ];
}
