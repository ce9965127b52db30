/**
 * `opkit init` and `opkit create api`: render the files under templates/ into a new project, or add a
 * custom resource and its controller to one. Pure: templates in, files out; the commands do the I/O.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { GeneratedFile } from './files.js';
import { manifestFiles } from './manifests.js';
import { registryDependencies, type OpkitDependencies } from './opkit-dependencies.js';
import {
  formatProjectManifest,
  kindProblem,
  pluralize,
  qualifiedGroup,
  UserInputError,
  versionProblem,
  groupProblem,
  type ProjectManifest,
} from './project.js';

/** A template file: path relative to its template set, and text with `{{name}}` placeholders. */
export interface TemplateFile {
  path: string;
  content: string;
}

/** Replaces `{{name}}` placeholders; an unknown name is an error so typos never reach a project. */
export function renderTemplate(
  text: string,
  values: Readonly<Record<string, string>>,
  where = 'template',
): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${where}: no value for {{${name}}}`);
    return value;
  });
}

/** The output path of a template file: `.tmpl` dropped, `gitignore`/`dockerignore` dotted. */
function outputPath(templatePath: string): string {
  const p = templatePath.replace(/\.tmpl$/, '');
  const base = path.posix.basename(p);
  if (base === 'gitignore' || base === 'dockerignore')
    return path.posix.join(path.posix.dirname(p), `.${base}`).replace(/^\.\//, '');
  return p;
}

/** Finds the templates/ directory shipped with the CLI (walks up from this module: works from src/ and dist/). */
export function templatesRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'templates', 'project');
    if (existsSync(candidate)) return path.join(dir, 'templates');
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the opkit templates directory (templates/project)');
}

/** Reads every file of a template set (e.g. `project` or `api`). */
export async function readTemplates(set: 'project' | 'api', root = templatesRoot()): Promise<TemplateFile[]> {
  const base = path.join(root, set);
  const entries = await readdir(base, { recursive: true, withFileTypes: true });
  const files: TemplateFile[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath, e.name);
    files.push({
      path: path.relative(base, full).split(path.sep).join('/'),
      content: await readFile(full, 'utf8'),
    });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** What `opkit init` asks for. */
export interface InitOptions {
  projectName: string;
  domain: string;
  /** Default `<projectName>:<version>` on a local registry name. */
  image?: string;
  /** Default `<projectName>-system`. */
  namespace?: string;
  operatorScope?: 'cluster' | 'namespace';
  /** The @opkit/* version the project depends on (`^version`), unless `opkitDependencies` is given. */
  opkitVersion: string;
  /** Exact specifiers for the @opkit/* dependencies, e.g. `file:` references to a source checkout. */
  opkitDependencies?: OpkitDependencies;
}

/** The manifest a new project starts with. */
export function initialManifest(options: InitOptions): ProjectManifest {
  const version = '0.1.0';
  return {
    layout: 'opkit.dev/v1',
    projectName: options.projectName,
    domain: options.domain,
    image: options.image ?? `${options.projectName}:${version}`,
    namespace: options.namespace ?? `${options.projectName}-system`,
    operatorScope: options.operatorScope ?? 'cluster',
    version,
    outDir: 'dist',
    resources: [],
  };
}

/**
 * The files of a new project: the rendered templates, opkit.json, and config/ as `opkit generate
 * manifests` writes it for a project without APIs yet (manager, RBAC, namespace, kustomizations), so a
 * new project deploys as it is; `generate` rewrites config/ once APIs and controllers exist.
 */
export function initFiles(templates: TemplateFile[], options: InitOptions): GeneratedFile[] {
  const manifest = initialManifest(options);
  const dependencies = options.opkitDependencies ?? registryDependencies(options.opkitVersion);
  const values = {
    projectName: manifest.projectName,
    domain: manifest.domain,
    image: manifest.image,
    namespace: manifest.namespace,
    version: manifest.version,
    // JSON strings (quoted and escaped), since a file: path may hold any character.
    opkitCore: JSON.stringify(dependencies['@opkit/core']),
    opkitLocalCluster: JSON.stringify(dependencies['@opkit/local-cluster']),
    opkitCli: JSON.stringify(dependencies['@opkit/cli']),
  };
  const files = templates.map((t) => ({
    path: outputPath(t.path),
    content: renderTemplate(t.content, values, t.path),
  }));
  files.push({ path: 'opkit.json', content: formatProjectManifest(manifest) });
  files.push(...manifestFiles(manifest, [], []));
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** What `opkit create api` asks for. */
export interface CreateApiOptions {
  /** Short (`shop`) or qualified (`shop.example.com`) group. */
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
  plural?: string;
}

/** Checks create-api input, all problems in one error. */
export function checkCreateApiOptions(options: CreateApiOptions): void {
  const problems = [
    kindProblem(options.kind),
    versionProblem(options.version),
    groupProblem(options.group),
  ].filter((p): p is string => Boolean(p));
  if (options.plural !== undefined && !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(options.plural))
    problems.push(`plural "${options.plural}" must be a lower-case DNS label`);
  if (problems.length > 0) throw new UserInputError(problems.join('; '));
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/**
 * The files `opkit create api` writes or rewrites: the definition, controller, test and sample, the
 * controllers index with the new controller wired in, and opkit.json with the new resource.
 * @param controllersIndex the current text of src/controllers/index.ts.
 */
export function createApiFiles(
  templates: TemplateFile[],
  project: ProjectManifest,
  controllersIndex: string,
  options: CreateApiOptions,
): GeneratedFile[] {
  checkCreateApiOptions(options);
  const group = qualifiedGroup(options.group, project.domain);
  const groupDir = options.group.endsWith(`.${project.domain}`)
    ? options.group.slice(0, -project.domain.length - 1)
    : options.group;
  const plural = options.plural ?? pluralize(options.kind);
  const kindLower = options.kind.toLowerCase();
  if (
    project.resources.some(
      (r) => r.group === group && r.kind === options.kind && r.version === options.version,
    )
  ) {
    throw new UserInputError(
      `the API ${group}/${options.version}, Kind=${options.kind} already exists in this project`,
    );
  }
  if (project.resources.some((r) => r.group === group && r.kind === options.kind)) {
    throw new UserInputError(
      `${options.kind} already exists in ${group} with another version: add "${options.version}" to the versions of its definition instead`,
    );
  }
  const definitionPath = `src/api/${groupDir}/${options.version}/${kindLower}.ts`;
  const controllerPath = `src/controllers/${kindLower}.ts`;
  const values: Record<string, string> = {
    group,
    groupDir,
    version: options.version,
    kind: options.kind,
    kindLower,
    kindCamel: lowerFirst(options.kind),
    plural,
    scope: options.namespaced ? 'Namespaced' : 'Cluster',
    clusterScopedOption: options.namespaced ? '' : ', { clusterScoped: true }',
    namespaceField: options.namespaced ? ", namespace: 'default'" : '',
    createCall: options.namespaced
      ? `createNamespacedCustomObject({ group: ${options.kind}Kind.group, version: ${options.kind}Kind.version, namespace: 'default', plural: ${options.kind}Kind.plural, body })`
      : `createClusterCustomObject({ group: ${options.kind}Kind.group, version: ${options.kind}Kind.version, plural: ${options.kind}Kind.plural, body })`,
  };
  const byName = new Map(templates.map((t) => [t.path, t.content]));
  const render = (name: string): string => {
    const text = byName.get(name);
    if (text === undefined) throw new Error(`missing template api/${name}`);
    return renderTemplate(text, values, `api/${name}`);
  };

  const importMarker = '// opkit:controller-imports';
  const listMarker = '// opkit:controller-list';
  if (!controllersIndex.includes(importMarker) || !controllersIndex.includes(listMarker)) {
    throw new UserInputError(
      `src/controllers/index.ts has lost its "${importMarker}" and "${listMarker}" markers: add them back to let opkit wire controllers in`,
    );
  }
  const indexText = controllersIndex
    .replace(
      importMarker,
      `import { ${values.kindCamel}Controller } from './${kindLower}.js';\n${importMarker}`,
    )
    .replace(/^(\s*)\/\/ opkit:controller-list/m, `$1${values.kindCamel}Controller,\n$1${listMarker}`);

  const manifest: ProjectManifest = {
    ...project,
    resources: [
      ...project.resources,
      {
        group,
        version: options.version,
        kind: options.kind,
        plural,
        namespaced: options.namespaced,
        path: definitionPath,
      },
    ],
  };
  return [
    { path: definitionPath, content: render('definition.ts.tmpl') },
    { path: controllerPath, content: render('controller.ts.tmpl') },
    { path: `test/${kindLower}.test.ts`, content: render('controller.test.ts.tmpl') },
    {
      path: `config/samples/${group}_${options.version}_${kindLower}.yaml`,
      content: render('sample.yaml.tmpl'),
    },
    { path: 'src/controllers/index.ts', content: indexText },
    { path: 'opkit.json', content: formatProjectManifest(manifest) },
  ];
}
