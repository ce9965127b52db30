/** `opkit bundle validate [dir]`: checks an OLM bundle as `operator-sdk bundle validate` does by default. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { UserInputError, validateBundle } from '../../generators/index.js';
import type { Terminal } from '../../terminal/index.js';

async function readBundle(dir: string): Promise<Map<string, string>> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    throw new UserInputError(
      `${dir} is not a directory: give the bundle directory (made by "opkit generate bundle")`,
    );
  }
  const files = new Map<string, string>();
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath, e.name);
    files.set(path.relative(dir, full).split(path.sep).join('/'), await readFile(full, 'utf8'));
  }
  return files;
}

/** Builds the `bundle` command group. */
export function bundleCommand(term: Terminal): Command {
  const bundle = new Command('bundle').description('work with OLM bundles');
  bundle
    .command('validate')
    .description('validate an OLM registry+v1 bundle directory; exit code 1 when it has errors')
    .argument('[dir]', 'the bundle directory', 'bundle')
    .addHelpText('after', `\nExamples:\n  opkit bundle validate\n  opkit bundle validate ./bundle`)
    .action(async (dir: string) => {
      const result = validateBundle(await readBundle(path.resolve(dir)));
      for (const w of result.warnings) term.warn(`${w.file ? `${w.file}: ` : ''}${w.message}`);
      if (result.errors.length > 0) {
        const lines = result.errors.map((e) => `${e.file ? `${e.file}: ` : ''}${e.message}`);
        throw new UserInputError(`the bundle has ${result.errors.length} error(s):\n  ${lines.join('\n  ')}`);
      }
      term.success(
        `${dir} is a valid bundle${result.warnings.length ? ` (${result.warnings.length} warning(s))` : ''}`,
      );
    });
  return bundle;
}
