/**
 * Compares the requests an operator really made (recorded by the local cluster's `authorize` hook)
 * with the RBAC rules `opkit generate rbac` wrote: which requests the rules would refuse, and which
 * granted (group, resource, verb) the operator never used.
 */
import type { PolicyRule } from '../src/generators/index.js';

/** One resource request, as the API server's authorizer sees it. */
export interface RecordedRequest {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** Rules bound to the operator: a ClusterRole through a ClusterRoleBinding, or a Role in one namespace. */
export interface BoundRules {
  /** The role's name, for the report. */
  role: string;
  /** Set for a Role (its rules apply only in this namespace); unset for a cluster-wide binding. */
  namespace?: string;
  rules: PolicyRule[];
}

/** One (group, resource, verb) a rule grants, and how often the operator used it. */
export interface Grant {
  role: string;
  apiGroup: string;
  resource: string;
  verb: string;
  uses: number;
}

/** The outcome of {@link compareRbac}. */
export interface RbacComparison {
  /** Requests no bound rule allows (RBAC would have answered 403). */
  denied: RecordedRequest[];
  /** Every granted (group, resource, verb) with its use count. */
  grants: Grant[];
}

/** `resource` or `resource/subresource`, as RBAC rules name them. */
export function resourcePath(request: RecordedRequest): string {
  return request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
}

// As k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac (RuleAllows and the Verb/APIGroup/Resource/
// ResourceName matchers): "*" matches anything, and a rule with resourceNames never matches a request
// without a name (create, list, watch, deletecollection).
function ruleAllows(rule: PolicyRule, request: RecordedRequest): boolean {
  const matches = (values: string[], value: string): boolean =>
    values.includes('*') || values.includes(value);
  if (!matches(rule.verbs, request.verb) || !matches(rule.apiGroups, request.apiGroup)) return false;
  const resource = resourcePath(request);
  const resourceMatches =
    rule.resources.includes(resource) ||
    rule.resources.includes('*') ||
    (request.subresource !== undefined && rule.resources.includes(`*/${request.subresource}`));
  if (!resourceMatches) return false;
  if (!rule.resourceNames || rule.resourceNames.length === 0) return true;
  return request.name !== undefined && rule.resourceNames.includes(request.name);
}

function boundAllows(bound: BoundRules, request: RecordedRequest): boolean {
  if (bound.namespace !== undefined && request.namespace !== bound.namespace) return false;
  return bound.rules.some((rule) => ruleAllows(rule, request));
}

/** Checks every request against the bound rules and counts the use of every grant. */
export function compareRbac(bound: BoundRules[], requests: RecordedRequest[]): RbacComparison {
  const grants: Grant[] = [];
  for (const b of bound)
    for (const rule of b.rules)
      for (const apiGroup of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs) grants.push({ role: b.role, apiGroup, resource, verb, uses: 0 });
  const denied: RecordedRequest[] = [];
  for (const request of requests) {
    const allowing = bound.filter((b) => boundAllows(b, request));
    if (allowing.length === 0) {
      denied.push(request);
      continue;
    }
    for (const g of grants) {
      if (!allowing.some((b) => b.role === g.role)) continue;
      if (g.apiGroup === request.apiGroup && g.resource === resourcePath(request) && g.verb === request.verb)
        g.uses++;
    }
  }
  return { denied, grants };
}

/** A table of the comparison, for the test log. */
export function formatRbacComparison(comparison: RbacComparison): string {
  const rows = comparison.grants.map(
    (g) =>
      `  ${g.uses > 0 ? 'used  ' : 'unused'} ${String(g.uses).padStart(4)}  ${g.role}  ${g.apiGroup || 'core'}/${g.resource} ${g.verb}`,
  );
  const denied = comparison.denied.map(
    (r) =>
      `  DENIED ${r.verb} ${r.apiGroup || 'core'}/${resourcePath(r)}${r.namespace ? ` in ${r.namespace}` : ''}${r.name ? ` (${r.name})` : ''}`,
  );
  return ['RBAC rules vs. requests the operator made:', ...rows, ...denied].join('\n');
}
