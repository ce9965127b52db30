import { describe, expect, it } from '@jest/globals';
import {
  ETCD_RUNBOOKS,
  etcdRunbooks,
  initialClusterForJoin,
  planEtcdOperation,
  scaleDownVictim,
  UNSAFE_MEMBER_REMOVAL,
  upgradeOrder,
  type EtcdObservation,
  type EtcdObservedMember,
} from '../src/runbooks/index.js';

const member = (i: number, over: Partial<EtcdObservedMember> = {}): EtcdObservedMember => ({
  name: `e-${i}`,
  id: String(1000 + i),
  learner: false,
  healthy: true,
  leader: i === 0,
  ...over,
});
const obs = (over: Partial<EtcdObservation> = {}): EtcdObservation => ({
  set: 'e',
  size: 3,
  replicas: 3,
  reachable: true,
  members: [member(0), member(1), member(2)],
  ...over,
});
const op = (o: EtcdObservation) => {
  const d = planEtcdOperation(o);
  return d.type === 'Operation' ? d.operation : d.type === 'Blocked' ? d.reason : 'Converged';
};

describe('planEtcdOperation', () => {
  it('bootstraps when there is no StatefulSet, then converges', () => {
    expect(op(obs({ replicas: undefined, members: [], reachable: false }))).toEqual({
      kind: 'Bootstrap',
      target: 'e',
      from: 0,
      to: 3,
      ordinal: 0,
    });
    expect(op(obs())).toBe('Converged');
    expect(op(obs({ paused: true, replicas: undefined }))).toBe('Paused');
  });

  it('scales up one member at a time from the member list, not the replica count', () => {
    expect(op(obs({ replicas: 1, members: [member(0)] }))).toEqual({
      kind: 'ScaleUp',
      target: 'e',
      from: 1,
      to: 2,
      ordinal: 1,
    });
    // replicas say 2 but etcd knows only e-0: e-1 is re-added (replaced), never a third member first
    expect(op(obs({ replicas: 2, members: [member(0)] }))).toEqual({
      kind: 'ReplaceMember',
      target: 'e',
      ordinal: 1,
    });
    // a learner left by a lost operation is finished by the scale-up runbook
    expect(
      op(obs({ replicas: 1, members: [member(0), member(1, { learner: true, healthy: false })] })),
    ).toEqual({ kind: 'ScaleUp', target: 'e', from: 1, to: 2, ordinal: 1 });
    // an unwanted learner is removed
    expect(
      op(obs({ size: 1, replicas: 1, members: [member(0), member(1, { learner: true })] })),
    ).toMatchObject({ kind: 'ScaleDown', ordinal: 1, to: 1 });
  });

  it('scales down the highest ordinal, only with every voter healthy, never from 2 voters', () => {
    expect(op(obs({ size: 1 }))).toEqual({ kind: 'ScaleDown', target: 'e', from: 3, to: 2, ordinal: 2 });
    expect(op(obs({ size: 1, members: [member(0), member(1), member(2, { healthy: false })] }))).toBe(
      'MemberUnhealthy',
    );
    expect(op(obs({ size: 1, replicas: 2, members: [member(0), member(1, { healthy: false })] }))).toBe(
      'QuorumLost',
    );
    // never 2 → 1: blocked with a message saying why and what to do, nothing started
    const two = planEtcdOperation(obs({ size: 1, replicas: 2, members: [member(0), member(1)] }));
    expect(two).toMatchObject({ type: 'Blocked', reason: UNSAFE_MEMBER_REMOVAL });
    expect(two.type === 'Blocked' && two.message).toMatch(/2-member.*spec\.size to 2.*restore/s);
    // a learner beside the 2 voters does not make it safe; the unwanted learner is removed first
    expect(
      op(obs({ size: 1, replicas: 3, members: [member(0), member(1), member(2, { learner: true })] })),
    ).toMatchObject({ kind: 'ScaleDown', ordinal: 2 });
    // a version change still rolls a cluster blocked at 2
    expect(
      op(
        obs({
          size: 1,
          replicas: 2,
          members: [member(0), member(1)],
          revisions: { current: 'a', update: 'b', outdated: ['e-1'] },
        }),
      ),
    ).toMatchObject({ kind: 'RollingUpdate', from: 'a', to: 'b' });
    // 3 → 2 is allowed (size 1 asks for it): the first step of 3 → 1 goes, the second is refused
    expect(op(obs({ size: 1 }))).toMatchObject({ kind: 'ScaleDown', ordinal: 2 });
    expect(scaleDownVictim('e', [member(0), member(10), member(2)])?.name).toBe('e-10');
  });

  it('never acts without quorum or an answer', () => {
    expect(op(obs({ reachable: false, members: [] }))).toBe('NoMemberAnswers');
    expect(
      op(obs({ members: [member(0), member(1, { healthy: false }), member(2, { healthy: false })] })),
    ).toBe('QuorumLost');
  });

  it('replaces a failed member only while a quorum remains without it', () => {
    expect(
      op(obs({ members: [member(0), member(1), member(2, { healthy: false })], failed: ['e-2'] })),
    ).toEqual({ kind: 'ReplaceMember', target: 'e', ordinal: 2 });
    const five = [0, 1, 2, 3, 4].map((i) => member(i, { healthy: i < 3 }));
    expect(op(obs({ size: 5, replicas: 5, members: five, failed: ['e-3'] }))).toEqual({
      kind: 'ReplaceMember',
      target: 'e',
      ordinal: 3,
    });
    expect(
      op(obs({ size: 2, replicas: 2, members: [member(0), member(1, { healthy: false })], failed: ['e-1'] })),
    ).toBe('QuorumLost');
  });

  it('rolls outdated members after membership converges, followers first and the leader last', () => {
    expect(op(obs({ revisions: { current: 'e-a', update: 'e-b', outdated: ['e-0', 'e-1'] } }))).toEqual({
      kind: 'RollingUpdate',
      target: 'e',
      from: 'e-a',
      to: 'e-b',
    });
    expect(
      op(obs({ replicas: 2, members: [member(0), member(1)], revisions: { outdated: ['e-0'] } })),
    ).toMatchObject({ kind: 'ScaleUp' });
    expect(upgradeOrder('e', ['e-0', 'e-2', 'e-1'], 'e-1')).toEqual(['e-2', 'e-0', 'e-1']);
  });

  it('builds --initial-cluster for a joining member from the member list', () => {
    const current = [
      { name: 'e-0', peerURLs: ['http://e-0.e:2380'] },
      { name: '', peerURLs: ['http://e-1.e:2380'] }, // the joining learner itself, listed but unnamed
    ];
    expect(initialClusterForJoin(current, { name: 'e-1', peerURL: 'http://e-1.e:2380' })).toBe(
      'e-0=http://e-0.e:2380,e-1=http://e-1.e:2380',
    );
  });
});

describe('the runbook table', () => {
  it('names the same steps the implemented runbooks run', () => {
    const code = new Map(etcdRunbooks().map((r) => [r.kind, r.steps.map((s) => s.name)]));
    for (const plan of ETCD_RUNBOOKS.filter((p) => p.implemented)) {
      expect([plan.kind, plan.steps.map((s) => s.name)]).toEqual([plan.kind, code.get(plan.kind)]);
    }
    expect([...code.keys()].sort()).toEqual(
      ETCD_RUNBOOKS.filter((p) => p.implemented)
        .map((p) => p.kind)
        .sort(),
    );
  });
});
