/**
 * A new user's path, end to end, with the commands docs/getting-started.md shows: `opkit init`,
 * `opkit create api`, build, the project's own `npm test`, `opkit generate crd|rbac|manifests|bundle`,
 * `opkit bundle validate`; then the generated manifests applied to a local cluster with kubectl
 * (server-side apply and --dry-run=server), and the generated operator run under its own
 * ServiceAccount while the cluster records every request it makes, to check the generated RBAC
 * against what the operator really does.
 *
 * Deviation from the guide: instead of `npm install` (which needs the registry), the project's
 * node_modules is a symlink to the workspace's, where @opkit/* link to packages/* (built to dist).
 * kubectl missing: the kubectl step is skipped with a printed reason (it fails with CI=true) and the
 * manifests are created with @kubernetes/client-node instead, so the RBAC check still runs.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { LocalCluster, renderKubeconfig, type RequestAttributes, type UserInfo } from '@opkit/local-cluster';
import { deriveRbacRules, type ControllerRbacDeclaration, type PolicyRule } from '../src/generators/index.js';
import { compareRbac, formatRbacComparison, type BoundRules, type RecordedRequest } from './rbac-coverage.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cliBin = path.join(repo, 'packages/cli/dist/bin/opkit.js');
const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
const kubectl = process.env.KUBECTL ?? 'kubectl';
const kubectlAvailable = spawnSync(kubectl, ['version', '--client'], { stdio: 'ignore' }).status === 0;

const projectName = 'shop-operator';
const namespace = `${projectName}-system`;
const serviceAccount = `${projectName}-controller-manager`;
const operatorUser = `system:serviceaccount:${namespace}:${serviceAccount}`;
const crdName = 'orders.shop.example.com';
const samplePath = 'config/samples/shop.example.com_v1alpha1_order.yaml';

interface Finished {
  code: number | null;
  output: string;
}

/** Runs a program to its end (asynchronously: the local cluster serves from this process meanwhile). */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function succeed(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0)
    throw new Error(
      `${path.basename(command)} ${args.join(' ')} exited with ${result.code}:\n${result.output}`,
    );
  return result.output;
}

let tmp: string;
let project: string;
/** `opkit ARGS` run in the project directory, as the guide does. */
const opkit = (...args: string[]): Promise<string> =>
  succeed(process.execPath, [cliBin, ...args], { cwd: project });

beforeAll(async () => {
  // The CLI runs from dist, and the project imports @opkit/* from their dist: build them (incremental).
  const build = await run(
    process.execPath,
    [tsc, '-b', 'packages/core', 'packages/local-cluster', 'packages/cli'],
    { cwd: repo, timeoutMs: 120_000 },
  );
  if (!existsSync(cliBin)) throw new Error(`cannot build the CLI:\n${build.output}`);
  tmp = await mkdtemp(path.join(tmpdir(), 'opkit-new-user-'));
  project = path.join(tmp, projectName);
}, 150_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("a new user's path: init, create api, test, generate, deploy", () => {
  it('scaffolds a project and an API with opkit init and opkit create api', async () => {
    await succeed(process.execPath, [cliBin, 'init', projectName, '--domain', 'example.com'], { cwd: tmp });
    const created = await opkit(
      'create',
      'api',
      '--group',
      'shop',
      '--version',
      'v1alpha1',
      '--kind',
      'Order',
    );
    expect(created).toContain('src/controllers/order.ts');
    // Run from this checkout, init makes the project depend on its packages (what npm install links).
    const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8'));
    expect(path.resolve(project, pkg.dependencies['@opkit/core'].replace(/^file:/, ''))).toBe(
      path.join(repo, 'packages/core'),
    );
    // The guide's step 3: a required spec field, and the sample and the test updated with it.
    const definition = path.join(project, 'src/api/shop/v1alpha1/order.ts');
    await writeFile(
      definition,
      (await readFile(definition, 'utf8')).replace(
        "description: 'How many instances to run.' }),\n",
        "description: 'How many instances to run.' }),\n    item: Type.String({ description: 'What was ordered.' }),\n",
      ),
    );
    const sample = path.join(project, samplePath);
    await writeFile(sample, `${await readFile(sample, 'utf8')}  item: coffee\n`);
    const test = path.join(project, 'test/order.test.ts');
    await writeFile(
      test,
      (await readFile(test, 'utf8')).replace('spec: { size: 2 }', "spec: { size: 2, item: 'coffee' }"),
    );
    expect(await readFile(definition, 'utf8')).toContain('item: Type.String');
    expect(await readFile(test, 'utf8')).toContain("item: 'coffee'");
    // Instead of npm install (see the file comment).
    await symlink(path.join(repo, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  }, 30_000);

  it('builds, and passes its own tests with npm test', async () => {
    await succeed('npm', ['run', 'build'], { cwd: project, timeoutMs: 60_000 });
    expect(existsSync(path.join(project, 'dist/main.js'))).toBe(true);
    const tested = await succeed('npm', ['test'], {
      cwd: project,
      env: { ...process.env, CI: 'true' },
      timeoutMs: 60_000,
    });
    expect(tested).toMatch(/Tests:\s+2 passed, 2 total/);
  }, 90_000);

  it('generates CRDs, RBAC, manifests and a bundle that validates', async () => {
    expect(await opkit('generate', 'crd')).toContain('config/crd/bases/shop.example.com_orders.yaml');
    expect(await opkit('generate', 'rbac')).toContain('config/rbac/role.yaml');
    expect(await opkit('generate', 'manifests')).toContain('config/default/kustomization.yaml');
    expect(await opkit('generate', 'bundle')).toContain(
      `bundle/manifests/${projectName}.clusterserviceversion.yaml`,
    );
    expect(await opkit('bundle', 'validate')).toMatch(/bundle is a valid bundle/);
  }, 30_000);

  describe('on a local cluster', () => {
    let cluster: LocalCluster;
    let kubeConfig: KubeConfig;
    let adminKubeconfig: string;
    const operatorRequests: RecordedRequest[] = [];

    beforeAll(async () => {
      cluster = await LocalCluster.start({
        // No simulated nodes: the manager Deployment's pods need not run (the operator runs below, as a process).
        nodes: false,
        authorize: (user: UserInfo, a: RequestAttributes) => {
          if (user.username === operatorUser && a.resourceRequest) {
            operatorRequests.push({
              verb: a.verb,
              apiGroup: a.apiGroup ?? '',
              resource: a.resource ?? '',
              subresource: a.subresource || undefined,
              namespace: a.namespace || undefined,
              name: a.name || undefined,
            });
          }
          return true;
        },
      });
      adminKubeconfig = path.join(tmp, 'admin.kubeconfig');
      await cluster.writeKubeconfig(adminKubeconfig);
      kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(cluster.kubeconfig);
    }, 30_000);

    afterAll(async () => {
      await cluster?.stop();
    });

    const kubectlRun = (...args: string[]): Promise<string> =>
      succeed(kubectl, ['--kubeconfig', adminKubeconfig, ...args], {
        cwd: project,
        env: { ...process.env, HOME: tmp },
        timeoutMs: 30_000,
      });

    it('applies the CRDs and manifests with kubectl apply --server-side, and --dry-run=server', async () => {
      if (!kubectlAvailable) {
        if (process.env.CI === 'true') throw new Error(`kubectl (${kubectl}) is required with CI=true`);
        process.stdout.write(
          `skipping the kubectl checks: "${kubectl}" was not found; creating the manifests with @kubernetes/client-node\n`,
        );
        await createWithoutKubectl(kubeConfig, project);
        return;
      }
      // A server-side dry run writes nothing.
      expect(
        await kubectlRun('apply', '--server-side', '--dry-run=server', '-f', 'config/crd/bases'),
      ).toContain(
        `customresourcedefinition.apiextensions.k8s.io/${crdName} serverside-applied (server dry run)`,
      );
      const missing = await run(kubectl, ['--kubeconfig', adminKubeconfig, 'get', 'crd', crdName], {
        cwd: project,
        env: { ...process.env, HOME: tmp },
      });
      expect(missing.code).not.toBe(0);
      expect(missing.output).toMatch(/NotFound|not found/);

      const applied = await kubectlRun('apply', '--server-side', '-k', 'config/default');
      for (const object of [
        `namespace/${namespace}`,
        `customresourcedefinition.apiextensions.k8s.io/${crdName}`,
        `serviceaccount/${serviceAccount}`,
        `clusterrole.rbac.authorization.k8s.io/${projectName}-manager-role`,
        `clusterrolebinding.rbac.authorization.k8s.io/${projectName}-manager-rolebinding`,
        `role.rbac.authorization.k8s.io/${projectName}-leader-election-role`,
        `rolebinding.rbac.authorization.k8s.io/${projectName}-leader-election-rolebinding`,
        `deployment.apps/${projectName}-controller-manager`,
        `service/${projectName}-controller-manager-metrics-service`,
      ]) {
        expect(applied).toContain(`${object} serverside-applied`);
      }
      await kubectlRun('wait', '--for=condition=Established', `crd/${crdName}`, '--timeout=30s');
      // Applying the same manifests again, as a dry run, is accepted and changes nothing.
      expect(
        await kubectlRun('apply', '--server-side', '--dry-run=server', '-k', 'config/default'),
      ).toContain(`deployment.apps/${projectName}-controller-manager serverside-applied (server dry run)`);
      // The oldest and newest supported kubectl, where installed beside this one (kubectl.1.27 ... kubectl.1.33).
      for (const other of otherKubectls()) {
        const dryRun = await succeed(
          other,
          [
            '--kubeconfig',
            adminKubeconfig,
            'apply',
            '--server-side',
            '--dry-run=server',
            '-k',
            'config/default',
          ],
          { cwd: project, env: { ...process.env, HOME: tmp }, timeoutMs: 30_000 },
        );
        expect(dryRun).toContain(
          `clusterrole.rbac.authorization.k8s.io/${projectName}-manager-role serverside-applied (server dry run)`,
        );
      }
      expect(
        await kubectlRun('apply', '--server-side', '--dry-run=server', '-n', 'default', '-f', samplePath),
      ).toContain('order.shop.example.com/order-sample serverside-applied (server dry run)');
      expect(await kubectlRun('apply', '--server-side', '-n', 'default', '-f', samplePath)).toContain(
        'order.shop.example.com/order-sample serverside-applied',
      );
    }, 60_000);

    it('the generated RBAC covers exactly what the operator does', async () => {
      if (!kubectlAvailable) {
        await kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
          group: 'shop.example.com',
          version: 'v1alpha1',
          namespace: 'default',
          plural: 'orders',
          body: parseAllDocuments(await readFile(path.join(project, samplePath), 'utf8'))[0]!.toJS(),
        });
      }
      // The operator gets its own ServiceAccount's token, so the requests it makes can be told apart.
      const tokenRequest = await kubeConfig.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
        name: serviceAccount,
        namespace,
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      });
      const operatorKubeconfig = path.join(tmp, 'operator.kubeconfig');
      await writeFile(
        operatorKubeconfig,
        renderKubeconfig({ server: cluster.url, token: tokenRequest.status!.token, caCert: cluster.caCert }),
        { mode: 0o600 },
      );

      // The generated operator, with the flags and environment config/manager/manager.yaml gives it.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        KUBECONFIG: operatorKubeconfig,
        POD_NAMESPACE: namespace,
        NO_COLOR: '1',
      };
      const operator = spawn(
        process.execPath,
        [
          'dist/main.js',
          '--leader-elect',
          '--metrics-bind-address=127.0.0.1:0',
          '--health-probe-bind-address=127.0.0.1:0',
        ],
        {
          cwd: project,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      operator.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
      operator.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => operator.on('exit', (code) => resolve(code)));
      try {
        await waitFor(
          () => /reconciling Order/.test(output),
          30_000,
          () => `the operator did not reconcile the sample; its output:\n${output}`,
        );
        operator.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        if (operator.exitCode === null) operator.kill('SIGKILL');
      }

      const bound = await boundRules(project);
      const comparison = compareRbac(bound, operatorRequests);
      process.stdout.write(`${formatRbacComparison(comparison)}\n`);
      // Every request the operator made is allowed by the generated rules...
      expect(comparison.denied).toEqual([]);
      // ...it read its primary kind through the cache (list + watch) and took the lease...
      const used = (role: string, group: string, resource: string, verb: string): number =>
        comparison.grants.find(
          (g) => g.role.endsWith(role) && g.apiGroup === group && g.resource === resource && g.verb === verb,
        )?.uses ?? 0;
      expect(used('manager-role', 'shop.example.com', 'orders', 'list')).toBeGreaterThan(0);
      expect(used('manager-role', 'shop.example.com', 'orders', 'watch')).toBeGreaterThan(0);
      expect(
        used('leader-election-role', 'coordination.k8s.io', 'leases', 'get') +
          used('leader-election-role', 'coordination.k8s.io', 'leases', 'create'),
      ).toBeGreaterThan(0);
      // ...and the manager role grants nothing beyond what the controller declares in its `rbac` export
      // (what stays unused — e.g. update, status and finalizers — is what a reconciler may use once edited).
      const declarations = await loadRbacExports(project);
      const manager = bound.find((b) => b.role.endsWith('manager-role'))!;
      expect(manager.rules).toEqual(
        deriveRbacRules(declarations, new Map([['shop.example.com/Order', 'orders']])),
      );
    }, 60_000);
  });
});

/** kubectl.1.27 and kubectl.1.33 from the directory of the real kubectl binary, those that exist. */
function otherKubectls(): string[] {
  const which = spawnSync('sh', ['-c', `readlink -f "$(command -v ${kubectl})"`], { encoding: 'utf8' });
  const dir = path.dirname(which.stdout.trim());
  return ['kubectl.1.27', 'kubectl.1.33']
    .map((name) => path.join(dir, name))
    .filter((file) => which.status === 0 && existsSync(file));
}

async function waitFor(condition: () => boolean, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function readYamlObjects(file: string): Promise<KubernetesObject[]> {
  return parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() as KubernetesObject);
}

/** The rules bound to the operator's ServiceAccount by the generated bindings. */
async function boundRules(root: string): Promise<BoundRules[]> {
  const objects = [
    ...(await readYamlObjects(path.join(root, 'config/rbac/role.yaml'))),
    ...(await readYamlObjects(path.join(root, 'config/rbac/leader_election_role.yaml'))),
  ] as (KubernetesObject & { rules: PolicyRule[] })[];
  const bindings = [
    ...(await readYamlObjects(path.join(root, 'config/rbac/role_binding.yaml'))),
    ...(await readYamlObjects(path.join(root, 'config/rbac/leader_election_role_binding.yaml'))),
  ] as (KubernetesObject & {
    roleRef: { kind: string; name: string };
    subjects: { kind: string; name: string; namespace?: string }[];
  })[];
  const bound: BoundRules[] = [];
  for (const binding of bindings) {
    if (
      !binding.subjects.some(
        (s) => s.kind === 'ServiceAccount' && s.name === serviceAccount && s.namespace === namespace,
      )
    )
      continue;
    const role = objects.find(
      (o) => o.kind === binding.roleRef.kind && o.metadata?.name === binding.roleRef.name,
    );
    if (!role)
      throw new Error(
        `${binding.kind} ${binding.metadata?.name} refers to ${binding.roleRef.kind} ${binding.roleRef.name}, which is not generated`,
      );
    // A RoleBinding grants only in its namespace, even when it refers to a ClusterRole.
    bound.push({
      role: role.metadata!.name!,
      namespace: binding.kind === 'RoleBinding' ? binding.metadata?.namespace : undefined,
      rules: role.rules,
    });
  }
  return bound;
}

/**
 * The `rbac` exports of the compiled controllers, as `opkit generate rbac` reads them — imported by a
 * separate node process, since this one (jest) would map @opkit/core to its TypeScript sources.
 */
async function loadRbacExports(root: string): Promise<ControllerRbacDeclaration[]> {
  const script = `
    import { readdirSync } from 'node:fs';
    const out = [];
    for (const f of readdirSync('dist/controllers').filter((f) => f.endsWith('.js')).sort()) {
      const m = await import('./dist/controllers/' + f);
      if (m.rbac) out.push(...[m.rbac].flat());
    }
    process.stdout.write(JSON.stringify(out));`;
  return JSON.parse(
    await succeed(process.execPath, ['--input-type=module', '-e', script], { cwd: root }),
  ) as ControllerRbacDeclaration[];
}

/** Without kubectl: the objects of config/ created through the API (as `kubectl apply -k config/default` would). */
async function createWithoutKubectl(kubeConfig: KubeConfig, root: string): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const files = [
    'manager/namespace.yaml',
    ...(await readdir(path.join(root, 'config/crd/bases'))).map((f) => `crd/bases/${f}`),
  ];
  files.push(
    ...[
      'service_account',
      'role',
      'role_binding',
      'leader_election_role',
      'leader_election_role_binding',
    ].map((f) => `rbac/${f}.yaml`),
  );
  for (const file of files)
    for (const object of await readYamlObjects(path.join(root, 'config', file))) await api.create(object);
  // Give the CRD a moment to be served (the local cluster establishes it at once).
  await new Promise((resolve) => setTimeout(resolve, 200));
}
