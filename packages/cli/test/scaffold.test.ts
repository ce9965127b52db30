import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { main } from '../src/index.js';
import { createApiFiles, initFiles, readTemplates, sourceDependencies } from '../src/generators/index.js';
import { createCommand } from '../src/commands/create/index.js';
import { initCommand } from '../src/commands/init/index.js';
import { expectGolden } from './golden.js';
import { recordingTerminal } from '../src/terminal/index.js';

const captureTerminal = recordingTerminal;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'opkit-cli-'));
  process.exitCode = undefined;
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
  process.exitCode = undefined;
});

describe('scaffold templates (golden)', () => {
  it('renders init and create api', async () => {
    const init = initFiles(await readTemplates('project'), {
      projectName: 'shop-operator',
      domain: 'example.com',
      opkitVersion: '0.1.0',
    });
    await expectGolden('init', init);
    const index = init.find((f) => f.path === 'src/controllers/index.ts')!.content;
    const manifest = JSON.parse(init.find((f) => f.path === 'opkit.json')!.content);
    await expectGolden(
      'create-api',
      createApiFiles(await readTemplates('api'), manifest, index, {
        group: 'shop',
        version: 'v1alpha1',
        kind: 'Order',
        namespaced: true,
      }),
    );
  });
});

describe('opkit init + create api', () => {
  it('creates a project, then an API wired into the manager', async () => {
    const term = captureTerminal();
    const dir = path.join(tmp, 'shop-operator');
    expect(await main(['init', dir, '--domain', 'example.com'], term)).toBe(0);
    const files = await listFiles(dir);
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'tsconfig.json',
        'jest.config.js',
        'Dockerfile',
        '.dockerignore',
        '.gitignore',
        'README.md',
        'opkit.json',
        'src/main.ts',
        'src/controllers/index.ts',
        'test/cluster.test.ts',
        'tsconfig.test.json',
        // config/ as `opkit generate manifests` writes it for a project without APIs yet
        'config/default/kustomization.yaml',
        'config/crd/kustomization.yaml',
        'config/manager/manager.yaml',
        'config/manager/metrics_service.yaml',
        'config/manager/namespace.yaml',
        'config/rbac/leader_election_role.yaml',
        'config/rbac/service_account.yaml',
      ]),
    );
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('shop-operator');
    // Run from this checkout (not an installed copy): file: references to its packages, relative to the project.
    const repo = path.resolve(import.meta.dirname, '../../..');
    const target = (spec: string): string => path.resolve(dir, spec.replace(/^file:/, ''));
    expect(target(pkg.dependencies['@opkit/core'])).toBe(path.join(repo, 'packages/core'));
    expect(target(pkg.devDependencies['@opkit/local-cluster'])).toBe(
      path.join(repo, 'packages/local-cluster'),
    );
    expect(target(pkg.devDependencies['@opkit/cli'])).toBe(path.join(repo, 'packages/cli'));
    expect(pkg.scripts.test).toBe(
      'tsc -p tsconfig.test.json && node --experimental-vm-modules node_modules/jest/bin/jest.js',
    );
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).toMatch(
      /FROM node:20-alpine AS build[\s\S]*USER 1000:1000/,
    );

    expect(
      await main(
        ['create', 'api', '--dir', dir, '--group', 'shop', '--version', 'v1', '--kind', 'Order'],
        term,
      ),
    ).toBe(0);
    const definition = await readFile(path.join(dir, 'src/api/shop/v1/order.ts'), 'utf8');
    expect(definition).toContain("group: 'shop.example.com'");
    expect(definition).toContain("scope: 'Namespaced'");
    const index = await readFile(path.join(dir, 'src/controllers/index.ts'), 'utf8');
    expect(index).toContain("import { orderController } from './order.js';");
    expect(index).toMatch(/orderController,\n\s*\/\/ opkit:controller-list/);
    const manifest = JSON.parse(await readFile(path.join(dir, 'opkit.json'), 'utf8'));
    expect(manifest.resources).toEqual([
      {
        group: 'shop.example.com',
        version: 'v1',
        kind: 'Order',
        plural: 'orders',
        namespaced: true,
        path: 'src/api/shop/v1/order.ts',
      },
    ]);

    expect(
      await main(
        [
          'create',
          'api',
          '--dir',
          dir,
          '--group',
          'shop',
          '--version',
          'v1',
          '--kind',
          'Policy',
          '--cluster',
        ],
        term,
      ),
    ).toBe(0);
    expect(await readFile(path.join(dir, 'src/controllers/policy.ts'), 'utf8')).toContain(
      '{ clusterScoped: true }',
    );
    expect(await readFile(path.join(dir, 'src/controllers/index.ts'), 'utf8')).toMatch(
      /orderController,\n\s*policyController,/,
    );
    expect(term.err).toEqual([]);
  });

  it('refuses a non-empty directory and writes nothing', async () => {
    await writeFile(path.join(tmp, 'keep.txt'), 'x');
    const term = captureTerminal();
    expect(await main(['init', tmp, '--domain', 'example.com'], term)).toBe(1);
    expect(term.err.join('\n')).toMatch(/is not empty/);
    expect(await listFiles(tmp)).toEqual(['keep.txt']);
  });

  it('chooses where @opkit packages come from with --opkit-version or --opkit-source', async () => {
    const term = captureTerminal();
    const published = path.join(tmp, 'published');
    expect(await main(['init', published, '--domain', 'example.com', '--opkit-version', '1.2.3'], term)).toBe(
      0,
    );
    const pkg = JSON.parse(await readFile(path.join(published, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual({ '@opkit/core': '^1.2.3' });
    expect(pkg.devDependencies['@opkit/cli']).toBe('^1.2.3');
    expect(pkg.devDependencies['@opkit/local-cluster']).toBe('^1.2.3');
    expect(term.out.join('\n')).toContain('@opkit packages from npm (^1.2.3)');

    const repo = path.resolve(import.meta.dirname, '../../..');
    const nested = path.join(tmp, 'a/b/linked');
    expect(await main(['init', nested, '--domain', 'example.com', '--opkit-source', repo], term)).toBe(0);
    const linked = JSON.parse(await readFile(path.join(nested, 'package.json'), 'utf8'));
    // Not beside the checkout: an absolute path.
    expect(linked.dependencies['@opkit/core']).toBe(`file:${path.join(repo, 'packages/core')}`);
    // Beside it (the guide's `npx opkit init ../my-operator`): relative.
    expect(sourceDependencies('/src/opkit', '/src/my-operator')['@opkit/core']).toBe(
      'file:../opkit/packages/core',
    );
    expect(sourceDependencies('/src/opkit', '/src/opkit/try/op')['@opkit/cli']).toBe(
      'file:../../packages/cli',
    );
    expect(term.err).toEqual([]);
  });

  it('rejects bad names with a clear message, exit 2 (usage), nothing written', async () => {
    const dir = path.join(tmp, 'p');
    const term = captureTerminal();
    expect(await main(['init', dir, '--domain', 'Not_A_Domain'], term)).toBe(2);
    expect(term.err[0]).toMatch(/domain "Not_A_Domain" must be a lower-case DNS name/);
    await expect(readdir(dir)).rejects.toThrow();

    expect(await main(['init', dir, '--domain', 'example.com'], term)).toBe(0);
    const before = await listFiles(dir);
    for (const [args, message] of [
      [['--kind', 'order'], /kind "order" must be PascalCase/],
      [['--kind', 'Order', '--version', 'v1.0'], /version "v1.0" must be a Kubernetes API version/],
      [['--kind', 'Order', '--version', 'V1'], /version "V1"/],
      [['--kind', 'Order', '--group', 'Shop_'], /group "Shop_"/],
    ] as const) {
      term.err.length = 0;
      const full = ['create', 'api', '--dir', dir, '--group', 'shop', '--version', 'v1', ...args];
      expect(await main(full, term)).toBe(2);
      expect(term.err.join('\n')).toMatch(message);
      expect(term.err.join('\n')).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(await listFiles(dir)).toEqual(before);
    // the same API twice
    expect(
      await main(
        ['create', 'api', '--dir', dir, '--group', 'shop', '--version', 'v1', '--kind', 'Order'],
        term,
      ),
    ).toBe(0);
    expect(
      await main(
        ['create', 'api', '--dir', dir, '--group', 'shop', '--version', 'v1', '--kind', 'Order'],
        term,
      ),
    ).toBe(1);
    expect(term.err.at(-1)).toMatch(/already exists/);
  });

  it('never prompts off a TTY: missing values are usage errors (exit 2)', async () => {
    const dir = path.join(tmp, 'p');
    const term = captureTerminal();
    // The commands as main() builds them when stdin/stdout are not terminals (prompter undefined).
    const run = async (args: string[]): Promise<number> => {
      const program = new Command('opkit').exitOverride();
      program.addCommand(initCommand(term, undefined));
      program.addCommand(createCommand(term, undefined));
      const override = (c: Command): void => {
        c.exitOverride();
        c.configureOutput({ writeErr: () => undefined });
        c.commands.forEach(override);
      };
      override(program);
      try {
        await program.parseAsync(args, { from: 'user' });
        return 0;
      } catch (err) {
        if (!(err instanceof CommanderError)) return 1;
        return err.exitCode === 0 ? 0 : 2; // as main() does
      }
    };
    expect(await run(['init', dir])).toBe(2);
    expect(term.err.join('\n')).toMatch(/--domain is required/);
    expect(await run(['init', dir, '--yes'])).toBe(0); // --yes takes the default domain
    expect(JSON.parse(await readFile(path.join(dir, 'opkit.json'), 'utf8')).domain).toBe('example.com');
    expect(await run(['create', 'api', '--dir', dir, '--version', 'v1'])).toBe(2);
    expect(term.err.join('\n')).toMatch(/--group is required/);
    expect(
      await run(['create', 'api', '--dir', dir, '--kind', 'A', '--group', 'g', '--namespaced', '--cluster']),
    ).toBe(2);
    expect(await run(['create', 'api', '--bogus'])).toBe(2);
  });

  it('asks on a TTY for what is missing', async () => {
    const dir = path.join(tmp, 'asked');
    const answers = new Map([
      ['Domain of your API groups', 'acme.io'],
      ['API group (completed with .acme.io)', 'shop'],
      ['Kind (PascalCase)', 'Cart'],
    ]);
    const asked: string[] = [];
    const prompter = {
      ask: async (q: string, o?: { defaultValue?: string }) => {
        asked.push(q);
        return answers.get(q) ?? o?.defaultValue ?? '';
      },
    };
    const term = captureTerminal();
    const program = new Command('opkit').exitOverride();
    program.addCommand(initCommand(term, prompter));
    program.addCommand(createCommand(term, prompter));
    await program.parseAsync(['init', dir], { from: 'user' });
    await program.parseAsync(['create', 'api', '--dir', dir], { from: 'user' });
    expect(asked).toEqual([
      'Domain of your API groups',
      'API group (completed with .acme.io)',
      'API version',
      'Kind (PascalCase)',
    ]);
    expect(await readFile(path.join(dir, 'src/api/shop/v1alpha1/cart.ts'), 'utf8')).toContain(
      "group: 'shop.acme.io'",
    );
  });

  it('shows help with examples on every command', async () => {
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (chunks.push(String(s)), true)) as typeof process.stdout.write;
    try {
      for (const args of [
        ['init'],
        ['create', 'api'],
        ['generate', 'crd'],
        ['generate', 'rbac'],
        ['generate', 'manifests'],
        ['generate', 'bundle'],
        ['bundle', 'validate'],
        ['cluster', 'status'],
      ]) {
        chunks.length = 0;
        expect(await main([...args, '--help'], captureTerminal())).toBe(0);
        expect(chunks.join('')).toContain('Examples:');
      }
    } finally {
      process.stdout.write = write;
    }
  });
});

describe('opkit cluster status -o', () => {
  it('prints the status as json or yaml, and exits 1 when no cluster runs', async () => {
    const term = captureTerminal();
    expect(await main(['cluster', 'status', '--state-dir', tmp, '-o', 'json'], term)).toBe(1);
    expect(JSON.parse(term.out.join('\n'))).toEqual({ running: false });
    process.exitCode = undefined;
    const state = { pid: process.pid, url: 'https://127.0.0.1:6443', kubeconfig: '/k', startedAt: 'now' };
    await writeFile(path.join(tmp, 'cluster.json'), JSON.stringify(state));
    term.out.length = 0;
    expect(await main(['cluster', 'status', '--state-dir', tmp, '-o', 'yaml'], term)).toBe(0);
    expect(term.out.join('\n')).toBe(
      `running: true\npid: ${process.pid}\nurl: https://127.0.0.1:6443\nkubeconfig: /k\nstartedAt: now`,
    );
  });
});

describe('opkit generate + bundle validate on a built project', () => {
  it('loads compiled definitions and rbac exports', async () => {
    const term = captureTerminal();
    const dir = path.join(tmp, 'op');
    expect(await main(['init', dir, '--domain', 'example.com'], term)).toBe(0);
    // What `npm run build` would leave in dist/ (the definition object duck-types defineCustomResource's result).
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'orders.shop.example.com' },
      spec: {
        group: 'shop.example.com',
        names: { kind: 'Order', listKind: 'OrderList', plural: 'orders', singular: 'order' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', description: 'An order.' } },
          },
        ],
      },
    };
    await mkdir(path.join(dir, 'dist/api/shop/v1'), { recursive: true });
    await mkdir(path.join(dir, 'dist/controllers'), { recursive: true });
    await writeFile(
      path.join(dir, 'dist/api/shop/v1/order.js'),
      `export const OrderKind = { kind: 'Order', group: 'shop.example.com', crdName: 'orders.shop.example.com', toCRD: () => (${JSON.stringify(crd)}) };\n`,
    );
    await writeFile(
      path.join(dir, 'dist/controllers/order.js'),
      `export const rbac = { for: { group: 'shop.example.com', version: 'v1', kind: 'Order' }, owns: [{ group: 'apps', version: 'v1', kind: 'Deployment' }] };\n`,
    );
    expect(await main(['generate', 'manifests', '--dir', dir], term)).toBe(0);
    expect(await readFile(path.join(dir, 'config/crd/bases/shop.example.com_orders.yaml'), 'utf8')).toContain(
      'name: orders.shop.example.com',
    );
    expect(await readFile(path.join(dir, 'config/rbac/role.yaml'), 'utf8')).toContain('orders/finalizers');
    expect(await main(['generate', 'bundle', '--dir', dir], term)).toBe(0);
    expect(await main(['bundle', 'validate', path.join(dir, 'bundle')], term)).toBe(0);
    expect(term.err).toEqual([]);

    // -o yaml|json prints the objects (no kustomizations) and writes nothing.
    await rm(path.join(dir, 'config'), { recursive: true });
    const printed = captureTerminal();
    expect(await main(['generate', 'manifests', '--dir', dir, '-o', 'json'], printed)).toBe(0);
    expect(printed.out).toHaveLength(1);
    const list = JSON.parse(printed.out[0]!);
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(list.items.map((o: { kind: string }) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'Namespace',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    printed.out.length = 0;
    expect(await main(['generate', 'crd', '--dir', dir, '--output', 'yaml'], printed)).toBe(0);
    expect(printed.out.join('\n')).toMatch(
      /^apiVersion: apiextensions\.k8s\.io\/v1\nkind: CustomResourceDefinition\n/,
    );
    expect(printed.out.join('\n')).not.toContain('Kustomization');
    printed.out.length = 0;
    expect(await main(['generate', 'bundle', '--dir', dir, '-o', 'yaml'], printed)).toBe(0);
    expect(printed.out.join('\n')).toContain('kind: ClusterServiceVersion');
    printed.out.length = 0;
    expect(await main(['generate', 'rbac', '--dir', dir, '-o', 'yaml'], printed)).toBe(0);
    expect(printed.out.join('\n').split('\n---\n')).toHaveLength(5);
    expect(printed.err).toEqual([]);
    await expect(readdir(path.join(dir, 'config'))).rejects.toThrow();
    expect(await main(['generate', 'crd', '--dir', dir, '-o', 'table'], printed)).toBe(2);

    await writeFile(path.join(dir, 'bundle/metadata/annotations.yaml'), 'annotations: {}\n');
    expect(await main(['bundle', 'validate', path.join(dir, 'bundle')], term)).toBe(1);
    expect(term.err.join('\n')).toMatch(/mediatype\.v1" is missing/);
  });

  it('says to build first when dist/ is missing', async () => {
    const term = captureTerminal();
    const dir = path.join(tmp, 'op');
    await main(['init', dir, '--domain', 'example.com'], term);
    await main(
      ['create', 'api', '--dir', dir, '--group', 'shop', '--version', 'v1', '--kind', 'Order'],
      term,
    );
    expect(await main(['generate', 'crd', '--dir', dir], term)).toBe(1);
    expect(term.err.at(-1)).toMatch(/npm run build/);
    expect(await main(['generate', 'crd', '--dir', tmp], term)).toBe(1);
    expect(term.err.at(-1)).toMatch(/no opkit.json/);
  });
});
