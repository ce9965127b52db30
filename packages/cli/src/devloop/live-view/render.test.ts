import { describe, it, expect } from '@jest/globals';
import { stripVTControlCharacters } from 'node:util';
import {
  describeChanges,
  eventViewOf,
  initialViewState,
  podViewOf,
  renderScreen,
  resourceViewOf,
  type LiveViewState,
} from './index.js';

const etcd = {
  apiVersion: 'etcd.example.com/v1alpha1',
  kind: 'EtcdCluster',
  metadata: { name: 'sample', namespace: 'default', uid: 'u1' },
  spec: { size: 3 },
  status: {
    phase: 'Scaling',
    conditions: [
      { type: 'Ready', status: 'False', reason: 'Scaling' },
      { type: 'Available', status: 'True' },
    ],
    operation: {
      kind: 'scale-up',
      step: 'promote-learner',
      stepIndex: 2,
      phase: 'Running',
      ordinal: 2,
      attempts: 3,
      startedAt: '',
      stepStartedAt: '',
    },
  },
};

function pod(name: string, ready: boolean, restarts: number, phase = 'Running'): unknown {
  return {
    metadata: { name, namespace: 'default', uid: name },
    spec: { containers: [{ name: 'etcd' }] },
    status: { phase, containerStatuses: [{ name: 'etcd', ready, restartCount: restarts }] },
  };
}

function state(): LiveViewState {
  const s = initialViewState('etcd-operator', 'local cluster https://127.0.0.1:6443');
  s.operator = { state: 'running', pid: 4242, restarts: 1 };
  s.resources = [resourceViewOf(etcd)];
  s.pods = [
    podViewOf(pod('sample-0', true, 0), 'EtcdCluster/sample'),
    podViewOf(pod('sample-1', true, 2), 'EtcdCluster/sample'),
    podViewOf(pod('sample-2', false, 0, 'Pending'), 'EtcdCluster/sample'),
  ];
  s.events = [
    eventViewOf({
      type: 'Normal',
      reason: 'MemberAdded',
      message: 'added   learner\nsample-2',
      lastTimestamp: '2025-01-02T03:04:05Z',
      involvedObject: { kind: 'EtcdCluster', name: 'sample' },
      count: 1,
    }),
    eventViewOf({
      type: 'Warning',
      reason: 'PromoteFailed',
      message: 'learner not in sync',
      lastTimestamp: new Date('2025-01-02T03:04:07Z'),
      involvedObject: { kind: 'EtcdCluster', name: 'sample' },
    }),
  ];
  s.logs = ['{"level":"info","msg":"reconciling"}'];
  return s;
}

describe('view state from API objects', () => {
  it('reads phase, conditions and the runbook operation of a custom resource', () => {
    expect(resourceViewOf(etcd)).toEqual({
      kind: 'EtcdCluster',
      namespace: 'default',
      name: 'sample',
      phase: 'Scaling',
      conditions: [
        { type: 'Ready', status: 'False', reason: 'Scaling' },
        { type: 'Available', status: 'True', reason: undefined },
      ],
      operation: { kind: 'scale-up', step: 'promote-learner', ordinal: 2, attempts: 3 },
    });
    expect(resourceViewOf({ kind: 'Order', metadata: { name: 'o' } })).toMatchObject({
      name: 'o',
      conditions: [],
      operation: undefined,
      phase: undefined,
    });
  });

  it('reads pod readiness and restarts, and Terminating', () => {
    const p = podViewOf(
      {
        ...(pod('x', true, 4) as object),
        metadata: { name: 'x', namespace: 'ns', deletionTimestamp: '2025-01-01T00:00:00Z' },
      },
      'A/b',
    );
    expect(p).toEqual({
      namespace: 'ns',
      name: 'x',
      owner: 'A/b',
      phase: 'Running',
      ready: '1/1',
      restarts: 4,
      terminating: true,
    });
  });
});

describe('renderScreen', () => {
  it('draws the plain screen', () => {
    expect(renderScreen(state(), { colour: false, width: 160 })).toMatchSnapshot();
  });

  it('draws colours only when asked, and cuts long lines to the width', () => {
    const coloured = renderScreen(state(), { colour: true, width: 60 });
    expect(coloured).toMatchSnapshot();
    expect(coloured).toContain('\u001b[32mRunning\u001b[0m');
    const widest = Math.max(...coloured.split('\n').map((l) => stripVTControlCharacters(l).length));
    expect(widest).toBeLessThanOrEqual(60);
    expect(renderScreen(state(), { colour: false, width: 160 })).not.toContain('\u001b[');
  });

  it('says what to do when there is nothing yet', () => {
    expect(
      renderScreen(initialViewState('p', 'local cluster'), { colour: false, width: 100 }),
    ).toMatchSnapshot();
  });
});

describe('describeChanges', () => {
  it('prints one timestamped line per change', () => {
    const before = state();
    const after = state();
    after.operator = { state: 'restarting', pid: 4242, restarts: 1 };
    after.resources[0] = {
      ...after.resources[0],
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      operation: undefined,
    };
    after.resources.push({ kind: 'EtcdCluster', namespace: 'default', name: 'other', conditions: [] });
    after.pods[2] = { ...after.pods[2], phase: 'Running', ready: '1/1' };
    after.pods.splice(0, 1);
    after.events.push({
      time: '2025-01-02T03:04:09Z',
      type: 'Normal',
      reason: 'Promoted',
      object: 'EtcdCluster/sample',
      message: 'sample-2 is a voter',
    });
    expect(describeChanges(before, after, new Date('2025-01-02T03:04:10Z'))).toMatchSnapshot();
  });

  it('prints nothing when nothing changed', () => {
    expect(describeChanges(state(), state(), new Date())).toEqual([]);
  });
});
