/** runManager in a child process: SIGTERM stops it cleanly (exit 0) and releases its lease. */
import { describe, it, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { leaseClientFor } from '../leaderelection/index.js';
import { sleepMs, useTestCluster } from '../__tests__/local-cluster.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

describe('runManager in a child process', () => {
  const suite = useTestCluster();

  it('exits 0 on SIGTERM and releases the lease', async () => {
    const child = spawn(
      process.execPath,
      ['--import', fixture('register-ts.mjs'), fixture('tiny-operator.ts')],
      {
        env: { ...process.env, TEST_KUBECONFIG: suite.cluster.kubeconfig, NODE_OPTIONS: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const leases = leaseClientFor(suite.client);
    try {
      const deadline = Date.now() + 20_000;
      while ((await leases.get('default', 'tiny-operator'))?.spec?.holderIdentity !== 'tiny') {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`child never led:\n${stderr}`);
        await sleepMs(50);
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect((await leases.get('default', 'tiny-operator'))?.spec?.holderIdentity ?? '').toBe('');
      expect(stderr).toContain('manager stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 40_000);
});
