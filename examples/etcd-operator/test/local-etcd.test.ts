/**
 * The etcd check at startup on a machine without etcd (PATH stripped): the exact apt-get command,
 * an install when running as root with apt-get, and never a stack trace from the compiled program.
 */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ETCD_INSTALL_COMMAND,
  ensureEtcdBinaries,
  missingEtcdBinaries,
  targetsLocalCluster,
  type CommandRunner,
} from '../src/local-etcd/index.js';

const noEtcd = { PATH: '/nonexistent', OPKIT_NSS_WRAPPER: '/nonexistent/libnss_wrapper.so' };

function scratch(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'etcd-check-'));
}

describe('the etcd check', () => {
  it('names what is missing and the exact command, and installs nothing without root', async () => {
    const lines: string[] = [];
    const calls: string[][] = [];
    const run: CommandRunner = async (command, args) => {
      calls.push([command, ...args]);
      return 0;
    };
    expect(missingEtcdBinaries(noEtcd)).toEqual(expect.arrayContaining(['etcd', 'etcdctl']));
    expect(await ensureEtcdBinaries({ env: noEtcd, isRoot: false, run, log: (l) => lines.push(l) })).toBe(
      false,
    );
    expect(calls).toEqual([]);
    const text = lines.join('\n');
    expect(text).toContain('apt-get install etcd-server etcd-client');
    expect(text).toContain(`sudo ${ETCD_INSTALL_COMMAND}`);
    expect(text).toContain('missing: etcd, etcdctl');
  });

  it('installs with apt-get when running as root, updating the package lists once if needed', async () => {
    const dir = scratch();
    try {
      const aptGet = path.join(dir, 'apt-get');
      writeFileSync(aptGet, '#!/bin/sh\nexit 0\n');
      chmodSync(aptGet, 0o755);
      const env = { ...noEtcd, PATH: dir };
      const calls: string[][] = [];
      const run: CommandRunner = async (command, args) => {
        calls.push([path.basename(command), ...args]);
        // the first install fails (no package lists), the second "installs" etcd
        if (args[0] === 'install' && calls.filter((c) => c[1] === 'install').length === 2) {
          for (const bin of ['etcd', 'etcdctl']) {
            writeFileSync(path.join(dir, bin), '#!/bin/sh\n');
            chmodSync(path.join(dir, bin), 0o755);
          }
          writeFileSync(path.join(dir, 'libnss_wrapper.so'), '');
          return 0;
        }
        return args[0] === 'install' ? 100 : 0;
      };
      const lines: string[] = [];
      const ok = await ensureEtcdBinaries({
        env: { ...env, OPKIT_NSS_WRAPPER: path.join(dir, 'libnss_wrapper.so') },
        isRoot: true,
        run,
        log: (l) => lines.push(l),
      });
      expect(ok).toBe(true);
      expect(calls).toEqual([
        [
          'apt-get',
          'install',
          '-y',
          '--no-install-recommends',
          'etcd-server',
          'etcd-client',
          'libnss-wrapper',
        ],
        ['apt-get', 'update'],
        [
          'apt-get',
          'install',
          '-y',
          '--no-install-recommends',
          'etcd-server',
          'etcd-client',
          'libnss-wrapper',
        ],
      ]);
      expect(lines.at(-1)).toBe('etcd installed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not install when ETCD_OPERATOR_INSTALL_ETCD=false', async () => {
    const calls: string[][] = [];
    const ok = await ensureEtcdBinaries({
      env: {
        ...noEtcd,
        PATH: '/usr/bin:/bin',
        ETCD_OPERATOR_INSTALL_ETCD: 'false',
        OPKIT_NSS_WRAPPER: '/nonexistent',
      },
      isRoot: true,
      run: async (c, a) => (calls.push([c, ...a]), 0),
      log: () => undefined,
    });
    // etcd may well be installed here; what matters is that nothing was run
    expect(typeof ok).toBe('boolean');
    expect(calls).toEqual([]);
  });

  it('recognises the local cluster by its kubeconfig context, and never in a pod', () => {
    const dir = scratch();
    try {
      const file = path.join(dir, 'kubeconfig');
      writeFileSync(file, 'apiVersion: v1\nkind: Config\ncurrent-context: opkit-local\n');
      expect(targetsLocalCluster({ KUBECONFIG: file })).toBe(true);
      expect(targetsLocalCluster({ KUBECONFIG: file, KUBERNETES_SERVICE_HOST: '10.0.0.1' })).toBe(false);
      writeFileSync(file, 'apiVersion: v1\nkind: Config\ncurrent-context: kind-dev\n');
      expect(targetsLocalCluster({ KUBECONFIG: file })).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
  it('the compiled operator, started on the local cluster without etcd, prints the command and exits 1 without a stack trace', async () => {
    if (!existsSync(main)) {
      process.stdout.write('skipped: dist/main.js not built (npx tsc -b examples/etcd-operator)\n');
      return;
    }
    const dir = scratch();
    try {
      const kubeconfig = path.join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\ncurrent-context: opkit-local\n');
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [main],
          { env: { ...noEtcd, KUBECONFIG: kubeconfig, HOME: dir }, timeout: 20_000 },
          (_err, _out, stderr) => resolve({ code: child.exitCode, stderr }),
        );
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('apt-get install etcd-server etcd-client');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
