import { describe, it, expect } from '@jest/globals';
import type { KubeObject } from '../client/index.js';
import {
  AlreadyOwnedError,
  InvalidOwnerError,
  getControllerOf,
  isControlledBy,
  removeOwnerReference,
  setControllerReference,
  setOwnerReference,
} from './index.js';

const obj = (kind: string, name: string, namespace?: string, uid = `${name}-uid`): KubeObject => ({
  apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  metadata: { name, uid, ...(namespace ? { namespace } : {}) },
});

describe('owner references', () => {
  it('sets a controller reference once and refuses a second controller', () => {
    const owner = obj('Deployment', 'web', 'ns');
    const pod = obj('Pod', 'web-1', 'ns');
    setControllerReference(owner, pod);
    setControllerReference(owner, pod); // idempotent
    expect(pod.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: 'web-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(isControlledBy(pod, owner)).toBe(true);
    expect(() => setControllerReference(obj('Deployment', 'other', 'ns'), pod)).toThrow(AlreadyOwnedError);
    setOwnerReference(obj('ConfigMap', 'cfg', 'ns'), pod);
    expect(pod.metadata.ownerReferences).toHaveLength(2);
    expect(getControllerOf(pod)?.name).toBe('web');
    expect(removeOwnerReference(owner, pod)).toBe(true);
    expect(getControllerOf(pod)).toBeUndefined();
  });

  it('rejects cross-namespace owners and namespaced owners of cluster-scoped objects', () => {
    expect(() => setControllerReference(obj('ConfigMap', 'a', 'ns1'), obj('Pod', 'b', 'ns2'))).toThrow(
      InvalidOwnerError,
    );
    expect(() => setOwnerReference(obj('ConfigMap', 'a', 'ns1'), obj('Namespace', 'b'))).toThrow(
      InvalidOwnerError,
    );
    const clusterOwner = obj('Namespace', 'n');
    const pod = obj('Pod', 'p', 'ns');
    setControllerReference(clusterOwner, pod);
    expect(getControllerOf(pod)?.kind).toBe('Namespace');
  });
});
