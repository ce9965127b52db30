import { describe, expect, it } from '@jest/globals';
import {
  ProcessRuntime,
  RuntimeRegistry,
  SimulatedRuntime,
  expandVariables,
  imageMatches,
  rewriteLoopback,
  rewriteMountPaths,
  volumeEnvName,
} from './index.js';

describe('runtime helpers', () => {
  it('expands $(VAR) as the kubelet does', () => {
    const vars: Record<string, string> = { A: 'x', B: 'y' };
    expect(expandVariables('$(A)-$(B)-$(C)-$$(A)-$', (n) => vars[n])).toBe('x-y-$(C)-$(A)-$');
  });

  it('matches image globs and routes images to runtimes', () => {
    expect(imageMatches('quay.io/coreos/etcd:v3.4*', 'quay.io/coreos/etcd:v3.4.34')).toBe(true);
    expect(imageMatches('quay.io/coreos/etcd:v3.4*', 'quay.io/coreos/etcd:v3.5.0')).toBe(false);
    const sim = new SimulatedRuntime();
    const proc = new ProcessRuntime();
    const registry = new RuntimeRegistry(sim).register(/^busybox/, proc);
    expect(registry.resolve('busybox:1')).toBe(proc);
    expect(registry.resolve('nginx')).toBe(sim);
  });

  it('rewrites mount paths and loopback hosts', () => {
    const vols = [
      { name: 'data', mountPath: '/var/lib/etcd', directory: '/tmp/d' },
      { name: 'conf', mountPath: '/etc', directory: '/tmp/c' },
    ];
    expect(rewriteMountPaths('--data-dir=/var/lib/etcd/member --conf /etc/x /etcetera', vols)).toBe(
      '--data-dir=/tmp/d/member --conf /tmp/c/x /etcetera',
    );
    expect(
      rewriteLoopback('--listen=http://0.0.0.0:2379,http://localhost:2380 localhostname', '127.100.0.5'),
    ).toBe('--listen=http://127.100.0.5:2379,http://127.100.0.5:2380 localhostname');
    expect(volumeEnvName('etcd-data')).toBe('OPKIT_VOLUME_ETCD_DATA');
  });
});
