import { describe, it, expect } from '@jest/globals';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadCustomResourceDefinitions, loadRbacDeclarations } from './project-loader.js';
import { parseProjectManifest } from './project.js';

const manifest = parseProjectManifest(
  JSON.stringify({
    layout: 'opkit.dev/v1',
    projectName: 'p',
    domain: 'example.com',
    image: 'p:0.1.0',
    namespace: 'p-system',
    version: '0.1.0',
    outDir: 'dist',
    resources: [{ group: 'a.example.com', version: 'v1', kind: 'Foo', plural: 'foos', namespaced: true }],
  }),
  'opkit.json',
);

const definitionModule = `
const crd = (description) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'foos.a.example.com' },
  spec: { group: 'a.example.com', names: { kind: 'Foo', plural: 'foos' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', description } } }] } });
export const FooKind = { kind: 'Foo', crdName: 'foos.a.example.com', toCRD: () => crd('a Foo') };
export const FooAgain = { kind: 'Foo', crdName: 'foos.a.example.com', toCRD: () => crd('a Foo') };
export const rbac = { for: { group: 'a.example.com', version: 'v1', kind: 'Foo' } };
`;

async function project(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'opkit-loader-'));
  await writeFile(path.join(root, 'package.json'), '{"type":"module"}');
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

describe('loading compiled definitions', () => {
  it('counts a definition re-exported by index.js (and an identical one) once', async () => {
    const root = await project({
      'dist/api/foo.js': definitionModule,
      'dist/api/index.js': "export * from './foo.js';",
      'dist/controllers/rbac.js': definitionModule,
      'dist/controllers/index.js': "export { rbac } from './rbac.js';",
    });
    try {
      const crds = await loadCustomResourceDefinitions(root, manifest);
      expect(crds.map((c) => c.metadata.name)).toEqual(['foos.a.example.com']);
      expect(await loadRbacDeclarations(root, manifest)).toHaveLength(1);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('keeps two different CRDs of one name (crdFiles refuses them)', async () => {
    const root = await project({
      'dist/api/foo.js': definitionModule,
      'dist/api/other.js': definitionModule.replace(/a Foo/g, 'another Foo'),
    });
    try {
      expect(await loadCustomResourceDefinitions(root, manifest)).toHaveLength(2);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
