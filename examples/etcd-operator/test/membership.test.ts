import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import {
  EtcdMembership,
  assessQuorum,
  canRemoveVoter,
  faultTolerance,
  quorumSize,
} from '../src/membership/index.js';
import {
  eventually,
  loopbackPrefix,
  removeDir,
  skipWithoutEtcd,
  startEtcd,
  waitForPort,
  type EtcdProcess,
} from './etcd-process.js';

describe('quorum arithmetic', () => {
  it('counts ⌊N/2⌋+1 healthy voters and ignores learners', () => {
    expect([1, 2, 3, 4, 5, 9].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 5]);
    expect([1, 2, 3, 4, 5].map(faultTolerance)).toEqual([0, 0, 1, 1, 2]);
    const v = (healthy: boolean) => ({ learner: false, healthy });
    expect(assessQuorum([v(true), v(true), v(false)])).toMatchObject({
      voters: 3,
      healthyVoters: 2,
      quorum: 2,
      hasQuorum: true,
      spare: 0,
      atRisk: true,
    });
    expect(assessQuorum([v(true), v(true), v(true), { learner: true, healthy: false }])).toMatchObject({
      voters: 3,
      learners: 1,
      hasQuorum: true,
      atRisk: false,
    });
    expect(assessQuorum([v(true), v(false), v(false)])).toMatchObject({ hasQuorum: false, spare: -1 });
    expect(assessQuorum([])).toMatchObject({ hasQuorum: false });
  });

  it('allows removing a voter only when a quorum remains, never from 2 voters', () => {
    const v = (healthy: boolean) => ({ learner: false, healthy });
    expect(canRemoveVoter([v(true), v(true), v(true)], true)).toBe(true);
    expect(canRemoveVoter([v(true), v(true), v(false)], false)).toBe(true); // replacing the failed one
    expect(canRemoveVoter([v(true), v(true), v(false)], true)).toBe(false);
    expect(canRemoveVoter([v(true)], true)).toBe(false);
    // never from 2 voters: the change needs both votes, and a leaving member failing mid-change strands the survivor
    expect(canRemoveVoter([v(true), v(true)], true)).toBe(false);
    expect(canRemoveVoter([v(true), v(false)], false)).toBe(false);
    // learners do not count: 2 voters + a learner is still a 2-voter cluster
    expect(canRemoveVoter([v(true), v(true), { learner: true, healthy: true }], true)).toBe(false);
    expect(canRemoveVoter([v(true), v(true), v(true), v(true)], true)).toBe(true); // 4 → 3
  });
});

describe('EtcdMembership on real etcd', () => {
  const procs: EtcdProcess[] = [];
  afterAll(async () => {
    for (const p of procs) {
      await p.stop('SIGKILL');
      removeDir(p.dataDir);
    }
  });

  it('grows a cluster by learners, moves the leader, snapshots and removes members', async () => {
    if (skipWithoutEtcd()) return;
    const prefix = loopbackPrefix();
    const ipOf = (i: number) => `${prefix}.${i + 1}`;
    // the operator reaches members by DNS names only its resolver knows, as outside a cluster
    const names = new Map([0, 1, 2].map((i) => [`etcd-${i}.etcd.default.svc.cluster.local`, ipOf(i)]));
    const m = new EtcdMembership({
      endpoints: [
        'http://etcd-0.etcd.default.svc.cluster.local:2379',
        'http://etcd-1.etcd.default.svc.cluster.local:2379',
      ],
      resolve: (host) => names.get(host),
      timeoutMs: 2000,
    });

    const seed = startEtcd({
      name: 'etcd-0',
      ip: ipOf(0),
      initialCluster: `etcd-0=http://${ipOf(0)}:2380`,
      state: 'new',
    });
    procs.push(seed);
    await waitForPort(ipOf(0), 2379);
    await eventually('seed healthy', async () => (await m.health()).hasQuorum);
    const [only] = await m.memberList();
    expect(only).toMatchObject({ name: 'etcd-0', learner: false, peerURLs: [`http://${ipOf(0)}:2380`] });
    expect(only!.id).toMatch(/^\d+$/);

    // add as learner → start with state existing → promote, one member at a time
    for (const i of [1, 2]) {
      const peerURL = `http://${ipOf(i)}:2380`;
      const { member, members } = await m.memberAddAsLearner(peerURL);
      expect(member).toMatchObject({ learner: true, name: '', peerURLs: [peerURL] });
      // idempotent: a repeated add (lost answer) returns the same member
      expect((await m.memberAddAsLearner(peerURL)).member.id).toBe(member.id);
      const initialCluster = members.map((x) => `${x.name || `etcd-${i}`}=${x.peerURLs[0]}`).join(',');
      const p = startEtcd({ name: `etcd-${i}`, ip: ipOf(i), initialCluster, state: 'existing' });
      procs.push(p);
      await waitForPort(ipOf(i), 2379);
      const learnerStatus = await eventually('learner status', () =>
        m.endpointStatus(`http://etcd-${i}.etcd.default.svc.cluster.local:2379`),
      );
      expect(learnerStatus.learner).toBe(true);
      await m.memberPromote(member.id, { timeoutMs: 15_000 });
      await m.memberPromote(member.id); // already a voter: no-op
      expect((await m.memberList()).find((x) => x.id === member.id)?.learner).toBe(false);
    }

    const health = await eventually('three healthy voters', async () => {
      const h = await m.health();
      return h.healthyVoters === 3 ? h : undefined;
    });
    expect(health).toMatchObject({
      voters: 3,
      learners: 0,
      quorum: 2,
      hasQuorum: true,
      spare: 1,
      atRisk: false,
    });
    expect(health.members.filter((x) => x.leader)).toHaveLength(1);
    expect(health.clusterId).toMatch(/^\d+$/);

    // data written through one member is there on all
    const kv = new Etcd3({ hosts: procs.map((p) => p.clientURL) });
    await kv.put('greeting').value('hello');
    kv.close();

    // leader transfer to a follower
    const leader = (await m.leader())!;
    const follower = health.members.find((x) => !x.leader)!.member;
    await m.moveLeader(follower.id);
    await eventually('new leader', async () => (await m.leader())?.id === follower.id);
    expect(leader.id).not.toBe(follower.id);

    // snapshot, verified by etcdctl and by restoring it into a fresh single member
    const dir = mkdtempSync(path.join(os.tmpdir(), 'etcd-snap-'));
    const snap = await m.snapshot(path.join(dir, 'backup.db'));
    expect(snap.sizeBytes).toBeGreaterThan(0);
    expect(snap.revision).toMatch(/^\d+$/);
    const status = JSON.parse(
      execFileSync('etcdctl', ['snapshot', 'status', snap.file, '-w', 'json'], { encoding: 'utf8' }),
    ) as { totalKey: number; revision: number };
    expect(status.totalKey).toBeGreaterThan(0);
    const restoredIp = `${prefix}.9`;
    const restoreDir = path.join(dir, 'restored');
    execFileSync(
      'etcdctl',
      [
        'snapshot',
        'restore',
        snap.file,
        `--data-dir=${restoreDir}`,
        '--name=r0',
        `--initial-cluster=r0=http://${restoredIp}:2380`,
        `--initial-advertise-peer-urls=http://${restoredIp}:2380`,
        '--initial-cluster-token=restored',
      ],
      { stdio: 'ignore' },
    );
    const restored = startEtcd({
      name: 'r0',
      ip: restoredIp,
      initialCluster: `r0=http://${restoredIp}:2380`,
      state: 'new',
      dataDir: restoreDir,
      token: 'restored',
    });
    procs.push(restored);
    await waitForPort(restoredIp, 2379);
    const rkv = new Etcd3({ hosts: restored.clientURL });
    expect(
      await eventually('restored read', () =>
        rkv
          .get('greeting')
          .string()
          .then((v) => v ?? undefined),
      ),
    ).toBe('hello');
    rkv.close();

    // a failed member puts quorum at risk; removing it restores a spare-less but healthy 2-member cluster
    const victim = procs[2]!;
    await victim.stop('SIGKILL');
    const degraded = await eventually('member down', async () => {
      const h = await m.health();
      return h.healthyVoters === 2 ? h : undefined;
    });
    expect(degraded).toMatchObject({ voters: 3, hasQuorum: true, atRisk: true });
    const victimId = degraded.members.find((x) => x.member.name === 'etcd-2')!.member.id;
    expect(await m.memberRemove(victimId)).toBe(true);
    expect(await m.memberRemove(victimId)).toBe(false);
    const after = await m.health();
    expect(after).toMatchObject({ voters: 2, healthyVoters: 2, quorum: 2, hasQuorum: true });
    removeDir(dir);
  }, 60_000);
});
