/** Real etcd processes for tests, each on its own 127.x address (no containers, bin from PATH). */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KubeClient } from '@opkit/core';
import { LocalCluster, findNssWrapper } from '@opkit/local-cluster';
import { EtcdClusterKind } from '../src/api/index.js';

/** Whether etcd and etcdctl are installed (Debian etcd-server, etcd-client). */
export const hasEtcd = ((): boolean => {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    execFileSync('etcdctl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** True when a suite must skip (prints why); fails instead under CI=true. */
export function skipWithoutEtcd(): boolean {
  if (hasEtcd) return false;
  if (process.env.CI === 'true')
    throw new Error('etcd/etcdctl not installed but CI=true: apt-get install etcd-server etcd-client');
  process.stdout.write('skipped: etcd/etcdctl not installed (apt-get install etcd-server etcd-client)\n');
  return true;
}

/**
 * True when an end-to-end suite on the local cluster must skip: its etcd pods need etcd and, for
 * cluster DNS, libnss_wrapper (prints why); fails instead under CI=true.
 */
export function skipWithoutLocalEtcd(): boolean {
  if (hasEtcd && findNssWrapper()) return false;
  const why =
    'etcd/etcdctl or libnss_wrapper not installed (apt-get install etcd-server etcd-client libnss-wrapper)';
  if (process.env.CI === 'true') throw new Error(`${why} but CI=true`);
  process.stdout.write(`skipped: ${why}\n`);
  return true;
}

/** A local cluster with fast kubelet timings and the EtcdCluster CRD installed, and the operator's client. */
export async function startOperatorCluster(): Promise<{ cluster: LocalCluster; kube: KubeClient }> {
  const cluster = await LocalCluster.start({ nodes: { timings: { timeScale: 0.02 } } });
  const kube = KubeClient.fromYaml(cluster.kubeconfig, { fieldManager: 'etcd-operator' });
  await kube.create(EtcdClusterKind.toCRD() as never);
  return { cluster, kube };
}

/** A 127.a.b.x prefix unlikely to collide with other suites running at the same time. */
export function loopbackPrefix(): string {
  return `127.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250) + 1}`;
}

export interface EtcdProcess {
  name: string;
  ip: string;
  peerURL: string;
  clientURL: string;
  dataDir: string;
  child: ChildProcess;
  log: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startEtcd(opts: {
  name: string;
  ip: string;
  initialCluster: string;
  state: 'new' | 'existing';
  dataDir?: string;
  token?: string;
}): EtcdProcess {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), `etcd-${opts.name}-`));
  const peerURL = `http://${opts.ip}:2380`;
  const clientURL = `http://${opts.ip}:2379`;
  const child = spawn(
    'etcd',
    [
      `--name=${opts.name}`,
      `--data-dir=${dataDir}`,
      `--listen-peer-urls=${peerURL}`,
      `--listen-client-urls=${clientURL}`,
      `--advertise-client-urls=${clientURL}`,
      `--initial-advertise-peer-urls=${peerURL}`,
      `--initial-cluster=${opts.initialCluster}`,
      `--initial-cluster-state=${opts.state}`,
      `--initial-cluster-token=${opts.token ?? 'opkit-test'}`,
      '--heartbeat-interval=50',
      '--election-timeout=500',
      '--snapshot-count=10000',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log: string[] = [];
  child.stderr?.on('data', (d: Buffer) => {
    log.push(d.toString('utf8'));
    if (log.length > 200) log.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: opts.name,
    ip: opts.ip,
    peerURL,
    clientURL,
    dataDir,
    child,
    log,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Resolves once something listens on ip:port. */
export async function waitForPort(ip: string, port: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: ip, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${ip}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
