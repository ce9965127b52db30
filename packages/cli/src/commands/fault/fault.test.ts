import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster, type KubeObject } from '@opkit/local-cluster';
import { main } from '../../index.js';
import { parseDuration } from './index.js';
import { recordingTerminal, type RecordingTerminal } from '../../terminal/index.js';

const captureTerminal = recordingTerminal;

async function until<T>(what: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('opkit cluster fault', () => {
  let cluster: LocalCluster;
  let dir: string;
  let kubeconfig: string;
  const pods = () => cluster.api.typeOf('', 'v1', 'pods');
  const podOf = (name: string): KubeObject | undefined =>
    cluster.api.store.get({ resource: '/pods', namespace: 'default', name });
  const ready = (p: KubeObject | undefined): boolean =>
    ((p?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
      (c) => c.type === 'Ready' && c.status === 'True',
    );
  const run = async (...argv: string[]): Promise<{ code: number; term: RecordingTerminal }> => {
    const term = captureTerminal();
    const code = await main(['cluster', 'fault', ...argv, '--kubeconfig', kubeconfig], term);
    return { code, term };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'opkit-fault-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    cluster = await LocalCluster.start({
      kubeconfigPath: kubeconfig,
      nodes: { timings: { timeScale: 0.01 } },
    });
    await cluster.api.create(pods(), 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
    });
    await until(() => (ready(podOf('web-0')) ? true : undefined));
  });

  afterAll(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a pod unready and clears it', async () => {
    const { code, term } = await run('unready', 'web-0');
    expect(code).toBe(0);
    expect(term.out.join('\n')).toContain('default/web-0 reports unready');
    await until(() => (ready(podOf('web-0')) ? undefined : true));
    expect((await run('unready', 'web-0', '--clear')).code).toBe(0);
    await until(() => (ready(podOf('web-0')) ? true : undefined));
  });

  it('kills a container, which the kubelet restarts', async () => {
    const { code } = await run('kill', 'web-0', '-c', 'app');
    expect(code).toBe(0);
    await until(() => {
      const statuses = (podOf('web-0')?.status as { containerStatuses?: { restartCount: number }[] })
        ?.containerStatuses;
      return (statuses?.[0]?.restartCount ?? 0) >= 1 ? true : undefined;
    });
  });

  it('loses and recovers a node', async () => {
    expect((await run('lose-node', 'local-node-1')).code).toBe(0);
    const node = (): KubeObject | undefined =>
      cluster.api.store.get({ resource: '/nodes', namespace: '', name: 'local-node-1' });
    const readyStatus = (): string | undefined =>
      (node()?.status as { conditions?: { type: string; status: string }[] }).conditions?.find(
        (c) => c.type === 'Ready',
      )?.status;
    expect(readyStatus()).toBe('Unknown');
    expect((await run('recover-node', 'local-node-1')).code).toBe(0);
    expect(readyStatus()).toBe('True');
  });

  it('sets and removes a slow start', async () => {
    expect((await run('slow-start', 'web-9', '--delay', '1m30s')).term.out.join('')).toContain(
      '90000 ms late',
    );
    expect((await run('slow-start', 'web-9', '--delay', '0')).code).toBe(0);
  });

  it('fails with exit code 1 and the server message for a missing pod, node or claim', async () => {
    const missingPod = await run('kill', 'nope');
    expect(missingPod.code).toBe(1);
    expect(missingPod.term.err.join('\n')).toMatch(/refused the fault \(404\): pods "nope" not found/);
    const badContainer = await run('kill', 'web-0', '-c', 'other');
    expect(badContainer.code).toBe(1);
    expect(badContainer.term.err.join('\n')).toContain('container other is not valid for pod web-0');
    expect((await run('lose-node', 'no-such-node')).code).toBe(1);
    const claim = await run('wipe-pvc', 'data-nothing');
    expect(claim.code).toBe(1);
    expect(claim.term.err.join('\n')).toContain('persistentvolumeclaims "data-nothing" not found');
  });

  it('exits 2 on usage errors and 1 when no cluster runs', async () => {
    expect((await run('slow-start', 'web-0', '--delay', 'soon')).code).toBe(2);
    expect((await run('kill', 'web-0', '--signal', 'SIGHUP')).code).toBe(2);
    expect((await run('kill')).code).toBe(2);
    const term = captureTerminal();
    expect(
      await main(['cluster', 'fault', 'kill', 'web-0', '--state-dir', path.join(dir, 'none')], term),
    ).toBe(1);
    expect(term.err.join('\n')).toContain('no local cluster is running');
  });

  it('parses durations like Go', () => {
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(() => parseDuration('5')).toThrow('is not a duration');
  });
});
