import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { main, type Terminal } from '../src/index.js';
import { createApiFiles, initFiles, readTemplates } from '../src/generators/index.js';
import { createCommand } from '../src/commands/create/index.js';
import { initCommand } from '../src/commands/init/index.js';
import { expectGolden } from './golden.js';

interface Captured extends Terminal {
  out: string[];
  err: string[];
}

function captureTerminal(): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    info: (m) => out.push(m),
    progress: (m) => out.push(m),
    success: (m) => out.push(m),
    warn: (m) => err.push(m),
    fail: (m) => err.push(m),
  };
}

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
      ]),
    );
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('shop-operator');
    expect(pkg.dependencies['@opkit/core']).toBe('^0.1.0');
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

  it('rejects bad names with a clear message, exit 1, nothing written', async () => {
    const dir = path.join(tmp, 'p');
    const term = captureTerminal();
    expect(await main(['init', dir, '--domain', 'Not_A_Domain'], term)).toBe(1);
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
      expect(await main(full, term)).toBe(1);
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
