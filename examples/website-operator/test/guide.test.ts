/**
 * docs/guide-first-operator.md shows code from this example: every ```ts block follows a line naming
 * its file (`examples/website-operator/...`:), and must appear in that file verbatim, so the guide
 * cannot drift from the code the other tests run.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const guide = readFileSync(`${root}docs/guide-first-operator.md`, 'utf8');

/** The guide's TypeScript blocks with the file named just before each. */
function blocks(): { file: string | undefined; code: string }[] {
  const found: { file: string | undefined; code: string }[] = [];
  const pattern = /(?:`([^`\n]+)`:\s*\n\s*\n)?```ts\n([\s\S]*?)\n```/g;
  for (let m = pattern.exec(guide); m; m = pattern.exec(guide)) found.push({ file: m[1], code: m[2]! });
  return found;
}

describe('docs/guide-first-operator.md', () => {
  it('has code blocks, each naming its file in examples/website-operator', () => {
    const all = blocks();
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const b of all) expect(b.file).toMatch(/^examples\/website-operator\//);
  });

  it.each(blocks().map((b) => [b.file ?? '(no file)', b.code] as const))(
    'shows %s verbatim',
    (file, code) => {
      const source = readFileSync(`${root}${file}`, 'utf8');
      expect(source).toContain(code);
    },
  );
});
