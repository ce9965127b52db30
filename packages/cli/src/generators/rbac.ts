/**
 * `opkit generate rbac`: the least-privilege RBAC an operator needs, derived from what its controllers
 * declare — never a wildcard. The shape of a declaration mirrors controller-runtime's builder
 * (`For`, `Owns`, `Watches`) and kubebuilder's `+kubebuilder:rbac` markers.
 */
import { toYaml, kustomization, type GeneratedFile } from './files.js';
import { pluralize, UserInputError, type GroupVersionKind, type ProjectManifest } from './project.js';

/** A kind a controller touches; `plural` overrides the derived resource name. */
export interface KindDeclaration extends GroupVersionKind {
  plural?: string;
}

/** An rbac.authorization.k8s.io/v1 PolicyRule. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * What a controller reads and writes; export it as `rbac` from a controller module
 * (`export const rbac: ControllerRbacDeclaration = { for: ..., owns: [...] }`).
 */
export interface ControllerRbacDeclaration {
  /** The primary kind: get/list/watch/update/patch, plus its status and finalizers subresources. */
  for: KindDeclaration;
  /** Kinds the controller creates and owns: full create/update/delete. */
  owns?: KindDeclaration[];
  /** Kinds it only watches (reads): get/list/watch. */
  watches?: KindDeclaration[];
  /** Any further rules (e.g. reading Secrets by name). Wildcards are refused. */
  rules?: PolicyRule[];
}

const verbOrder = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const primaryVerbs = ['get', 'list', 'watch', 'update', 'patch'];
const ownedVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const watchedVerbs = ['get', 'list', 'watch'];
// as client-go tools/leaderelection/resourcelock LeaseLock: Get, Create, Update.
const leaseVerbs = ['get', 'create', 'update'];
// as client-go tools/record: events are created, then patched when they repeat.
const eventVerbs = ['create', 'patch'];

// Built-in kinds whose resource is not simply the pluralised kind, or worth pinning.
const builtinPlurals: Record<string, string> = {
  Endpoints: 'endpoints',
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
  NetworkPolicy: 'networkpolicies',
  PodDisruptionBudget: 'poddisruptionbudgets',
  PriorityClass: 'priorityclasses',
  StorageClass: 'storageclasses',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  EndpointSlice: 'endpointslices',
};

/** The resource name of a kind: the declared plural, a CRD's plural, or the derived one. */
export function resourceFor(
  kind: KindDeclaration,
  knownPlurals: ReadonlyMap<string, string> = new Map(),
): string {
  return (
    kind.plural ??
    knownPlurals.get(`${kind.group}/${kind.kind}`) ??
    builtinPlurals[kind.kind] ??
    pluralize(kind.kind)
  );
}

function hasWildcard(values: string[]): boolean {
  return values.some((v) => v.includes('*'));
}

/**
 * The merged rules for `declarations`, sorted by group then resource, one rule per group and verb set.
 * @param knownPlurals `group/Kind` → plural for the project's own CRDs.
 */
export function deriveRbacRules(
  declarations: ControllerRbacDeclaration[],
  knownPlurals: ReadonlyMap<string, string> = new Map(),
): PolicyRule[] {
  // (group, resource, resourceNames) → verbs
  const grants = new Map<string, { group: string; resource: string; names?: string[]; verbs: Set<string> }>();
  const grant = (group: string, resource: string, verbs: string[], names?: string[]): void => {
    const key = `${group}\u0000${resource}\u0000${names?.join(',') ?? ''}`;
    const entry = grants.get(key) ?? { group, resource, names, verbs: new Set<string>() };
    for (const v of verbs) entry.verbs.add(v);
    grants.set(key, entry);
  };
  for (const decl of declarations) {
    const primary = resourceFor(decl.for, knownPlurals);
    grant(decl.for.group, primary, primaryVerbs);
    grant(decl.for.group, `${primary}/status`, ['get', 'update', 'patch']);
    // as controller-runtime's finalizer helpers: with OwnerReferencesPermissionEnforcement, setting
    // blockOwnerDeletion on owned objects needs update on the owner's finalizers subresource.
    grant(decl.for.group, `${primary}/finalizers`, ['update']);
    for (const owned of decl.owns ?? []) grant(owned.group, resourceFor(owned, knownPlurals), ownedVerbs);
    for (const watched of decl.watches ?? [])
      grant(watched.group, resourceFor(watched, knownPlurals), watchedVerbs);
    for (const rule of decl.rules ?? []) {
      if (hasWildcard(rule.apiGroups) || hasWildcard(rule.resources) || hasWildcard(rule.verbs)) {
        throw new UserInputError(
          `RBAC rule ${JSON.stringify(rule)} uses a wildcard: list the groups, resources and verbs it needs`,
        );
      }
      for (const group of rule.apiGroups)
        for (const resource of rule.resources) grant(group, resource, rule.verbs, rule.resourceNames);
    }
  }
  if (declarations.length > 0) grant('', 'events', eventVerbs);

  // Group resources of one API group that need exactly the same verbs into one rule, as kubebuilder's controller-gen does.
  const byGroupAndVerbs = new Map<string, PolicyRule>();
  const sorted = [...grants.values()].sort(
    (a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource),
  );
  for (const g of sorted) {
    const verbs = [...g.verbs].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    const key = `${g.group}\u0000${verbs.join(',')}\u0000${g.names?.join(',') ?? ''}`;
    const rule = byGroupAndVerbs.get(key);
    if (rule) rule.resources.push(g.resource);
    else {
      const created: PolicyRule = { apiGroups: [g.group], resources: [g.resource], verbs };
      if (g.names) created.resourceNames = [...g.names];
      byGroupAndVerbs.set(key, created);
    }
  }
  return [...byGroupAndVerbs.values()];
}

function rank(verb: string): number {
  const i = verbOrder.indexOf(verb);
  return i < 0 ? verbOrder.length : i;
}

/** Rules for leader election, in the operator's own namespace. */
export function leaderElectionRules(): PolicyRule[] {
  return [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: [...leaseVerbs] },
    { apiGroups: [''], resources: ['events'], verbs: [...eventVerbs] },
  ];
}

/** Names of the RBAC objects of a project. */
export function rbacNames(project: ProjectManifest): {
  serviceAccount: string;
  managerRole: string;
  leaderElectionRole: string;
} {
  return {
    serviceAccount: `${project.projectName}-controller-manager`,
    managerRole: `${project.projectName}-manager-role`,
    leaderElectionRole: `${project.projectName}-leader-election-role`,
  };
}

/** Common labels of everything the generators write. */
export function projectLabels(project: ProjectManifest): Record<string, string> {
  return { 'app.kubernetes.io/name': project.projectName, 'app.kubernetes.io/managed-by': 'opkit' };
}

/**
 * The files under config/rbac/: service account, the manager's ClusterRole (Role when the operator
 * watches only its namespace) and binding, the leader-election Role and binding, and a kustomization.
 */
export function rbacFiles(
  project: ProjectManifest,
  declarations: ControllerRbacDeclaration[],
  knownPlurals: ReadonlyMap<string, string> = new Map(),
): GeneratedFile[] {
  const names = rbacNames(project);
  const labels = projectLabels(project);
  const clusterWide = project.operatorScope === 'cluster';
  const roleKind = clusterWide ? 'ClusterRole' : 'Role';
  const namespaced = (name: string) => ({ name, namespace: project.namespace, labels });
  const subject = { kind: 'ServiceAccount', name: names.serviceAccount, namespace: project.namespace };
  const files: GeneratedFile[] = [
    {
      path: 'config/rbac/service_account.yaml',
      content: toYaml({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: namespaced(names.serviceAccount),
      }),
    },
    {
      path: 'config/rbac/role.yaml',
      content: toYaml({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: roleKind,
        metadata: clusterWide ? { name: names.managerRole, labels } : namespaced(names.managerRole),
        rules: deriveRbacRules(declarations, knownPlurals),
      }),
    },
    {
      path: 'config/rbac/role_binding.yaml',
      content: toYaml({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: `${roleKind}Binding`,
        metadata: clusterWide
          ? { name: `${project.projectName}-manager-rolebinding`, labels }
          : namespaced(`${project.projectName}-manager-rolebinding`),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: names.managerRole },
        subjects: [subject],
      }),
    },
    {
      path: 'config/rbac/leader_election_role.yaml',
      content: toYaml({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: namespaced(names.leaderElectionRole),
        rules: leaderElectionRules(),
      }),
    },
    {
      path: 'config/rbac/leader_election_role_binding.yaml',
      content: toYaml({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: namespaced(`${project.projectName}-leader-election-rolebinding`),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.leaderElectionRole },
        subjects: [subject],
      }),
    },
  ];
  files.push({
    path: 'config/rbac/kustomization.yaml',
    content: kustomization(files.map((f) => f.path.slice('config/rbac/'.length))),
  });
  return files;
}
