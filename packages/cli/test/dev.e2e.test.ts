/**
 * `opkit dev` end to end: a project scaffolded by `opkit init` + `create api` in a temp dir, the CLI
 * (built to dist) in a child process, non-TTY so the view prints change lines.
 *
 * The operator is a hand-written src/main.ts on @kubernetes/client-node (it sets the sample's status),
 * so this test depends on the CLI and the local cluster only, not on the manager in @opkit/core.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { main } from '../src/index.js';
import { createApiFiles, initFiles, readTemplates, writeGeneratedFiles } from '../src/generators/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(repo, 'packages/cli/dist/bin/opkit.js');
const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');

const operatorSource = (
  version: string,
): string => `import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';

const VERSION = '${version}';
const kc = new KubeConfig();
kc.loadFromDefault();
const api = kc.makeApiClient(CustomObjectsApi);
console.log(\`operator \${VERSION} started\`);

interface Order { metadata: { name: string; namespace: string; generation?: number }; spec?: { size?: number } }

const watch = new Watch(kc);
const request = await watch.watch(
  '/apis/shop.example.com/v1/orders',
  {},
  (type: string, order: Order) => {
    if (type === 'DELETED') return;
    const { name, namespace } = order.metadata;
    const value = { readyReplicas: order.spec?.size ?? 0, observedGeneration: order.metadata.generation };
    api
      .patchNamespacedCustomObjectStatus({ group: 'shop.example.com', version: 'v1', plural: 'orders', namespace, name, body: [{ op: 'add', path: '/status', value }] })
      .then(() => console.log(\`reconciled Order \${namespace}/\${name} (\${VERSION})\`))
      .catch((err: unknown) => console.error(\`reconcile failed: \${String(err)}\`));
  },
  () => undefined,
);
process.on('SIGTERM', () => {
  request.abort();
  // Exit once the line is out: process.exit() drops what a pipe has not taken yet.
  process.stdout.write(\`operator \${VERSION} stopping\\n\`, () => process.exit(0));
});
`;

/** Collects a child's output and waits for patterns in it. */
class Output {
  text = '';
  private waiters: { pattern: RegExp; from: number; resolve: () => void }[] = [];
  constructor(child: ChildProcess) {
    const add = (chunk: Buffer): void => {
      this.text += chunk.toString('utf8');
      this.waiters = this.waiters.filter((w) => {
        if (!w.pattern.test(this.text.slice(w.from))) return true;
        w.resolve();
        return false;
      });
    };
    child.stdout!.on('data', add);
    child.stderr!.on('data', add);
  }
  waitFor(pattern: RegExp, timeoutMs = 45_000, from = 0): Promise<void> {
    if (pattern.test(this.text.slice(from))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${this.text}`)),
        timeoutMs,
      );
      this.waiters.push({ pattern, from, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

let tmp: string;
let project: string;

beforeAll(async () => {
  // The CLI runs as `node dist/bin/opkit.js`; the project imports @opkit/* from their dist.
  if (
    !existsSync(path.join(repo, 'packages/core/dist/index.js')) ||
    !existsSync(path.join(repo, 'packages/local-cluster/dist/index.js'))
  ) {
    spawnSync(process.execPath, [tsc, '-b', 'packages/core', 'packages/local-cluster'], {
      cwd: repo,
      stdio: 'ignore',
    });
  }
  spawnSync(process.execPath, [tsc, '-b', 'packages/cli'], { cwd: repo, stdio: 'ignore' });
  expect(existsSync(cli)).toBe(true);

  tmp = await mkdtemp(path.join(tmpdir(), 'opkit-dev-'));
  project = path.join(tmp, 'shop-operator');
  const init = initFiles(await readTemplates('project'), {
    projectName: 'shop-operator',
    domain: 'example.com',
    opkitVersion: '0.1.0',
  });
  const manifest = JSON.parse(init.find((f) => f.path === 'opkit.json')!.content);
  const controllersIndex = init.find((f) => f.path === 'src/controllers/index.ts')!.content;
  const api = createApiFiles(await readTemplates('api'), manifest, controllersIndex, {
    group: 'shop',
    version: 'v1',
    kind: 'Order',
    namespaced: true,
  });
  const byPath = new Map([...init, ...api].map((f) => [f.path, f]));
  await writeGeneratedFiles(project, [...byPath.values()], { overwrite: true });
  // A hand-written operator instead of the generated controller + manager (see the file comment).
  await writeFile(path.join(project, 'src/main.ts'), operatorSource('v1'));
  await writeFile(
    path.join(project, 'src/controllers/index.ts'),
    'export const controllers: unknown[] = [];\n',
  );
  await rm(path.join(project, 'src/controllers/order.ts'), { force: true });

  const modules = path.join(project, 'node_modules');
  await mkdir(path.join(modules, '@opkit'), { recursive: true });
  await mkdir(path.join(modules, '@types'), { recursive: true });
  for (const pkg of ['core', 'local-cluster', 'cli'])
    await symlink(path.join(repo, 'packages', pkg), path.join(modules, '@opkit', pkg), 'dir');
  await symlink(path.join(repo, 'node_modules/@kubernetes'), path.join(modules, '@kubernetes'), 'dir');
  await symlink(path.join(repo, 'node_modules/typescript'), path.join(modules, 'typescript'), 'dir');
  await symlink(path.join(repo, 'node_modules/@types/node'), path.join(modules, '@types/node'), 'dir');
  await mkdir(path.join(modules, '.bin'));
  await symlink('../typescript/bin/tsc', path.join(modules, '.bin/tsc'));
}, 240_000);

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('opkit run and dev on projects that are not ready', () => {
  it('names what is missing and how to fix it, exit 1, no stack trace', async () => {
    const out: string[] = [];
    const term = {
      info: (m: string) => out.push(m),
      progress: (m: string) => out.push(m),
      success: (m: string) => out.push(m),
      warn: (m: string) => out.push(m),
      fail: (m: string) => out.push(`error: ${m}`),
    };
    const empty = path.join(tmp, 'empty');
    await mkdir(empty);
    for (const command of ['dev', 'run']) {
      out.length = 0;
      expect(await main([command, empty], term)).toBe(1);
      expect(out.join('\n')).toMatch(
        /is not an opkit project: opkit\.json is missing\. Create a project with "opkit init <dir>"/,
      );
    }
    process.exitCode = undefined;
    expect(await main(['dev', '--grace-period', 'soon'], term)).toBe(2);
  });
});

describe('opkit run', () => {
  it('builds with npm run build, runs the operator on the local cluster, and stops on SIGINT', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.KUBECONFIG;
    const child = spawn(process.execPath, [cli, 'run', project, '--local', '--grace-period', '5'], {
      cwd: tmp,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = new Output(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await output.waitFor(/building shop-operator \(npm run build\)/);
      await output.waitFor(/starting the local cluster in this process/);
      await output.waitFor(/CustomResourceDefinition established/);
      await output.waitFor(/operator v\d started/);
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(path.join(project, '.opkit/kubeconfig'));
      const body = {
        apiVersion: 'shop.example.com/v1',
        kind: 'Order',
        metadata: { name: 'by-hand' },
        spec: { size: 2 },
      };
      await kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
        group: 'shop.example.com',
        version: 'v1',
        plural: 'orders',
        namespace: 'default',
        body,
      });
      await output.waitFor(/reconciled Order default\/by-hand/);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output.text).toMatch(/operator v\d stopping[\s\S]*operator stopped[\s\S]*local cluster stopped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});

describe('opkit dev', () => {
  it('installs, reconciles the sample, restarts on a source change and stops cleanly on SIGINT', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.KUBECONFIG;
    const child = spawn(process.execPath, [cli, 'dev', project, '--grace-period', '5'], {
      cwd: tmp,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = new Output(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await output.waitFor(/CustomResourceDefinition established/);
      await output.waitFor(/applied Order default\/order-sample/);
      await output.waitFor(/Order\/default\/order-sample added/);
      await output.waitFor(/reconciled Order default\/order-sample \(v1\)/);

      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(path.join(project, '.opkit/kubeconfig'));
      const order = (await kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
        group: 'shop.example.com',
        version: 'v1',
        plural: 'orders',
        namespace: 'default',
        name: 'order-sample',
      })) as { status?: { readyReplicas?: number } };
      expect(order.status?.readyReplicas).toBe(1);
      const port = Number(new URL(kubeConfig.getCurrentCluster()!.server).port);

      const mark = output.text.length;
      await writeFile(path.join(project, 'src/main.ts'), operatorSource('v2'));
      await output.waitFor(/rebuilding/, 45_000, mark);
      await output.waitFor(/operator v1 stopping/, 45_000, mark);
      await output.waitFor(/operator v2 started/, 45_000, mark);
      await output.waitFor(/operator: running \(pid \d+, 1 restart\)/, 45_000, mark);
      await output.waitFor(/reconciled Order default\/order-sample \(v2\)/, 45_000, mark);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output.text).toMatch(/local cluster stopped/);
      expect(output.text).not.toMatch(/at .*\.js:\d+/); // no stack trace
      expect(await portIsFree(port)).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
