import { describe, it, expect } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { createLogger, reconcileLogger } from './index.js';

function capture(): { stream: PassThrough; lines: () => string[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('createLogger', () => {
  it('writes JSON lines by default on a non-TTY stream, with child fields', async () => {
    const out = capture();
    const log = createLogger({ stream: out.stream });
    reconcileLogger(log, { controller: 'foo', namespace: 'ns', name: 'a', reconcileID: 'r1' }).info('hello', {
      extra: 1,
    });
    await tick();
    const line = JSON.parse(out.lines()[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'info',
      message: 'hello',
      controller: 'foo',
      namespace: 'ns',
      name: 'a',
      reconcileID: 'r1',
      extra: 1,
    });
    expect(typeof line['timestamp']).toBe('string');
  });

  it('leaves unset reconcile fields out', async () => {
    const out = capture();
    reconcileLogger(createLogger({ stream: out.stream }), { controller: 'c', namespace: undefined }).info(
      'x',
    );
    await tick();
    expect(Object.keys(JSON.parse(out.lines()[0]!) as object)).not.toContain('namespace');
  });

  it('writes readable key=value lines in console format', async () => {
    const out = capture();
    createLogger({ stream: out.stream, format: 'console' }).child({ controller: 'c' }).warn('careful');
    await tick();
    expect(out.lines()[0]).toMatch(/warn.* careful controller=c$/);
  });

  it('respects the level', async () => {
    const out = capture();
    const log = createLogger({ stream: out.stream, level: 'warn' });
    log.info('no');
    log.error('yes');
    await tick();
    expect(out.lines()).toHaveLength(1);
  });
});
