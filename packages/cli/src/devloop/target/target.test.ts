import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configuredKubeconfigFiles, kubeconfigTarget } from './index.js';

const kubeconfig = (current: string): string => `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: https://a.example:6443 }
- name: b
  cluster: { server: https://b.example:6443 }
users:
- name: u
  user: { token: t }
contexts:
- name: ctx-a
  context: { cluster: a, user: u, namespace: team-a }
- name: ctx-b
  context: { cluster: b, user: u }
current-context: ${current}
`;

let tmp: string;
let home: string;
let file: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'opkit-target-'));
  home = path.join(tmp, 'home');
  await mkdir(path.join(home, '.kube'), { recursive: true });
  file = path.join(tmp, 'config');
  await writeFile(file, kubeconfig('ctx-a'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('configuredKubeconfigFiles', () => {
  it('follows kubectl: --kubeconfig, then KUBECONFIG (missing files skipped), then ~/.kube/config, else none', async () => {
    const empty = path.join(tmp, 'nohome');
    expect(configuredKubeconfigFiles({}, {}, empty)).toBeUndefined();
    expect(configuredKubeconfigFiles({}, { KUBECONFIG: path.join(tmp, 'missing') }, empty)).toBeUndefined();
    expect(
      configuredKubeconfigFiles(
        {},
        { KUBECONFIG: [path.join(tmp, 'missing'), file].join(path.delimiter) },
        empty,
      ),
    ).toEqual([file]);
    await writeFile(path.join(home, '.kube', 'config'), kubeconfig('ctx-b'));
    expect(configuredKubeconfigFiles({}, {}, home)).toEqual([path.join(home, '.kube', 'config')]);
    expect(configuredKubeconfigFiles({ kubeconfig: file }, { KUBECONFIG: 'x' }, home)).toEqual([file]);
    expect(() => configuredKubeconfigFiles({ kubeconfig: path.join(tmp, 'nope') }, {}, home)).toThrow(
      /--kubeconfig .*nope: no such file/,
    );
  });
});

describe('kubeconfigTarget', () => {
  it("hands over the user's file as is, with the context's namespace", async () => {
    const target = await kubeconfigTarget([file], {}, path.join(tmp, 'state1'));
    expect(target.kubeconfigPath).toBe(file);
    expect(target.namespace).toBe('team-a');
    expect(target.description).toContain('context ctx-a (https://a.example:6443)');
  });

  it('writes a kubeconfig for another --context, and --namespace wins', async () => {
    const target = await kubeconfigTarget(
      [file],
      { context: 'ctx-b', namespace: 'ns1' },
      path.join(tmp, 'state2'),
    );
    expect(target.kubeconfigPath).toBe(path.join(tmp, 'state2', 'kubeconfig.run'));
    expect(target.kubeConfig.getCurrentCluster()?.server).toBe('https://b.example:6443');
    expect(target.namespace).toBe('ns1');
  });

  it('names the known contexts when --context is wrong', async () => {
    await expect(kubeconfigTarget([file], { context: 'nope' }, tmp)).rejects.toThrow(
      /context "nope" is not in kubeconfig .* \(known: ctx-a, ctx-b\)/,
    );
  });
});
