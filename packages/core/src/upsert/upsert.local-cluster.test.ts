/** The write helpers (upsert, status, finalizer) and the EventRecorder against @opkit/local-cluster. */
import { describe, it, expect } from '@jest/globals';
import { KubeClient, errorFromStatus, isNotFound, type KubeObject, type Status } from '../client/index.js';
import { EventRecorder, type CoreEvent } from '../events/index.js';
import { handleFinalizer, ensureFinalizer } from '../finalizer/index.js';
import { updateStatus } from '../status/index.js';
import { applyDesired, createOrPatch, createOrUpdate } from './index.js';
import { useTestCluster } from '../__tests__/local-cluster.js';

const CM = { group: '', version: 'v1', kind: 'ConfigMap' };
const NS = 'default';
const configMap = (name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS },
  data,
});

describe('write helpers on a LocalCluster', () => {
  const suite = useTestCluster();

  it('createOrUpdate: created, unchanged, updated', async () => {
    const mutate = (o: KubeObject): void => {
      o['data'] = { ...(o['data'] as object), a: '1' };
    };
    const r1 = await createOrUpdate(suite.client, configMap('cou'), mutate);
    expect(r1.operation).toBe('created');
    const r2 = await createOrUpdate(suite.client, configMap('cou'), mutate);
    expect(r2.operation).toBe('unchanged');
    const r3 = await createOrUpdate(suite.client, configMap('cou'), (o) => {
      o['data'] = { a: '2' };
    });
    expect(r3.operation).toBe('updated');
    expect((await suite.client.get(CM, 'cou', { namespace: NS }))['data']).toEqual({ a: '2' });
    await expect(
      createOrUpdate(suite.client, configMap('cou'), (o) => void (o.metadata.name = 'x')),
    ).rejects.toThrow(/MutateFn/);
  });

  it('createOrPatch keeps fields it did not touch; applyDesired owns its fields', async () => {
    expect(
      (await createOrPatch(suite.client, configMap('cop', { keep: 'k' }), () => undefined)).operation,
    ).toBe('created');
    const r = await createOrPatch(suite.client, configMap('cop'), (o) => {
      (o['data'] as Record<string, string>)['b'] = 'x';
    });
    expect(r.operation).toBe('updated');
    expect(r.object['data']).toEqual({ keep: 'k', b: 'x' });
    expect((await createOrPatch(suite.client, configMap('cop'), () => undefined)).operation).toBe(
      'unchanged',
    );

    const applied = await applyDesired(suite.client, configMap('ssa', { x: '1' }), {
      fieldManager: 'test-controller',
    });
    expect(applied['data']).toEqual({ x: '1' });
    const again = await applyDesired(
      suite.client,
      { ...applied, data: { y: '2' } },
      { fieldManager: 'test-controller' },
    );
    expect(again['data']).toEqual({ y: '2' });
  });

  it('updateStatus retries a conflict by re-reading and re-applying the change', async () => {
    const stale = await suite.client.get(CM, 'cou', { namespace: NS });
    await suite.client.update({ ...stale, data: { bumped: 'yes' } }); // makes `stale` stale
    let calls = 0;
    // ConfigMaps have no status subresource: exercise the retry through a client that conflicts once
    const conflictingOnce = Object.assign(Object.create(suite.client) as KubeClient, {
      updateStatus: async <T extends KubeObject>(obj: T): Promise<T> => {
        calls++;
        if (calls === 1) {
          throw errorFromStatus({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            reason: 'Conflict',
            code: 409,
            message: 'conflict',
          } as Status);
        }
        return suite.client.update(obj);
      },
    });
    const result = await updateStatus(conflictingOnce, stale, (o) => {
      o['status'] = { phase: 'Ready' };
    });
    expect(calls).toBe(2);
    expect(result.updated).toBe(true);
    expect(result.object['data']).toEqual({ bumped: 'yes' }); // re-applied to the fresh copy
  });

  it('handleFinalizer adds the finalizer, runs cleanup once on deletion, then lets the object go', async () => {
    const obj = await suite.client.create(configMap('fin'));
    let cleanups = 0;
    const cleanup = (): void => void cleanups++;
    const first = await handleFinalizer(suite.client, obj, 'example.com/cleanup', cleanup);
    expect(first.deleting).toBe(false);
    expect(first.object?.metadata.finalizers).toEqual(['example.com/cleanup']);
    await ensureFinalizer(suite.client, first.object!, 'example.com/cleanup'); // no-op
    await suite.client.delete(CM, 'fin', { namespace: NS });
    const deleting = await suite.client.get(CM, 'fin', { namespace: NS });
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    const outcome = await handleFinalizer(suite.client, deleting, 'example.com/cleanup', cleanup);
    expect(outcome.deleting).toBe(true);
    expect(cleanups).toBe(1);
    const gone = await suite.client.get(CM, 'fin', { namespace: NS }).catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
  });

  it('EventRecorder counts repeats, aggregates similar events and writes core/v1 fields', async () => {
    const cm = await suite.client.get(CM, 'cou', { namespace: NS });
    const recorder = new EventRecorder({
      client: suite.client,
      component: 'test-operator',
      host: 'node-a',
      aggregateMaxEvents: 3,
    });
    recorder.event(cm, 'Normal', 'Synced', 'synced ok');
    recorder.event(cm, 'Normal', 'Synced', 'synced ok');
    recorder.event(cm, 'Normal', 'Synced', 'synced ok');
    await recorder.flush();
    const list = await suite.client.list<CoreEvent>(
      { group: '', version: 'v1', kind: 'Event' },
      { namespace: NS },
    );
    const synced = list.items.filter((e) => e.reason === 'Synced');
    expect(synced).toHaveLength(1);
    expect(synced[0]).toMatchObject({
      count: 3,
      type: 'Normal',
      message: 'synced ok',
      source: { component: 'test-operator', host: 'node-a' },
      reportingComponent: 'test-operator',
      involvedObject: { kind: 'ConfigMap', name: 'cou', namespace: NS, uid: cm.metadata.uid },
    });
    recorder.event(cm, 'Warning', 'Failed', 'error 1');
    recorder.event(cm, 'Warning', 'Failed', 'error 2');
    recorder.event(cm, 'Warning', 'Failed', 'error 3');
    recorder.event(cm, 'Warning', 'Failed', 'error 4');
    await recorder.flush();
    const failed = (
      await suite.client.list<CoreEvent>({ group: '', version: 'v1', kind: 'Event' }, { namespace: NS })
    ).items.filter((e) => e.reason === 'Failed');
    const combined = failed.filter((e) => e.message.startsWith('(combined from similar events): '));
    expect(failed).toHaveLength(3);
    expect(combined).toHaveLength(1);
    expect(combined[0]!.count).toBe(2);
    expect(combined[0]!.message).toBe('(combined from similar events): error 4');
  });

  it('EventRecorder drops a flood beyond the burst', async () => {
    const cm = await suite.client.get(CM, 'cop', { namespace: NS });
    const recorder = new EventRecorder({ client: suite.client, component: 'flood', spamBurst: 2 });
    for (let i = 0; i < 5; i++) recorder.event(cm, 'Normal', 'Tick', 'same');
    await recorder.flush();
    const ticks = (
      await suite.client.list<CoreEvent>({ group: '', version: 'v1', kind: 'Event' }, { namespace: NS })
    ).items.filter((e) => e.reason === 'Tick');
    expect(ticks).toHaveLength(1);
    expect(ticks[0]!.count).toBe(2);
  });
});
