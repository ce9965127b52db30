/**
 * Finds what `opkit run` and `opkit dev` need in an operator project, and says plainly what is
 * missing (and how to fix it) instead of failing later with a stack trace.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readProjectManifest, UserInputError, type ProjectManifest } from '../../generators/index.js';

/** An operator project on disk, checked. */
export interface OperatorProject {
  /** Absolute project directory. */
  root: string;
  manifest: ProjectManifest;
  /** The `scripts` of package.json. */
  scripts: Readonly<Record<string, string>>;
  /** Absolute path of the TypeScript sources (`src/`), watched by `opkit dev`. */
  sourceDir: string;
  /** Absolute path of the compiled entry point the operator runs (`<outDir>/main.js`). */
  entryPoint: string;
  /** Absolute path of `config/samples`. */
  samplesDir: string;
  /** `.opkit/` in the project: kubeconfig, logs. */
  stateDir: string;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where Node would find `name` from `root`: `node_modules/<name>` in `root` or a parent (workspaces
 * hoist dependencies to the top).
 */
export async function findInstalledPackage(root: string, name: string): Promise<string | undefined> {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', ...name.split('/'));
    if (await exists(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Checks that `dir` is an opkit project with its dependencies installed.
 * @throws UserInputError naming the first missing piece and the command that fixes it.
 */
export async function openOperatorProject(dir: string): Promise<OperatorProject> {
  const root = path.resolve(dir);
  if (!(await exists(root)))
    throw new UserInputError(`${dir} does not exist; create a project with: opkit init ${dir}`);
  if (!(await exists(path.join(root, 'opkit.json')))) {
    throw new UserInputError(
      `${root} is not an opkit project: opkit.json is missing. Create a project with "opkit init <dir>", or pass the project directory: opkit dev <dir>`,
    );
  }
  const manifest = await readProjectManifest(root);
  let scripts: Record<string, string>;
  try {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    scripts = pkg.scripts ?? {};
  } catch {
    throw new UserInputError(`${root} has no readable package.json; recreate the project with "opkit init"`);
  }
  const sourceDir = path.join(root, 'src');
  if (!(await exists(path.join(sourceDir, 'main.ts')))) {
    throw new UserInputError(
      `${path.join(root, 'src', 'main.ts')} is missing: the operator's entry point (opkit init writes it)`,
    );
  }
  if (!(await findInstalledPackage(root, '@opkit/core'))) {
    throw new UserInputError(`@opkit/core is not installed in ${root}: run "npm install" there first`);
  }
  return {
    root,
    manifest,
    scripts,
    sourceDir,
    entryPoint: path.join(root, manifest.outDir, 'main.js'),
    samplesDir: path.join(root, 'config', 'samples'),
    stateDir: path.join(root, '.opkit'),
  };
}
