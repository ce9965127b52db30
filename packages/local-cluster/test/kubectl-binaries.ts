/**
 * Finds the kubectl binaries the tests drive: the one on the PATH and the versioned ones beside its
 * real file (`kubectl.1.27` … `kubectl.1.33` on these machines). Where one is missing the test skips
 * with a printed reason, except under CI=true, where a missing tool is a failure.
 */
import { execFileSync, execFile } from 'node:child_process';
import { existsSync, realpathSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KubectlBinary {
  version: string;
  file: string;
}

function onPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The kubectl binaries for the given minor versions ('1.27', '1.33'); 'default' is the one on the PATH. */
export function findKubectl(versions: string[]): { found: KubectlBinary[]; missing: string[] } {
  const primary = onPath();
  const dir = primary ? path.dirname(realpathSync(primary)) : undefined;
  const found: KubectlBinary[] = [];
  const missing: string[] = [];
  for (const version of versions) {
    const file = version === 'default' ? primary : dir ? path.join(dir, `kubectl.${version}`) : undefined;
    if (file && existsSync(file)) found.push({ version, file });
    else missing.push(version);
  }
  if (missing.length > 0) {
    const message = `kubectl ${missing.join(', ')} not found (looked on the PATH and beside ${primary ?? 'kubectl'})`;
    if (process.env.CI === 'true') throw new Error(`${message}: CI=true requires it`);
    process.stdout.write(`SKIP: ${message}; the kubectl tests for it are skipped\n`);
  }
  return { found, missing };
}

/** Writes a kubeconfig to a temp file and returns a runner of kubectl with it. */
export function kubectlRunner(binary: KubectlBinary, kubeconfig: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opkit-kubectl-'));
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(file, kubeconfig, { mode: 0o600 });
  const env = { ...process.env, KUBECONFIG: file, HOME: dir, KUBECACHEDIR: path.join(dir, 'cache') };
  return (args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = execFile(
        binary.file,
        args,
        { env, timeout: 30_000, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => {
          const code = err
            ? typeof (err as { code?: unknown }).code === 'number'
              ? (err as { code: number }).code
              : 1
            : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
}
