import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../api/index.js';
import { execContainer, exitStatus, pickRemoteCommandProtocol } from './remote-command.js';

function pod(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec } as KubeObject;
}

describe('remote command (exec)', () => {
  it('picks the first offered protocol it serves', () => {
    expect(pickRemoteCommandProtocol(['v5.channel.k8s.io', 'v4.channel.k8s.io'])).toBe('v5.channel.k8s.io');
    expect(pickRemoteCommandProtocol(['v4.channel.k8s.io', 'v5.channel.k8s.io'])).toBe('v4.channel.k8s.io');
    expect(pickRemoteCommandProtocol(['base64.channel.k8s.io', 'channel.k8s.io'])).toBeUndefined();
  });

  it('chooses the container and refuses as kube-apiserver does', () => {
    const one = pod({ nodeName: 'n', containers: [{ name: 'a' }] });
    expect(execContainer(one, undefined)).toBe('a');
    expect(() => execContainer(one, 'b')).toThrow('container b is not valid for pod p');
    const two = pod({
      nodeName: 'n',
      initContainers: [{ name: 'i' }],
      containers: [{ name: 'a' }, { name: 'b' }],
    });
    expect(() => execContainer(two, undefined)).toThrow(
      'a container name must be specified for pod p, choose one of: [i a b]',
    );
    expect(execContainer(two, 'i')).toBe('i');
    expect(() => execContainer(pod({ containers: [{ name: 'a' }] }), 'a')).toThrow(
      'pod p does not have a host assigned',
    );
  });

  it('reports exit codes as the kubelet does', () => {
    expect(exitStatus(0, ['true'])).toEqual({ metadata: {}, status: 'Success' });
    expect(exitStatus(3, ['sh', '-c', 'exit 3'])).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });
});
