/**
 * Golden-file comparison for generator output. `UPDATE_GOLDEN=1` rewrites the golden files. Each is
 * stored as `<path>.golden` so generated .ts/.test.ts files are neither type-checked nor run as tests here.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@jest/globals';
import type { GeneratedFile } from '../src/generators/index.js';

const goldenRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  } catch {
    return [];
  }
}

/** Expects `files` to equal the golden set `name` exactly (same paths, same text). */
export async function expectGolden(name: string, files: GeneratedFile[]): Promise<void> {
  const dir = path.join(goldenRoot, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    await rm(dir, { recursive: true, force: true });
    for (const f of files) {
      await mkdir(path.dirname(path.join(dir, f.path)), { recursive: true });
      await writeFile(path.join(dir, `${f.path}.golden`), f.content);
    }
    return;
  }
  expect(files.map((f) => f.path).sort()).toEqual(
    (await listFiles(dir)).map((p) => p.replace(/\.golden$/, '')).sort(),
  );
  for (const f of files)
    expect(`${f.path}:\n${f.content}`).toBe(
      `${f.path}:\n${await readFile(path.join(dir, `${f.path}.golden`), 'utf8')}`,
    );
}
