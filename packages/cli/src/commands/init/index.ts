/**
 * `opkit init [dir]`: a new operator project from templates/project — package.json depending on
 * @opkit/*, tsconfig, jest with a first test on the local cluster, a multi-stage Dockerfile, README and
 * opkit.json. Refuses a non-empty directory and writes nothing on bad input.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import {
  cliVersion,
  domainProblem,
  initFiles,
  projectNameProblem,
  readTemplates,
  registryDependencies,
  runningSourceCheckout,
  semverProblem,
  sourceCheckoutProblem,
  sourceDependencies,
  UserInputError,
  writeGeneratedFiles,
  type OpkitDependencies,
} from '../../generators/index.js';
import type { Terminal } from '../../terminal/index.js';
import { reportingUsageErrors, resolveValue, usageError } from './missing-value.js';
import { ttyPrompter, type Prompter } from './prompter.js';

export { ttyPrompter, type Prompter } from './prompter.js';
export { reportingUsageErrors, resolveValue, usageError } from './missing-value.js';

/** The @opkit/* version new projects depend on when they use published packages (the CLI's own). */
export const opkitVersion = cliVersion();

interface InitFlags {
  domain?: string;
  projectName?: string;
  image?: string;
  namespace?: string;
  watch: 'cluster' | 'namespace';
  yes: boolean;
  opkitSource?: string;
  opkitVersion?: string;
}

/**
 * Where the project's @opkit/* dependencies come from: a given checkout or version, else the checkout
 * this CLI runs from (the packages are not on npm until published), else the CLI's own version.
 */
function opkitDependencies(
  flags: InitFlags,
  projectRoot: string,
): { dependencies: OpkitDependencies; from: string } {
  if (flags.opkitSource !== undefined && flags.opkitVersion !== undefined)
    throw usageError('choose one of --opkit-source and --opkit-version');
  if (flags.opkitVersion !== undefined) {
    const problem = semverProblem(flags.opkitVersion);
    if (problem) throw usageError(`--opkit-version: ${problem}`);
    return { dependencies: registryDependencies(flags.opkitVersion), from: `npm (^${flags.opkitVersion})` };
  }
  const checkout =
    flags.opkitSource !== undefined ? path.resolve(flags.opkitSource) : runningSourceCheckout();
  if (checkout !== undefined) {
    const problem = sourceCheckoutProblem(checkout);
    if (problem) throw usageError(`--opkit-source: ${problem}`);
    return {
      dependencies: sourceDependencies(checkout, projectRoot),
      from: `the opkit checkout ${checkout}`,
    };
  }
  return { dependencies: registryDependencies(opkitVersion), from: `npm (^${opkitVersion})` };
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new UserInputError(`${dir} is a file, not a directory`);
    throw err;
  }
}

/** Builds the `init` command. `prompter` is undefined when not on a TTY. */
export function initCommand(term: Terminal, prompter: Prompter | undefined = ttyPrompter()): Command {
  return new Command('init')
    .description('create a new operator project')
    .argument('[dir]', 'directory to create the project in (must be empty or missing)', '.')
    .option(
      '--domain <domain>',
      "domain of the project's API groups (e.g. example.com: --group shop becomes shop.example.com)",
    )
    .option('--project-name <name>', 'project and operator name (default: the directory name)')
    .option('--image <image>', 'the operator image (default: <project-name>:0.1.0)')
    .option('--namespace <ns>', 'namespace the operator is deployed to (default: <project-name>-system)')
    .addOption(
      new Option('--watch <scope>', 'watch every namespace (ClusterRole) or only its own (Role)')
        .choices(['cluster', 'namespace'])
        .default('cluster'),
    )
    .option(
      '--opkit-source <dir>',
      'depend on the @opkit packages of this opkit checkout (file: references; default when opkit runs from one)',
    )
    .option(
      '--opkit-version <semver>',
      'depend on published @opkit packages ^<semver> (default when opkit is installed from npm)',
    )
    .option('-y, --yes', 'accept defaults, never prompt', false)
    .addHelpText(
      'after',
      `
Run from a clone of the opkit repository (npx opkit init ../my-operator), the project depends on
that clone's packages through file: references, so npm install links them; installed from npm, on
the published packages of the same version.

Examples:
  opkit init memcached-operator --domain example.com
  opkit init . --domain acme.io --project-name shop-operator --yes
  opkit init my-op --domain example.com --watch namespace    # Role instead of ClusterRole
  opkit init my-op --domain example.com --opkit-source ~/src/opkit
  opkit init my-op --domain example.com --opkit-version 0.1.0`,
    )
    .action(async (dir: string, flags: InitFlags) =>
      reportingUsageErrors(term.fail, async () => {
        const root = path.resolve(dir);
        const opkit = opkitDependencies(flags, root);
        if (!(await isEmptyOrMissing(root)))
          throw new UserInputError(`${dir} is not empty: opkit init needs a new or empty directory`);
        // The directory name is the default; ask (or require the flag) only when it is not a valid name.
        const derived = path.basename(root);
        const projectName =
          flags.projectName === undefined && projectNameProblem(derived) === undefined
            ? derived
            : await resolveValue({
                given: flags.projectName,
                flag: '--project-name',
                question: 'Project name',
                validate: projectNameProblem,
                prompter,
                yes: flags.yes,
              });
        const domain = await resolveValue({
          given: flags.domain,
          flag: '--domain',
          question: 'Domain of your API groups',
          validate: domainProblem,
          prompter,
          yes: flags.yes,
          fallback: 'example.com',
        });
        const files = initFiles(await readTemplates('project'), {
          projectName,
          domain,
          image: flags.image,
          namespace: flags.namespace,
          operatorScope: flags.watch,
          opkitVersion,
          opkitDependencies: opkit.dependencies,
        });
        await writeGeneratedFiles(root, files, { overwrite: false });
        term.success(`created ${projectName} in ${dir} (${files.length} files)`);
        term.info(`@opkit packages from ${opkit.from}`);
        term.info(
          `Next:\n  cd ${dir}\n  npm install\n  npx opkit create api --group <group> --version v1alpha1 --kind <Kind>\n  npm test`,
        );
      }),
    );
}
