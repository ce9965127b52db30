import { describe, expect, it } from '@jest/globals';
import { buildHeadlessService, buildStatefulSet, buildConfigMap } from '@opkit/statefulset';
import { EtcdClusterKind } from '../src/api/index.js';
import { etcdArgs, etcdGroupSpec, memberPeerURL } from '../src/manifests/index.js';

const cluster = EtcdClusterKind.create({
  metadata: { name: 'main', namespace: 'db', uid: 'abcdef12-3456' },
  spec: {
    size: 3,
    version: '3.4.34',
    storage: { size: '2Gi', className: 'fast' },
    resources: { requests: { cpu: '100m' } },
  },
});
const bootstrap = {
  initialCluster: 'main-0=http://main-0.main.db.svc.cluster.local:2380',
  state: 'new' as const,
  token: 'main-abcdef12',
};

type Container = {
  args: string[];
  env: { name: string; valueFrom?: { configMapKeyRef?: { name: string; key: string } } }[];
  image: string;
  readinessProbe: unknown;
  volumeMounts: { name: string; mountPath: string }[];
};

describe('the etcd pod spec', () => {
  it('gives every member its identity by DNS name and its bootstrap from the ConfigMap', () => {
    const args = etcdArgs(cluster);
    expect(args).toEqual(
      expect.arrayContaining([
        '--name=$(POD_NAME)',
        '--data-dir=/var/lib/etcd/data',
        '--listen-peer-urls=http://0.0.0.0:2380',
        '--listen-client-urls=http://0.0.0.0:2379',
        '--advertise-client-urls=http://$(POD_NAME).main.db.svc.cluster.local:2379',
        '--initial-advertise-peer-urls=http://$(POD_NAME).main.db.svc.cluster.local:2380',
        '--initial-cluster=$(INITIAL_CLUSTER)',
        '--initial-cluster-state=$(INITIAL_CLUSTER_STATE)',
        '--initial-cluster-token=$(INITIAL_CLUSTER_TOKEN)',
      ]),
    );
    expect(memberPeerURL(cluster, 'main-2')).toBe('http://main-2.main.db.svc.cluster.local:2380');
  });

  it('builds a Parallel, OnDelete StatefulSet with a PVC per member and a headless Service that publishes not-ready addresses', () => {
    const spec = etcdGroupSpec(cluster, bootstrap);
    const sts = buildStatefulSet(spec, spec.sets[0]!, 1) as {
      metadata: { name: string; ownerReferences: unknown[] };
      spec: Record<string, unknown> & {
        template: { spec: { containers: Container[] } };
        volumeClaimTemplates: { spec: Record<string, unknown> }[];
      };
    };
    expect(sts.metadata.name).toBe('main');
    expect(sts.spec).toMatchObject({
      replicas: 1,
      serviceName: 'main',
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
    });
    expect(sts.spec.volumeClaimTemplates[0]!.spec).toMatchObject({
      storageClassName: 'fast',
      resources: { requests: { storage: '2Gi' } },
    });
    const c = sts.spec.template.spec.containers[0]!;
    expect(c.image).toBe('quay.io/coreos/etcd:v3.4.34');
    expect(c.args).toEqual(etcdArgs(cluster));
    expect(c.env.find((e) => e.name === 'INITIAL_CLUSTER_STATE')?.valueFrom?.configMapKeyRef).toEqual({
      name: 'main-bootstrap',
      key: 'initial-cluster-state',
    });
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 2379 }, periodSeconds: 5 });
    expect(c.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/var/lib/etcd' }));
    const svc = buildHeadlessService(spec) as unknown as { spec: Record<string, unknown> };
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect((buildConfigMap(spec) as unknown as { data: Record<string, string> }).data).toEqual({
      'initial-cluster': bootstrap.initialCluster,
      'initial-cluster-state': 'new',
      'initial-cluster-token': 'main-abcdef12',
    });
  });

  it('switches to https and mounts the Secrets with TLS', () => {
    const tls = EtcdClusterKind.create({
      metadata: { name: 'sec', namespace: 'db' },
      spec: { tls: { peer: { secretName: 'peer-certs' }, client: { secretName: 'client-certs' } } },
    });
    const args = etcdArgs(tls);
    expect(args).toEqual(
      expect.arrayContaining([
        '--listen-peer-urls=https://0.0.0.0:2380',
        '--peer-client-cert-auth=true',
        '--client-cert-auth=true',
        '--trusted-ca-file=/etc/etcd/tls/client/ca.crt',
      ]),
    );
    const spec = etcdGroupSpec(tls, bootstrap);
    expect(spec.sets[0]!.volumes).toEqual([
      { name: 'tls-peer', secret: { secretName: 'peer-certs' } },
      { name: 'tls-client', secret: { secretName: 'client-certs' } },
    ]);
    expect(memberPeerURL(tls, 'sec-0')).toBe('https://sec-0.sec.db.svc.cluster.local:2380');
  });
});
