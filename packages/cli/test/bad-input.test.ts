/**
 * Bad input to the generators: each a clear one-line-per-problem error and nothing written — the
 * target directory stays byte-identical. A bad flag value is a usage error (exit 2); a refusal
 * because of what is on disk (a non-empty directory, a schema that is not structural) is exit 1.
 */
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/index.js';
import {
  bundleFiles,
  crdFiles,
  UserInputError,
  type CustomResourceDefinitionDocument,
} from '../src/generators/index.js';
import { project as etcdProject } from './fixtures.js';
import { recordingTerminal } from '../src/terminal/index.js';

const captureTerminal = recordingTerminal;

/** Every file (dot-files too) under `dir` with its bytes, and every directory, so any change shows. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: Record<string, string> = {};
  for (const e of entries) {
    const rel = path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/');
    out[rel] = e.isDirectory() ? '<dir>' : (await readFile(path.join(dir, rel))).toString('base64');
  }
  return out;
}

/** Runs the CLI and expects exit `code` (1 unless told) with `message`, no stack trace, and `dir` unchanged. */
async function expectRefused(args: string[], message: RegExp, dir: string, code = 1): Promise<void> {
  const before = await snapshot(dir);
  const term = captureTerminal();
  expect(await main(args, term)).toBe(code);
  const err = term.err.join('\n');
  expect(err).toMatch(message);
  expect(err).not.toMatch(/\n\s+at /);
  expect(await snapshot(dir)).toEqual(before);
}

/** A CRD as a definition's `toCRD()` returns it; `schema` is the openAPIV3Schema. */
function orderCrd(schema: Record<string, unknown>): CustomResourceDefinitionDocument {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'orders.shop.example.com' },
    spec: {
      group: 'shop.example.com',
      names: { kind: 'Order', listKind: 'OrderList', plural: 'orders', singular: 'order' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }],
    },
  };
}

// `spec` has properties but no type: not structural (apiextensions-apiserver pkg/apiserver/schema validation.go).
const nonStructural = { type: 'object', properties: { spec: { properties: { size: { type: 'integer' } } } } };

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'opkit-bad-input-'));
  process.exitCode = undefined;
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
  process.exitCode = undefined;
});

describe('opkit init into a directory that is not empty', () => {
  it('refuses, and leaves every file (dot-files and sub-directories too) as it was', async () => {
    const dir = path.join(tmp, 'existing');
    await mkdir(path.join(dir, 'sub'), { recursive: true });
    await writeFile(path.join(dir, '.env'), 'SECRET=1\n');
    await writeFile(path.join(dir, 'package.json'), '{"name":"mine"}\n');
    await writeFile(path.join(dir, 'sub/notes.md'), '# notes\n');
    await expectRefused(
      ['init', dir, '--domain', 'example.com'],
      /existing is not empty: opkit init needs a new or empty directory/,
      tmp,
    );
    // A directory holding only a dot-file is not empty either.
    const dotOnly = path.join(tmp, 'dot-only');
    await mkdir(dotOnly);
    await writeFile(path.join(dotOnly, '.gitignore'), 'dist/\n');
    await expectRefused(['init', dotOnly, '--domain', 'example.com', '--yes'], /is not empty/, tmp);
    // A file where the directory should be.
    await writeFile(path.join(tmp, 'a-file'), 'x');
    await expectRefused(
      ['init', path.join(tmp, 'a-file'), '--domain', 'example.com'],
      /is a file, not a directory/,
      tmp,
    );
  });
});

describe('opkit create api with bad names', () => {
  let dir: string;
  beforeEach(async () => {
    dir = path.join(tmp, 'shop-operator');
    expect(await main(['init', dir, '--domain', 'example.com'], captureTerminal())).toBe(0);
  });

  it('refuses a kind that is not PascalCase', async () => {
    for (const kind of ['order', 'my-order', 'Order-1', 'Order_Item', '1Order', 'Ördér', 'Order Item']) {
      await expectRefused(
        ['create', 'api', '--dir', dir, '--group', 'shop', '--version', 'v1', '--kind', kind],
        /must be PascalCase letters and digits, e\.g\. Memcached/,
        dir,
        2,
      );
    }
    await expectRefused(
      ['create', 'api', '--dir', dir, '--group', 'shop', '--version', 'v1', '--kind', `A${'b'.repeat(63)}`],
      /longer than 63 characters/,
      dir,
      2,
    );
  });

  it('refuses a version that is not a Kubernetes API version', async () => {
    for (const version of [
      '1',
      'V1',
      'v0',
      'v1.0',
      'v1alpha',
      'v1alpha0',
      'v1Beta1',
      'v1gamma1',
      'v01',
      'latest',
      'v1-alpha1',
    ]) {
      await expectRefused(
        ['create', 'api', '--dir', dir, '--group', 'shop', '--version', version, '--kind', 'Order'],
        new RegExp(`version "${version}" must be a Kubernetes API version such as v1, v1alpha1 or v2beta3`),
        dir,
        2,
      );
    }
  });

  it('names every problem at once', async () => {
    await expectRefused(
      ['create', 'api', '--dir', dir, '--group', 'Shop', '--version', 'v1.0', '--kind', 'order'],
      /kind "order"[\s\S]*version "v1\.0"[\s\S]*group "Shop"/,
      dir,
      2,
    );
  });

  it('refuses a bad --plural as a usage error too', async () => {
    await expectRefused(
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
        'Goose',
        '--plural',
        'Geese',
      ],
      /plural "Geese" must be a lower-case DNS label/,
      dir,
      2,
    );
  });
});

describe('opkit init with bad flag values', () => {
  it('exits 2 and writes nothing', async () => {
    const dir = path.join(tmp, 'new-op');
    await expectRefused(['init', dir, '--domain', 'Example_Com'], /domain "Example_Com" must be/, tmp, 2);
    await expectRefused(
      ['init', dir, '--domain', 'example.com', '--project-name', 'My Op'],
      /project name "My Op" must be a lower-case DNS label/,
      tmp,
      2,
    );
    await expectRefused(
      ['init', dir, '--domain', 'example.com', '--opkit-version', 'latest'],
      /--opkit-version: version "latest" must be semver/,
      tmp,
      2,
    );
    await expectRefused(
      ['init', dir, '--domain', 'example.com', '--opkit-source', tmp],
      /--opkit-source: .* is not an opkit source checkout/,
      tmp,
      2,
    );
    await expectRefused(
      ['init', dir, '--domain', 'example.com', '--opkit-source', '.', '--opkit-version', '0.1.0'],
      /choose one of --opkit-source and --opkit-version/,
      tmp,
      2,
    );
    // commander's own check of a choice (it prints to stderr itself).
    const before = await snapshot(tmp);
    expect(await main(['init', dir, '--watch', 'everywhere'], captureTerminal())).toBe(2);
    expect(await snapshot(tmp)).toEqual(before);
  });
});

describe('a definition whose schema is not structural', () => {
  it("is refused by the CRD and bundle generators with the API server's reason", () => {
    const refusal = (make: () => unknown): string => {
      try {
        make();
      } catch (err) {
        expect(err).toBeInstanceOf(UserInputError);
        return (err as Error).message;
      }
      throw new Error('expected a refusal');
    };
    const crd = orderCrd(nonStructural);
    expect(refusal(() => crdFiles([crd]))).toBe(
      'the CRD orders.shop.example.com would be refused by the API server:\n  spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
    );
    expect(refusal(() => bundleFiles(etcdProject, [crd], []))).toMatch(/would be refused by the API server/);
    expect(
      refusal(() =>
        crdFiles([
          orderCrd({
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { a: { type: 'string' } },
                additionalProperties: { type: 'string' },
              },
            },
          }),
        ]),
      ),
    ).toMatch(/additionalProperties/);
  });

  it('makes opkit generate crd, manifests and bundle fail and write nothing', async () => {
    const dir = path.join(tmp, 'shop-operator');
    expect(await main(['init', dir, '--domain', 'example.com'], captureTerminal())).toBe(0);
    // What `npm run build` leaves in dist/ for a definition with a hand-written schema.
    await mkdir(path.join(dir, 'dist/api/shop/v1'), { recursive: true });
    await writeFile(
      path.join(dir, 'dist/api/shop/v1/order.js'),
      `export const OrderKind = { kind: 'Order', group: 'shop.example.com', crdName: 'orders.shop.example.com', toCRD: () => (${JSON.stringify(orderCrd(nonStructural))}) };\n`,
    );
    for (const command of ['crd', 'manifests', 'bundle']) {
      await expectRefused(
        ['generate', command, '--dir', dir],
        /orders\.shop\.example\.com would be refused by the API server:\n\s+spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.type: Required value/,
        dir,
      );
    }
  });
});
