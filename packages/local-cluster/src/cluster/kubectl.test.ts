import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { LocalCluster } from './index.js';

// kubectl 1.33 against a whole LocalCluster over HTTPS: protobuf create bodies, pod logs from a
// real busybox process, and service account tokens.

function findKubectl(version: string): string | undefined {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'kubectl'))
    .find((p) => existsSync(p));
  const path = onPath ? join(dirname(realpathSync(onPath)), `kubectl.${version}`) : undefined;
  return path && existsSync(path) ? path : undefined;
}

const kubectl = findKubectl('1.33');
let cluster: LocalCluster;
let dir: string;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      kubectl ?? 'kubectl',
      ['--kubeconfig', join(dir, 'kubeconfig'), ...args],
      { timeout: 30_000, env: { ...process.env, HOME: dir } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await run(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

(kubectl ? describe : describe.skip)('kubectl 1.33 against LocalCluster', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opkit-kubectl-'));
    cluster = await LocalCluster.start({ kubeconfigPath: join(dir, 'kubeconfig'), nodes: { nodes: 1 } });
    await ok(['create', 'namespace', 'k']);
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates every kind kubectl sends as protobuf', async () => {
    const commands = [
      ['configmap', 'cm', '--from-literal=a=b'],
      ['secret', 'generic', 's', '--from-literal=p=q'],
      ['deployment', 'd', '--image=busybox:1.36', '--replicas=0'],
      ['service', 'clusterip', 'svc', '--tcp=80:8080'],
      ['pdb', 'pdb', '--selector=app=d', '--min-available=1'],
      ['quota', 'q', '--hard=pods=10'],
      ['ingress', 'ing', '--rule=foo.com/bar=svc:80'],
      ['job', 'j', '--image=busybox:1.36', '--', 'true'],
      ['role', 'r', '--verb=get', '--resource=pods'],
      ['rolebinding', 'rb', '--role=r', '--user=u'],
      ['serviceaccount', 'sa'],
    ];
    for (const c of commands) expect(await ok(['create', ...c, '-n', 'k'])).toContain('created');
    expect(await ok(['create', 'priorityclass', 'pc', '--value=1000'])).toContain('created');
    expect(await ok(['get', 'secret', 's', '-n', 'k', '-o', 'jsonpath={.data.p}'])).toBe(
      Buffer.from('q').toString('base64'),
    );
  });

  it('reads pod logs: whole, --tail, -c, --previous and -f until the container ends', async () => {
    await ok([
      'run',
      'bb',
      '-n',
      'k',
      '--image=busybox:1.36',
      '--restart=Never',
      '--',
      'sh',
      '-c',
      'echo hello; echo world; sleep 1',
    ]);
    await until(async () => (await run(['logs', 'bb', '-n', 'k'])).stdout === 'hello\nworld\n');
    expect(await ok(['logs', 'bb', '-n', 'k', '--tail=1'])).toBe('world\n');
    expect(await ok(['logs', 'bb', '-n', 'k', '-c', 'bb'])).toBe('hello\nworld\n');
    const wrong = await run(['logs', 'bb', '-n', 'k', '-c', 'nope']);
    expect(wrong.stderr).toContain('container nope is not valid for pod bb');
    expect((await run(['logs', 'bb', '-n', 'k', '--previous'])).stderr).toContain(
      'previous terminated container "bb" in pod "bb" not found',
    );
    // follow ends by itself once the container exits
    expect(await ok(['logs', '-f', 'bb', '-n', 'k'])).toBe('hello\nworld\n');
  });

  it('creates a token the server accepts', async () => {
    const token = (await ok(['create', 'token', 'sa', '-n', 'k', '--duration=20m'])).trim();
    expect(token.length).toBeGreaterThan(20);
    expect(await ok(['get', 'configmap', 'cm', '-n', 'k', '--token', token, '-o', 'name'])).toBe(
      'configmap/cm\n',
    );
  });
});
