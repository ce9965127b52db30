/**
 * Where a new project gets the @opkit/* packages from: the npm registry (a semver range), or a
 * source checkout of opkit (`file:` references to its packages/*), which is what works before the
 * packages are published, and what a contributor wants when trying a change.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { semverProblem } from './project.js';

/** The @opkit packages a new project depends on, and their folders in an opkit checkout. */
export const opkitPackageDirs = {
  '@opkit/core': 'packages/core',
  '@opkit/local-cluster': 'packages/local-cluster',
  '@opkit/cli': 'packages/cli',
} as const;

/** A package.json dependency specifier for each @opkit package a project uses. */
export type OpkitDependencies = Readonly<Record<keyof typeof opkitPackageDirs, string>>;

/** Dependencies on published packages: `^version` for each. */
export function registryDependencies(version: string): OpkitDependencies {
  const problem = semverProblem(version);
  if (problem) throw new Error(problem);
  return {
    '@opkit/core': `^${version}`,
    '@opkit/local-cluster': `^${version}`,
    '@opkit/cli': `^${version}`,
  };
}

/**
 * Dependencies on a checkout's packages: `file:` paths, so npm links them (a symlink, not a copy: a
 * rebuild of the checkout is seen at once). Relative when the project sits beside the checkout (or
 * in it), so the pair can move together; absolute otherwise, rather than a path climbing to `/`.
 */
export function sourceDependencies(checkout: string, projectRoot: string): OpkitDependencies {
  // Relative paths only where they stay meaningful: a project next to the checkout (the guide's
  // `opkit init ../my-operator`) or inside it; anywhere else an absolute path.
  const besideCheckout =
    path.dirname(path.resolve(projectRoot)) === path.dirname(path.resolve(checkout)) ||
    !path.relative(checkout, projectRoot).startsWith('..');
  const ref = (dir: string): string => {
    const target = path.join(checkout, dir);
    if (!besideCheckout) return `file:${target.split(path.sep).join('/')}`;
    const relative = path.relative(projectRoot, target).split(path.sep).join('/');
    return `file:${relative.startsWith('.') ? relative : `./${relative}`}`;
  };
  return {
    '@opkit/core': ref(opkitPackageDirs['@opkit/core']),
    '@opkit/local-cluster': ref(opkitPackageDirs['@opkit/local-cluster']),
    '@opkit/cli': ref(opkitPackageDirs['@opkit/cli']),
  };
}

function packageName(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return typeof pkg.name === 'string' ? pkg.name : undefined;
  } catch {
    return undefined;
  }
}

/** Why `dir` is not an opkit checkout holding every package a project needs, or undefined. */
export function sourceCheckoutProblem(dir: string): string | undefined {
  for (const [name, sub] of Object.entries(opkitPackageDirs)) {
    if (packageName(path.join(dir, sub)) !== name)
      return `${dir} is not an opkit source checkout: ${sub}/package.json of ${name} is missing`;
  }
  return undefined;
}

/**
 * The opkit checkout this CLI runs from, or undefined when it runs from an installed copy. An
 * installed copy lives under a node_modules directory; a checkout's packages are reached through
 * symlinks (workspaces, `npm link`), which Node resolves to the real path before `import.meta.url`.
 */
export function runningSourceCheckout(moduleUrl: string = import.meta.url): string | undefined {
  const file = fileURLToPath(moduleUrl);
  if (file.split(path.sep).includes('node_modules')) return undefined;
  let dir = path.dirname(file);
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'packages', 'cli')) && sourceCheckoutProblem(dir) === undefined) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** The version of this CLI (its package.json), which published projects depend on. */
export function cliVersion(moduleUrl: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (let i = 0; i < 6; i++) {
    if (packageName(dir) === '@opkit/cli') {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
      return pkg.version;
    }
    dir = path.dirname(dir);
  }
  return '0.1.0';
}
