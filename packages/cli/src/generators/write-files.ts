/** Writes generated files under a root directory. */
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GeneratedFile } from './files.js';
import { UserInputError } from './project.js';

/**
 * Writes `files` under `root`. With `overwrite: false`, first checks that none exists, so a refused
 * run writes nothing.
 * @returns the paths written, relative to root.
 */
export async function writeGeneratedFiles(
  root: string,
  files: GeneratedFile[],
  options: { overwrite: boolean; overwritable?: ReadonlySet<string> },
): Promise<string[]> {
  if (!options.overwrite) {
    for (const f of files) {
      if (options.overwritable?.has(f.path)) continue;
      const exists = await access(path.join(root, f.path)).then(
        () => true,
        () => false,
      );
      if (exists) throw new UserInputError(`${f.path} already exists in ${root}: nothing was written`);
    }
  }
  for (const f of files) {
    const target = path.join(root, f.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, f.content);
  }
  return files.map((f) => f.path);
}
