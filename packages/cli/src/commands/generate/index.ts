/**
 * `opkit generate crd|rbac|manifests|bundle`: writes what the project's compiled definitions and
 * controllers declare (see generators/project-loader for why compiled JS) as YAML under config/ or
 * bundle/ — or, with `-o yaml|json`, prints the objects to stdout and writes nothing.
 */
import path from 'node:path';
import { Command } from 'commander';
import { outputOption, printObjects, type OutputFormat } from '../output.js';
import {
  bundleFiles,
  crdFiles,
  loadProject,
  manifestFiles,
  rbacFiles,
  writeGeneratedFiles,
  type GeneratedFile,
  type LoadedProject,
} from '../../generators/index.js';
import type { Terminal } from '../../terminal/index.js';

interface DirFlags {
  dir: string;
  output?: OutputFormat;
}

interface BundleFlags extends DirFlags {
  channels: string;
  defaultChannel?: string;
}

async function generate(
  term: Terminal,
  flags: DirFlags,
  what: string,
  make: (project: LoadedProject) => GeneratedFile[],
): Promise<void> {
  const root = path.resolve(flags.dir);
  const project = await loadProject(root);
  const files = make(project);
  if (flags.output !== undefined) {
    printObjects(term, files, flags.output);
    return;
  }
  await writeGeneratedFiles(root, files, { overwrite: true });
  for (const f of files) term.info(`  ${f.path}`);
  term.success(`generated ${what} (${files.length} files)`);
}

function plurals(project: LoadedProject): Map<string, string> {
  return new Map(project.crds.map((c) => [`${c.spec.group}/${c.spec.names.kind}`, c.spec.names.plural]));
}

/** Builds the `generate` command group. */
export function generateCommand(term: Terminal): Command {
  const gen = new Command('generate').description(
    'generate CRDs, RBAC, deployment manifests and OLM bundles from the project',
  );
  const dirOption = ['--dir <dir>', 'the project directory', '.'] as const;
  const note = `
The project must be built first (npm run build): opkit reads the compiled definitions in dist/api/**
and the "rbac" exports of dist/controllers/**.

-o yaml|json prints the Kubernetes objects to stdout instead of writing files (nothing is written):
yaml as a multi-document stream for kubectl apply -f -, json as a v1 List. Kustomizations are left out.`;

  gen
    .command('crd')
    .description('write config/crd/bases/<group>_<plural>.yaml for every defineCustomResource export')
    .option(...dirOption)
    .addOption(outputOption())
    .addHelpText(
      'after',
      `\nExamples:\n  npm run build && opkit generate crd\n  opkit generate crd -o yaml | kubectl apply --server-side -f -\n${note}`,
    )
    .action((flags: DirFlags) => generate(term, flags, 'CRDs', (p) => crdFiles(p.crds)));

  gen
    .command('rbac')
    .description("write least-privilege RBAC (config/rbac/) from the controllers' rbac declarations")
    .option(...dirOption)
    .addOption(outputOption())
    .addHelpText(
      'after',
      `\nExamples:\n  npm run build && opkit generate rbac\n  opkit generate rbac -o json\n${note}`,
    )
    .action((flags: DirFlags) =>
      generate(term, flags, 'RBAC', (p) => rbacFiles(p.manifest, p.rbac, plurals(p))),
    );

  gen
    .command('manifests')
    .description(
      'write everything under config/: CRDs, RBAC, namespace, Deployment, metrics Service, kustomizations',
    )
    .option(...dirOption)
    .addOption(outputOption())
    .addHelpText(
      'after',
      `\nExamples:\n  npm run build && opkit generate manifests\n  kubectl apply -k config/default\n  opkit generate manifests -o yaml > operator.yaml\n${note}`,
    )
    .action((flags: DirFlags) =>
      generate(term, flags, 'manifests', (p) => manifestFiles(p.manifest, p.crds, p.rbac)),
    );

  gen
    .command('bundle')
    .description('write an OLM registry+v1 bundle (bundle/, bundle.Dockerfile)')
    .option(...dirOption)
    .option('--channels <list>', 'comma-separated channels', 'stable')
    .option('--default-channel <channel>', 'the default channel (default: the first)')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `\nExamples:\n  npm run build && opkit generate bundle --channels stable,fast\n  opkit bundle validate bundle\n  opkit generate bundle -o yaml    # the CSV, CRDs, Service and scorecard configuration\n${note}
For the bundle, metadata/annotations.yaml and bundle.Dockerfile are not Kubernetes objects: -o leaves them out.`,
    )
    .action((flags: BundleFlags) =>
      generate(term, flags, 'the bundle', (p) =>
        bundleFiles(p.manifest, p.crds, p.rbac, {
          channels: flags.channels
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean),
          defaultChannel: flags.defaultChannel,
        }),
      ),
    );
  return gen;
}
