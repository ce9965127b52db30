/**
 * `opkit create api`: adds a custom resource to a project — its typed definition, a reconciler wired
 * into the manager's controller list, a test on the local cluster, and a sample object.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import {
  createApiFiles,
  groupProblem,
  kindProblem,
  readProjectManifest,
  readTemplates,
  versionProblem,
  writeGeneratedFiles,
} from '../../generators/index.js';
import type { Terminal } from '../../terminal/index.js';
import { reportingUsageErrors, resolveValue, ttyPrompter, usageError, type Prompter } from '../init/index.js';

interface CreateApiFlags {
  group?: string;
  version?: string;
  kind?: string;
  plural?: string;
  namespaced?: boolean;
  cluster?: boolean;
  yes: boolean;
  dir: string;
}

/** Builds the `create` command group (`create api`). */
export function createCommand(term: Terminal, prompter: Prompter | undefined = ttyPrompter()): Command {
  const create = new Command('create').description('add things to a project');
  create
    .command('api')
    .description('add a custom resource (typed definition), its controller and a test')
    .option('--group <group>', 'API group; completed with the project domain (shop → shop.<domain>)')
    .option('--version <version>', 'API version, e.g. v1, v1alpha1, v2beta3')
    .option('--kind <Kind>', 'PascalCase kind, e.g. Memcached')
    .option('--plural <plural>', 'resource name (default: the kind lower-cased and pluralised)')
    .option('--namespaced', 'objects live in namespaces (default)')
    .option('--cluster', 'objects are cluster-scoped')
    .option('-y, --yes', 'accept defaults, never prompt', false)
    .option('--dir <dir>', 'the project directory', '.')
    .addHelpText(
      'after',
      `
Examples:
  opkit create api --group cache --version v1alpha1 --kind Memcached
  opkit create api --group shop --version v1 --kind Policy --cluster --yes
  opkit create api --group shop --version v1 --kind Goose --plural geese`,
    )
    .action(async (flags: CreateApiFlags) =>
      reportingUsageErrors(term.fail, async () => {
        if (flags.namespaced && flags.cluster) throw usageError('choose one of --namespaced and --cluster');
        const root = path.resolve(flags.dir);
        const manifest = await readProjectManifest(root);
        // Every problem with the given flags at once, before asking for missing ones.
        const given: [string | undefined, (v: string) => string | undefined][] = [
          [flags.kind, kindProblem],
          [flags.version, versionProblem],
          [flags.group, groupProblem],
        ];
        const problems = given
          .flatMap(([value, problem]) => (value === undefined ? [] : [problem(value)]))
          .filter((p): p is string => p !== undefined);
        if (flags.plural !== undefined && !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(flags.plural))
          problems.push(`plural "${flags.plural}" must be a lower-case DNS label`);
        // Bad flag values are usage errors (exit 2), as an unknown flag is; nothing is written.
        if (problems.length > 0) throw usageError(problems.join('; '));
        const common = { prompter, yes: flags.yes };
        const group = await resolveValue({
          ...common,
          given: flags.group,
          flag: '--group',
          question: `API group (completed with .${manifest.domain})`,
          validate: groupProblem,
        });
        const version = await resolveValue({
          ...common,
          given: flags.version,
          flag: '--version',
          question: 'API version',
          validate: versionProblem,
          fallback: 'v1alpha1',
        });
        const kind = await resolveValue({
          ...common,
          given: flags.kind,
          flag: '--kind',
          question: 'Kind (PascalCase)',
          validate: kindProblem,
        });
        const namespaced = !flags.cluster;
        const indexPath = path.join(root, 'src/controllers/index.ts');
        const controllersIndex = await readFile(indexPath, 'utf8').catch(
          () => '// opkit:controller-imports\nexport const controllers = [\n  // opkit:controller-list\n];\n',
        );
        const files = createApiFiles(await readTemplates('api'), manifest, controllersIndex, {
          group,
          version,
          kind,
          namespaced,
          plural: flags.plural,
        });
        await writeGeneratedFiles(root, files, {
          overwrite: false,
          overwritable: new Set(['src/controllers/index.ts', 'opkit.json']),
        });
        for (const f of files) term.info(`  ${f.path}`);
        term.success(`created the ${kind} API; next: edit ${files[0]!.path}, then "npm run generate"`);
      }),
    );
  return create;
}
