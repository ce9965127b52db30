/**
 * Reads a project for the generators: `opkit.json`, and the compiled JavaScript of its definitions
 * (`<outDir>/api/**`) and controllers (`<outDir>/controllers/**`).
 *
 * Why compiled JS: it needs no loader or extra dependency on Node 20 (which cannot import .ts), and it
 * is exactly what the operator runs. The project's `npm run generate` builds first.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CustomResourceDefinitionDocument } from './crd.js';
import { parseProjectManifest, UserInputError, type ProjectManifest } from './project.js';
import type { ControllerRbacDeclaration } from './rbac.js';

/** What the generators need from a project. */
export interface LoadedProject {
  root: string;
  manifest: ProjectManifest;
  crds: CustomResourceDefinitionDocument[];
  rbac: ControllerRbacDeclaration[];
}

/** Reads and checks `<root>/opkit.json`. */
export async function readProjectManifest(root: string): Promise<ProjectManifest> {
  const file = path.join(root, 'opkit.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserInputError(`no opkit.json in ${root}: run this inside a project made by "opkit init"`);
  }
  return parseProjectManifest(text, file);
}

async function jsFiles(dir: string): Promise<string[]> {
  try {
    await stat(dir);
  } catch {
    return [];
  }
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.m?js$/.test(e.name) && !/\.test\.m?js$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function isDefinition(value: unknown): value is { toCRD(): CustomResourceDefinitionDocument } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.toCRD === 'function' && typeof v.kind === 'string' && typeof v.crdName === 'string';
}

function isGvk(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.group === 'string' &&
    typeof v.version === 'string' &&
    typeof v.kind === 'string'
  );
}

function isRbacDeclaration(value: unknown): value is ControllerRbacDeclaration {
  return typeof value === 'object' && value !== null && isGvk((value as { for?: unknown }).for);
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UserInputError(`cannot load ${file}: ${(err as Error).message}`);
  }
}

/** Loads every CRD the project's compiled definitions export. */
export async function loadCustomResourceDefinitions(
  root: string,
  manifest: ProjectManifest,
): Promise<CustomResourceDefinitionDocument[]> {
  const outDir = path.join(root, manifest.outDir);
  const files = await jsFiles(path.join(outDir, 'api'));
  if (files.length === 0 && manifest.resources.length > 0) {
    throw new UserInputError(
      `no compiled definitions in ${path.join(manifest.outDir, 'api')}: run "npm run build" first`,
    );
  }
  const crds: CustomResourceDefinitionDocument[] = [];
  // An index.js re-exporting a definition hands the same object out again (ESM caches modules), and
  // two objects may describe the very same CRD: both count once. Differing CRDs of one name still fail
  // in crdFiles.
  const seenDefinitions = new Set<unknown>();
  const seenDocuments = new Set<string>();
  for (const file of files) {
    const mod = await importModule(file);
    for (const value of Object.values(mod)) {
      if (!isDefinition(value) || seenDefinitions.has(value)) continue;
      seenDefinitions.add(value);
      let crd: CustomResourceDefinitionDocument;
      try {
        crd = value.toCRD();
      } catch (err) {
        throw new UserInputError(`${path.relative(root, file)}: ${(err as Error).message}`);
      }
      const text = JSON.stringify(crd);
      if (seenDocuments.has(text)) continue;
      seenDocuments.add(text);
      crds.push(crd);
    }
  }
  return crds;
}

/** Loads the `rbac` exports (one declaration or a list) of the project's compiled controllers. */
export async function loadRbacDeclarations(
  root: string,
  manifest: ProjectManifest,
): Promise<ControllerRbacDeclaration[]> {
  const files = await jsFiles(path.join(root, manifest.outDir, 'controllers'));
  const out: ControllerRbacDeclaration[] = [];
  // the same declaration re-exported by controllers/index.js counts once
  const seen = new Set<string>();
  for (const file of files) {
    const mod = await importModule(file);
    const rbac = mod.rbac;
    if (rbac === undefined) continue;
    const list = Array.isArray(rbac) ? rbac : [rbac];
    for (const decl of list) {
      if (!isRbacDeclaration(decl))
        throw new UserInputError(
          `${path.relative(root, file)}: "rbac" must be { for: {group, version, kind}, owns?: [...], watches?: [...] }`,
        );
      const text = JSON.stringify(decl);
      if (seen.has(text)) continue;
      seen.add(text);
      out.push(decl);
    }
  }
  return out;
}

/** Loads everything the generators need. */
export async function loadProject(root: string): Promise<LoadedProject> {
  const manifest = await readProjectManifest(root);
  return {
    root,
    manifest,
    crds: await loadCustomResourceDefinitions(root, manifest),
    rbac: await loadRbacDeclarations(root, manifest),
  };
}
