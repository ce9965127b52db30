import { describe, it, expect } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OperatorProcess } from './index.js';

async function operatorScript(source: string): Promise<{ file: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'opkit-operator-'));
  const file = path.join(dir, 'main.mjs');
  await writeFile(file, source);
  return { file, dispose: () => rm(dir, { recursive: true, force: true }) };
}

function started(lines: string[], text: string): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (lines.includes(text)) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}

describe('OperatorProcess', () => {
  it('passes KUBECONFIG and lines through, and stops with SIGTERM', async () => {
    const script =
      await operatorScript(`console.log('kubeconfig=' + process.env.KUBECONFIG); console.error('on stderr');
process.on('SIGTERM', () => process.stdout.write('bye\\n', () => process.exit(0))); setInterval(() => {}, 1000);`);
    const lines: string[] = [];
    const op = new OperatorProcess({
      entryPoint: script.file,
      cwd: tmpdir(),
      kubeconfigPath: '/k/config',
      output: (l, s) => lines.push(`${s}:${l}`),
    });
    try {
      op.start();
      await started(lines, 'stdout:kubeconfig=/k/config');
      expect(op.running).toBe(true);
      const exit = await op.stop();
      expect(exit).toEqual({ code: 0, signal: null, requested: true });
      expect(lines).toEqual(expect.arrayContaining(['stderr:on stderr', 'stdout:bye']));
      expect(op.running).toBe(false);
    } finally {
      await op.stop();
      await script.dispose();
    }
  });

  it('kills an operator that ignores SIGTERM after the grace period', async () => {
    const script = await operatorScript(
      `process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);`,
    );
    const lines: string[] = [];
    const op = new OperatorProcess({
      entryPoint: script.file,
      cwd: tmpdir(),
      kubeconfigPath: 'k',
      gracePeriodMs: 200,
      output: (l) => lines.push(l),
    });
    try {
      op.start();
      await started(lines, 'up');
      const exit = await op.stop();
      expect(exit?.signal).toBe('SIGKILL');
    } finally {
      await script.dispose();
    }
  });

  it('reports an exit nobody asked for', async () => {
    const script = await operatorScript(`process.exit(3);`);
    const exits: unknown[] = [];
    let exited: () => void = () => undefined;
    const done = new Promise<void>((r) => (exited = r));
    const op = new OperatorProcess({
      entryPoint: script.file,
      cwd: tmpdir(),
      kubeconfigPath: 'k',
      output: () => undefined,
      onExit: (e) => (exits.push(e), exited()),
    });
    try {
      op.start();
      await done;
      expect(await op.stop()).toEqual({ code: 3, signal: null, requested: false });
      expect(exits).toEqual([{ code: 3, signal: null, requested: false }]);
    } finally {
      await script.dispose();
    }
  });
});
