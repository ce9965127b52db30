import { describe, expect, it } from '@jest/globals';
import { FakeClusterClient } from '../client/index.js';
import { GroupIdentity, claimName, memberFqdn, ordinalOf, peerList, selectSeeds } from './identity.js';
import { buildHeadlessService, buildPodDisruptionBudget, buildStatefulSet } from './manifests.js';
import { MemberGroup } from './member-group.js';
import { MEMBER_LEFT_ANNOTATION, type MemberGroupSpec } from './spec.js';

const owner = {
  apiVersion: 'db.opkit.dev/v1',
  kind: 'Db',
  metadata: { name: 'db', namespace: 'ns', uid: 'u-1' },
};

function spec(extra: Partial<MemberGroupSpec> = {}): MemberGroupSpec {
  return {
    name: 'etcd',
    namespace: 'ns',
    owner,
    ports: [
      { name: 'client', containerPort: 2379 },
      { name: 'peer', containerPort: 2380, peerOnly: true },
    ],
    sets: [
      { name: 'etcd', replicas: 3, image: 'etcd:3.5', storage: { size: '1Gi', mountPath: '/var/lib/etcd' } },
    ],
    ...extra,
  };
}

describe('identity', () => {
  it('names members, ordinals, claims and FQDNs as the StatefulSet controller and cluster DNS do', () => {
    expect(ordinalOf('etcd-12', 'etcd')).toBe(12);
    expect(ordinalOf('etcd-012', 'etcd')).toBeUndefined();
    expect(ordinalOf('etcd-arb-0', 'etcd')).toBeUndefined();
    expect(claimName('data', 'etcd', 2)).toBe('data-etcd-2');
    expect(memberFqdn('etcd-0', 'etcd', 'ns')).toBe('etcd-0.etcd.ns.svc.cluster.local');
    expect(peerList('etcd', 'etcd', 'ns', [0, 1], { scheme: 'https', port: 2380 })).toBe(
      'etcd-0=https://etcd-0.etcd.ns.svc.cluster.local:2380,etcd-1=https://etcd-1.etcd.ns.svc.cluster.local:2380',
    );
    const id = new GroupIdentity({
      ...spec(),
      sets: [
        { name: 'db-r1', replicas: 1, image: 'x' },
        { name: 'db-r1-arb', replicas: 1, image: 'x' },
      ],
    });
    expect(id.locate('db-r1-arb-0')).toEqual({ set: 'db-r1-arb', ordinal: 0 });
    expect(id.locate('db-r1-3')).toEqual({ set: 'db-r1', ordinal: 3 });
  });

  it('selects seeds one per rack, ready first, at most three', () => {
    const c = (rack: string, ordinal: number, ready: boolean) => ({
      rack,
      ordinal,
      ready,
      name: `${rack}-${ordinal}`,
    });
    const seeds = selectSeeds([
      c('r1', 0, false),
      c('r1', 1, true),
      c('r2', 0, true),
      c('r2', 1, true),
      c('r3', 0, false),
      c('r4', 0, true),
    ]);
    expect(seeds.map((s) => s.name)).toEqual(['r1-1', 'r2-0', 'r4-0']);
    expect(
      selectSeeds([c('r1', 0, true), c('r1', 1, true), c('r1', 2, true), c('r1', 3, true)]).map(
        (s) => s.name,
      ),
    ).toEqual(['r1-0', 'r1-1', 'r1-2']);
  });
});

describe('manifests', () => {
  it('builds an owned StatefulSet with OnDelete, Parallel, Retain claims, and a headless Service publishing unready members', () => {
    const sts = buildStatefulSet(spec(), spec().sets[0]!, 3) as {
      metadata: { ownerReferences: unknown[] };
      spec: Record<string, unknown>;
    };
    expect(sts.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'db.opkit.dev/v1',
        kind: 'Db',
        name: 'db',
        uid: 'u-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(sts.spec).toMatchObject({
      replicas: 3,
      serviceName: 'etcd',
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    });
    const svc = buildHeadlessService(spec()) as unknown as { spec: Record<string, unknown> };
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(buildPodDisruptionBudget(spec())).toMatchObject({
      apiVersion: 'policy/v1',
      spec: { maxUnavailable: 1 },
    });
  });
});

describe('MemberGroup', () => {
  it('applies everything, keeps the current replica count, and observes members, revisions and orphaned claims', async () => {
    const fake = new FakeClusterClient();
    const group = new MemberGroup(fake, spec({ configMap: { data: { a: 'b' } } }));
    await group.apply();
    expect(fake.writes).toEqual([
      'apply ConfigMap ns/etcd-config by opkit-statefulset',
      'apply Service ns/etcd by opkit-statefulset',
      'apply Service ns/etcd-client by opkit-statefulset',
      'apply PodDisruptionBudget ns/etcd by opkit-statefulset',
      'apply StatefulSet ns/etcd by opkit-statefulset',
    ]);
    await group.scale('etcd', 2);
    await group.apply();
    const sts = (await fake.get({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      namespace: 'ns',
      name: 'etcd',
    }))!;
    expect((sts.spec as { replicas: number }).replicas).toBe(2);
    fake.put({
      ...sts,
      status: {
        observedGeneration: sts.metadata.generation,
        updateRevision: 'etcd-new',
        currentRevision: 'etcd-old',
        readyReplicas: 1,
      },
    });
    const pod = (i: number, rev: string, ready: boolean) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `etcd-${i}`,
        namespace: 'ns',
        labels: {
          'app.kubernetes.io/instance': 'etcd',
          'opkit.dev/member-set': 'etcd',
          'controller-revision-hash': rev,
        },
      },
      status: {
        phase: 'Running',
        podIP: `127.1.0.${i + 1}`,
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      },
    });
    fake.put(pod(0, 'etcd-new', true));
    fake.put(pod(1, 'etcd-old', false));
    for (const i of [0, 1, 2])
      fake.put({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: `data-etcd-${i}`, namespace: 'ns' },
        status: { phase: 'Bound' },
      });
    const observed = await group.observe();
    const set = observed.set('etcd');
    expect(set).toMatchObject({ replicas: 2, settled: true, updated: [0], outdated: [1], missing: [] });
    expect(set.members.map((m) => [m.name, m.ready, m.updated, m.claim?.phase, m.podIP])).toEqual([
      ['etcd-0', true, true, 'Bound', '127.1.0.1'],
      ['etcd-1', false, false, 'Bound', '127.1.0.2'],
    ]);
    expect(set.orphanedClaims.map((c) => c.name)).toEqual(['data-etcd-2']);
  });

  it('releases a claim by the storage policy: Delete removes it, Retain marks it as a left member', async () => {
    const fake = new FakeClusterClient();
    const claim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-etcd-2', namespace: 'ns' },
    };
    fake.put(claim);
    const retain = new MemberGroup(fake, spec({ storagePolicy: { whenScaled: 'Retain' } }));
    expect(await retain.releaseClaim('etcd', 2)).toBe(true);
    expect(
      (await fake.get({ ...claim, name: 'data-etcd-2', namespace: 'ns' }))?.metadata.annotations?.[
        MEMBER_LEFT_ANNOTATION
      ],
    ).toBeDefined();
    const del = new MemberGroup(fake, spec());
    expect(await del.releaseClaim('etcd', 2)).toBe(false);
    expect(await del.releaseClaim('etcd', 2)).toBe(true);
  });
});
