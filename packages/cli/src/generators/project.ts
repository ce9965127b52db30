/**
 * The project manifest `opkit.json` that `opkit init` writes and every generator reads, and the
 * checks on names the user types (kinds, versions, groups, domains).
 */

/** A GroupVersionKind. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** One API (custom resource) created with `opkit create api`. */
export interface ProjectResource extends GroupVersionKind {
  plural: string;
  namespaced: boolean;
  /** The definition's source, relative to the project root (e.g. `src/api/shop/v1/order.ts`). */
  path: string;
}

/** `opkit.json`: what the generators need to know about a project. */
export interface ProjectManifest {
  /** Layout version of this file. */
  layout: 'opkit.dev/v1';
  /** The project (and operator) name: a DNS label, e.g. `memcached-operator`. */
  projectName: string;
  /** Completes short group names: `--group shop` becomes `shop.<domain>`. */
  domain: string;
  /** The operator's image, e.g. `ghcr.io/acme/memcached-operator:0.1.0`. */
  image: string;
  /** The namespace the operator runs in. */
  namespace: string;
  /** `cluster`: watches every namespace (ClusterRole); `namespace`: only its own (Role). */
  operatorScope: 'cluster' | 'namespace';
  /** Semver of the operator, used by the bundle. */
  version: string;
  /** Where compiled modules live; `generate` imports definitions and RBAC declarations from here. */
  outDir: string;
  resources: ProjectResource[];
}

/** A user mistake: printed as one line, exit code 1, no stack trace. */
export class UserInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserInputError';
  }
}

const kindPattern = /^[A-Z][A-Za-z0-9]*$/;
// as k8s.io/apimachinery/pkg/version helpers.go (the order kubectl sorts versions in)
const versionPattern = /^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const semverPattern = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Why `kind` is not a Kubernetes kind, or undefined when it is one. */
export function kindProblem(kind: string): string | undefined {
  if (!kindPattern.test(kind))
    return `kind "${kind}" must be PascalCase letters and digits, e.g. Memcached or EtcdCluster`;
  if (kind.length > 63) return `kind "${kind}" is longer than 63 characters`;
  return undefined;
}

/** Why `version` is not a Kubernetes API version, or undefined. */
export function versionProblem(version: string): string | undefined {
  return versionPattern.test(version)
    ? undefined
    : `version "${version}" must be a Kubernetes API version such as v1, v1alpha1 or v2beta3`;
}

/** Why `domain` cannot be a project domain, or undefined. */
export function domainProblem(domain: string): string | undefined {
  if (!dns1123Subdomain.test(domain) || domain.length > 253)
    return `domain "${domain}" must be a lower-case DNS name such as example.com`;
  return undefined;
}

/** Why `group` (short, e.g. `shop`, or qualified) cannot be an API group, or undefined. */
export function groupProblem(group: string): string | undefined {
  if (!dns1123Subdomain.test(group))
    return `group "${group}" must be lower-case letters, digits and dashes, e.g. shop or cache`;
  return undefined;
}

/** Why `name` cannot be a project name, or undefined. */
export function projectNameProblem(name: string): string | undefined {
  if (!dns1123Label.test(name) || name.length > 50)
    return `project name "${name}" must be a lower-case DNS label (letters, digits, dashes), e.g. memcached-operator`;
  return undefined;
}

/** Why `version` is not semver, or undefined. */
export function semverProblem(version: string): string | undefined {
  return semverPattern.test(version) ? undefined : `version "${version}" must be semver, e.g. 0.1.0`;
}

/** The full API group: a short group gets the domain appended (`shop` → `shop.example.com`). */
export function qualifiedGroup(group: string, domain: string): string {
  if (group === '' || group.endsWith(`.${domain}`) || group === domain) return group || domain;
  return `${group}.${domain}`;
}

/** The plural Kubernetes tooling derives from a kind (same rule as `@opkit/core`'s `pluralize`). */
export function pluralize(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** Parses and checks `opkit.json` text. */
export function parseProjectManifest(text: string, file = 'opkit.json'): ProjectManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserInputError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || (raw as { layout?: unknown }).layout !== 'opkit.dev/v1') {
    throw new UserInputError(`${file} is not an opkit project manifest (expected "layout": "opkit.dev/v1")`);
  }
  const m = raw as Partial<ProjectManifest>;
  for (const key of ['projectName', 'domain', 'image', 'namespace', 'version', 'outDir'] as const) {
    if (typeof m[key] !== 'string' || m[key] === '')
      throw new UserInputError(`${file}: "${key}" must be a non-empty string`);
  }
  return {
    layout: 'opkit.dev/v1',
    projectName: m.projectName!,
    domain: m.domain!,
    image: m.image!,
    namespace: m.namespace!,
    operatorScope: m.operatorScope === 'namespace' ? 'namespace' : 'cluster',
    version: m.version!,
    outDir: m.outDir!,
    resources: Array.isArray(m.resources) ? m.resources : [],
  };
}

/** `opkit.json` text for a manifest (stable key order, trailing newline). */
export function formatProjectManifest(manifest: ProjectManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
