import { describe, expect, it } from '@jest/globals';
import { JsonLineDecoder, decodeJsonLines } from './json-lines.js';

describe('JsonLineDecoder', () => {
  it('parses lines split anywhere across chunks, including inside multi-byte characters', () => {
    const text = '{"type":"ADDED","object":{"v":"é€😀"}}\n\n{"type":"BOOKMARK"}\n{"n":3}';
    const bytes = Buffer.from(text);
    for (let size = 1; size <= 7; size++) {
      const d = new JsonLineDecoder();
      const out: unknown[] = [];
      for (let i = 0; i < bytes.length; i += size) out.push(...d.push(bytes.subarray(i, i + size)));
      out.push(...d.end());
      expect(out).toEqual([{ type: 'ADDED', object: { v: 'é€😀' } }, { type: 'BOOKMARK' }, { n: 3 }]);
    }
  });

  it('throws on a malformed line', () => {
    expect(() => new JsonLineDecoder().push(Buffer.from('{oops}\n'))).toThrow();
  });

  it('decodes an async byte stream', async () => {
    async function* chunks() {
      yield Buffer.from('{"a":1}\n{"a"');
      yield ':2}\n';
    }
    const out: unknown[] = [];
    for await (const v of decodeJsonLines(chunks())) out.push(v);
    expect(out).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('keeps up with many thousands of events per second', () => {
    const event = JSON.stringify({
      type: 'MODIFIED',
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm-00001', namespace: 'default', resourceVersion: '123456', labels: { app: 'x' } },
        data: { key: 'v'.repeat(200) },
      },
    });
    const n = 20_000;
    const stream = Buffer.from(`${event}\n`.repeat(n));
    const d = new JsonLineDecoder();
    const start = performance.now();
    let count = 0;
    for (let i = 0; i < stream.length; i += 16_384) count += d.push(stream.subarray(i, i + 16_384)).length;
    const seconds = (performance.now() - start) / 1000;
    expect(count).toBe(n);
    expect(n / seconds).toBeGreaterThan(20_000);
  });
});
