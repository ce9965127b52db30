/**
 * The operator as it runs in production: `src/main.ts` in a child process (runManager, leader
 * election on), stopped with SIGTERM: it reconciles, then exits 0 and gives its lease up.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findStatusCondition, leaseClientFor, type KubeClient } from '@opkit/core';
import type { LocalCluster } from '@opkit/local-cluster';
import { WebsiteKind, type Website } from '../src/api/index.js';
import { eventually, startClusterWithCrd, website } from './support.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

describe('the operator process', () => {
  let cluster: LocalCluster;
  let client: KubeClient;
  let dir: string;
  beforeAll(async () => {
    ({ cluster, client } = await startClusterWithCrd());
    dir = await mkdtemp(path.join(tmpdir(), 'website-operator-'));
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reconciles under leader election and exits 0 on SIGTERM, releasing the lease', async () => {
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, cluster.kubeconfig, { mode: 0o600 });
    const child = spawn(
      process.execPath,
      [
        '--import',
        here('./fixtures/register-ts.mjs'),
        here('../src/main.ts'),
        '--metrics-bind-address=0',
        '--health-probe-bind-address=127.0.0.1:0',
        '--log-format=json',
      ],
      {
        env: { ...process.env, KUBECONFIG: kubeconfig, POD_NAMESPACE: 'default', NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const leases = leaseClientFor(client);
    try {
      const holder = await eventually(
        async () => {
          if (child.exitCode !== null) throw new Error(`operator exited:\n${output}`);
          return (
            (await leases.get('default', 'website-operator.web.opkit.dev'))?.spec?.holderIdentity || undefined
          );
        },
        'the operator to lead',
        30_000,
      );
      expect(holder).toMatch(/_/); // <hostname>_<uuid>, as controller-runtime names replicas
      await client.create(website('from-process', { replicas: 1 }));
      await eventually(
        async () => {
          const s = await client.get<Website>(WebsiteKind.gvk, 'from-process', { namespace: 'default' });
          return findStatusCondition(s.status?.conditions ?? [], 'Ready')?.status === 'True';
        },
        'the Website to be Ready',
        30_000,
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(
        (await leases.get('default', 'website-operator.web.opkit.dev'))?.spec?.holderIdentity ?? '',
      ).toBe('');
      expect(output).toContain('manager stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
