import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../api/index.js';
import { startTestCluster, type TestCluster } from '../controller-test-support.js';

let c: TestCluster;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'opkit-volumes-test-'));
  c = await startTestCluster({ controllers: ['persistentvolume'], volumesDir: dir });
});
afterEach(async () => {
  await c.stop();
  await rm(dir, { recursive: true, force: true });
});

const pvcType = (): ReturnType<TestCluster['type']> => c.type('', 'v1', 'persistentvolumeclaims');
const pvType = (): ReturnType<TestCluster['type']> => c.type('', 'v1', 'persistentvolumes');

function claim(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  };
}

describe('PersistentVolume controller', () => {
  it('creates the default standard StorageClass', async () => {
    const sc = await c.core.get(c.type('storage.k8s.io', 'v1', 'storageclasses'), '', 'standard');
    expect(sc.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
  });

  it('gives a claim the default class, provisions a hostPath volume and binds both ways', async () => {
    const created = await c.core.create(pvcType(), 'default', claim('data'));
    await c.settle();
    const pvc = await c.core.get(pvcType(), 'default', 'data');
    const spec = pvc.spec as { storageClassName: string; volumeName: string };
    expect(spec.storageClassName).toBe('standard');
    expect(spec.volumeName).toBe(`pvc-${created.metadata.uid}`);
    expect(pvc.status).toEqual({
      phase: 'Bound',
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: '1Gi' },
    });
    expect(pvc.metadata.annotations?.['pv.kubernetes.io/bind-completed']).toBe('yes');
    const pv = await c.core.get(pvType(), '', spec.volumeName);
    const pvSpec = pv.spec as {
      claimRef: { name: string; uid: string };
      hostPath: { path: string };
      persistentVolumeReclaimPolicy: string;
    };
    expect(pvSpec.claimRef).toMatchObject({ name: 'data', namespace: 'default', uid: created.metadata.uid });
    expect(pvSpec.persistentVolumeReclaimPolicy).toBe('Delete');
    expect(pv.status).toEqual({ phase: 'Bound' });
    expect((await stat(pvSpec.hostPath.path)).isDirectory()).toBe(true);
    expect(pvSpec.hostPath.path.startsWith(dir)).toBe(true);

    // reclaim policy Delete: the volume and its directory go with the claim
    await c.core.delete(pvcType(), 'default', 'data');
    await c.settle();
    await expect(c.core.get(pvType(), '', spec.volumeName)).rejects.toMatchObject({ code: 404 });
    await expect(stat(pvSpec.hostPath.path)).rejects.toThrow();
  });

  it('binds a claim to a matching Available volume and releases a Retain volume', async () => {
    await c.core.create(pvType(), '', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'manual' },
      spec: {
        storageClassName: 'manual',
        capacity: { storage: '5Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: '/tmp/x' },
      },
    });
    await c.settle();
    expect((await c.core.get(pvType(), '', 'manual')).status).toEqual({ phase: 'Available' });
    await c.core.create(pvcType(), 'default', claim('mine', { storageClassName: 'manual' }));
    await c.settle();
    expect(((await c.core.get(pvcType(), 'default', 'mine')).spec as { volumeName: string }).volumeName).toBe(
      'manual',
    );
    expect((await c.core.get(pvType(), '', 'manual')).status).toEqual({ phase: 'Bound' });
    await c.core.delete(pvcType(), 'default', 'mine');
    await c.settle();
    expect((await c.core.get(pvType(), '', 'manual')).status).toEqual({ phase: 'Released' });
  });
});
