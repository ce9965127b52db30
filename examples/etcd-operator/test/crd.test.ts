import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiError, LocalCluster, validateCustomResourceDefinition } from '@opkit/local-cluster';
import { EtcdClusterKind, etcdImage, evenSizeWarning, type EtcdCluster } from '../src/api/index.js';

let cluster: LocalCluster;
beforeAll(async () => {
  cluster = await LocalCluster.start({ nodes: false, tls: false });
  const crdType = cluster.api.typeOf('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  await cluster.api.create(crdType, '', EtcdClusterKind.toCRD());
});
afterAll(async () => {
  await cluster?.stop();
});

const etcdclusters = () => cluster.api.typeOf('etcd.opkit.dev', 'v1alpha1', 'etcdclusters');

async function rejection(
  p: Promise<unknown>,
): Promise<{ code: number; causes: { field?: string; reason?: string; message?: string }[] }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, causes: err.status.details?.causes ?? [] };
    throw err;
  }
  throw new Error('expected the API server to reject the object');
}

describe('the EtcdCluster CRD', () => {
  it('passes the API server’s CRD validation', () => {
    const crd = EtcdClusterKind.toCRD();
    expect(validateCustomResourceDefinition(crd as never)).toEqual([]);
    expect(crd.metadata.name).toBe('etcdclusters.etcd.opkit.dev');
    const v = crd.spec.versions[0]!;
    expect(v.additionalPrinterColumns?.map((c) => c.name)).toEqual([
      'Size',
      'Ready',
      'Version',
      'Phase',
      'Leader',
      'Operation',
      'Age',
    ]);
    expect(v.subresources?.scale?.specReplicasPath).toBe('.spec.size');
  });

  it('defaults a minimal cluster', async () => {
    const created = (await cluster.api.create(
      etcdclusters(),
      'default',
      EtcdClusterKind.create({ metadata: { name: 'minimal' }, spec: {} }),
    )) as EtcdCluster;
    expect(created.spec).toEqual({ size: 3, version: '3.4.34', storage: { size: '1Gi' }, paused: false });
    expect(etcdImage(created.spec)).toBe('quay.io/coreos/etcd:v3.4.34');
  });

  it('rejects a bad cluster naming every bad field', async () => {
    const bad = {
      apiVersion: 'etcd.opkit.dev/v1alpha1',
      kind: 'EtcdCluster',
      metadata: { name: 'bad' },
      spec: { size: 10, version: 'latest', backup: { schedule: '@daily', claimName: '' }, tls: { peer: {} } },
    };
    const { code, causes } = await rejection(cluster.api.create(etcdclusters(), 'default', bad));
    expect(code).toBe(422);
    const fields = causes.map((c) => c.field).sort();
    expect(fields).toEqual(
      expect.arrayContaining([
        'spec.backup.claimName',
        'spec.backup.schedule',
        'spec.size',
        'spec.tls.peer.secretName',
        'spec.version',
      ]),
    );
    expect(causes.find((c) => c.field === 'spec.size')?.message).toMatch(/less than or equal to 9/);
  });

  it('keeps the storage class immutable (CEL transition rule)', async () => {
    const type = etcdclusters();
    const created = (await cluster.api.create(
      type,
      'default',
      EtcdClusterKind.create({
        metadata: { name: 'classy' },
        spec: { size: 3, storage: { className: 'fast' } },
      }),
    )) as EtcdCluster;
    const resized = (await cluster.api.update(type, 'default', 'classy', {
      ...created,
      spec: { ...created.spec, size: 5 },
    })) as EtcdCluster;
    expect(resized.spec.size).toBe(5);
    for (const storage of [{ size: '1Gi', className: 'slow' }, { size: '1Gi' }]) {
      const { code, causes } = await rejection(
        cluster.api.update(type, 'default', 'classy', { ...resized, spec: { ...resized.spec, storage } }),
      );
      expect(code).toBe(422);
      expect(causes).toContainEqual(
        expect.objectContaining({
          field: 'spec.storage',
          reason: 'FieldValueForbidden',
          message: expect.stringContaining('storage.className is immutable'),
        }),
      );
    }
    // a class can be given only at creation: adding one later is a change too
    const plain = (await cluster.api.create(
      type,
      'default',
      EtcdClusterKind.create({ metadata: { name: 'plain' }, spec: {} }),
    )) as EtcdCluster;
    const added = await rejection(
      cluster.api.update(type, 'default', 'plain', {
        ...plain,
        spec: { ...plain.spec, storage: { className: 'fast' } },
      }),
    );
    expect(added.code).toBe(422);
  });

  it('warns about even sizes', () => {
    expect(evenSizeWarning(3)).toBeUndefined();
    expect(evenSizeWarning(4)).toEqual({
      reason: 'EvenSize',
      message: expect.stringContaining('tolerates 1 failed member(s), as size 3 does'),
    });
  });
});
