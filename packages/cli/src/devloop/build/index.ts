/**
 * Compiles an operator project: `npm run build` when the project defines it (what `opkit run` uses, so
 * the project's own build is the one that runs), or TypeScript's incremental `tsc -b` (what `opkit dev`
 * uses on every source change: only changed files are re-checked).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserInputError } from '../../generators/index.js';
import { findInstalledPackage, type OperatorProject } from '../project/index.js';

/** The outcome of one build. */
export interface BuildResult {
  ok: boolean;
  /** The compiler's combined stdout and stderr. */
  output: string;
  durationMs: number;
  /** The command line that ran, for messages. */
  command: string;
}

/** Which build to run. */
export type BuildMode = 'project-script' | 'incremental';

/** Finds TypeScript's `tsc` script: the project's own, else the one next to this CLI. */
export async function findTypeScriptCompiler(root: string): Promise<string> {
  const installed = await findInstalledPackage(root, 'typescript');
  if (installed) return path.join(installed, 'bin', 'tsc');
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new UserInputError(`TypeScript is not installed in ${root}: run "npm install" there first`);
  }
}

function runCollecting(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/**
 * Builds the project. `project-script` runs `npm run build` if package.json has a build script and
 * falls back to `tsc -b`; `incremental` always runs `tsc -b`.
 */
export async function buildProject(project: OperatorProject, mode: BuildMode): Promise<BuildResult> {
  const started = Date.now();
  if (mode === 'project-script' && project.scripts.build) {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const { code, output } = await runCollecting(npm, ['run', '--silent', 'build'], project.root);
    return { ok: code === 0, output, durationMs: Date.now() - started, command: 'npm run build' };
  }
  const tsc = await findTypeScriptCompiler(project.root);
  const { code, output } = await runCollecting(
    process.execPath,
    [tsc, '-b', path.join(project.root, 'tsconfig.json'), '--pretty', 'false'],
    project.root,
  );
  return { ok: code === 0, output, durationMs: Date.now() - started, command: 'tsc -b' };
}
