/**
 * `opkit init [dir]`: a new operator project from templates/project — package.json depending on
 * @opkit/*, tsconfig, jest with a first test on the local cluster, a multi-stage Dockerfile, README and
 * opkit.json. Refuses a non-empty directory and writes nothing on bad input.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import {
  domainProblem,
  initFiles,
  projectNameProblem,
  readTemplates,
  UserInputError,
  writeGeneratedFiles,
} from '../../generators/index.js';
import type { Terminal } from '../../terminal/index.js';
import { reportingUsageErrors, resolveValue } from './missing-value.js';
import { ttyPrompter, type Prompter } from './prompter.js';

export { ttyPrompter, type Prompter } from './prompter.js';
export { reportingUsageErrors, resolveValue, usageError } from './missing-value.js';

/** The @opkit/* version new projects depend on (the CLI's own). */
export const opkitVersion = '0.1.0';

interface InitFlags {
  domain?: string;
  projectName?: string;
  image?: string;
  namespace?: string;
  watch: 'cluster' | 'namespace';
  yes: boolean;
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
    .option('-y, --yes', 'accept defaults, never prompt', false)
    .addHelpText(
      'after',
      `
Examples:
  opkit init memcached-operator --domain example.com
  opkit init . --domain acme.io --project-name shop-operator --yes
  opkit init my-op --domain example.com --watch namespace    # Role instead of ClusterRole`,
    )
    .action(async (dir: string, flags: InitFlags) =>
      reportingUsageErrors(term.fail, async () => {
        const root = path.resolve(dir);
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
        });
        await writeGeneratedFiles(root, files, { overwrite: false });
        term.success(`created ${projectName} in ${dir} (${files.length} files)`);
        term.info(
          `Next:\n  cd ${dir}\n  npm install\n  opkit create api --group <group> --version v1alpha1 --kind <Kind>\n  npm test`,
        );
      }),
    );
}
