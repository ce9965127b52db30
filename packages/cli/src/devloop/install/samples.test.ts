import { describe, it, expect } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readSampleObjects } from './index.js';

describe('readSampleObjects', () => {
  it('reads every document of every YAML file in name order, skipping kustomization.yaml', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'opkit-samples-'));
    try {
      await writeFile(
        path.join(dir, 'b.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: three}\n',
      );
      await writeFile(
        path.join(dir, 'a.yml'),
        'apiVersion: x.example.com/v1\nkind: Thing\nmetadata: {name: one}\n',
      );
      await writeFile(path.join(dir, 'kustomization.yaml'), 'resources: [a.yml]\n');
      await writeFile(path.join(dir, 'notes.txt'), 'ignored');
      expect(
        (await readSampleObjects(dir)).map((s) => `${path.basename(s.file)}:${s.object.metadata.name}`),
      ).toEqual(['a.yml:one', 'b.yaml:two', 'b.yaml:three']);
      await writeFile(path.join(dir, 'c.yaml'), 'kind: Thing\n');
      await expect(readSampleObjects(dir)).rejects.toThrow(
        /c\.yaml: every object needs apiVersion, kind and metadata\.name/,
      );
      expect(await readSampleObjects(path.join(dir, 'missing'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
