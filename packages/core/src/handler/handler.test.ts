import { describe, it, expect } from '@jest/globals';
import type { KubeObject, OwnerReference } from '../client/index.js';
import type { Request } from '../reconcile/index.js';
import {
  enqueueRequestForObject,
  enqueueRequestForOwner,
  enqueueRequestsFromMapFunc,
  handlerFuncs,
  type ObjectEvent,
  type RequestQueue,
} from './index.js';

function recorder(): RequestQueue & { added: Request[] } {
  const added: Request[] = [];
  return { added, add: (r) => added.push(r), addAfter: (r) => added.push(r) };
}

const pod = (name: string, owners: OwnerReference[] = []): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', ownerReferences: owners },
});
const rsRef = (name: string, controller?: boolean): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name,
  uid: name,
  controller,
});

describe('enqueueRequestForObject', () => {
  it('enqueues the object of every event type', () => {
    const q = recorder();
    const h = enqueueRequestForObject();
    h.handle({ type: 'create', object: pod('a'), isInInitialList: false }, q);
    h.handle({ type: 'update', objectOld: pod('b'), objectNew: pod('b') }, q);
    h.handle({ type: 'delete', object: pod('c'), deleteStateUnknown: true }, q);
    h.handle({ type: 'generic', object: pod('d') }, q);
    expect(q.added.map((r) => r.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(q.added[0]).toEqual({ namespace: 'ns', name: 'a' });
  });
});

describe('enqueueRequestForOwner', () => {
  it('enqueues only the controller owner of the given group/kind', () => {
    const q = recorder();
    const h = enqueueRequestForOwner({ group: 'apps', kind: 'ReplicaSet' });
    h.handle(
      {
        type: 'create',
        object: pod('p', [rsRef('other'), rsRef('rs1', true), { ...rsRef('x', true), apiVersion: 'v1' }]),
        isInInitialList: false,
      },
      q,
    );
    expect(q.added).toEqual([{ namespace: 'ns', name: 'rs1' }]);
  });

  it('on update enqueues the owners of old and new, once each', () => {
    const q = recorder();
    const h = enqueueRequestForOwner(
      { group: 'apps', version: 'v1', kind: 'ReplicaSet' },
      { onlyControllerOwner: false },
    );
    const e: ObjectEvent = {
      type: 'update',
      objectOld: pod('p', [rsRef('a'), rsRef('b')]),
      objectNew: pod('p', [rsRef('b'), rsRef('c')]),
    };
    h.handle(e, q);
    expect(q.added.map((r) => r.name)).toEqual(['a', 'b', 'c']);
  });

  it('gives cluster-scoped owners an empty namespace', () => {
    const q = recorder();
    enqueueRequestForOwner({ group: '', kind: 'Node' }, { clusterScopedOwner: true }).handle(
      {
        type: 'generic',
        object: pod('p', [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'u', controller: true }]),
      },
      q,
    );
    expect(q.added).toEqual([{ namespace: '', name: 'n1' }]);
  });
});

describe('enqueueRequestsFromMapFunc', () => {
  it('maps old and new, deduplicated, sync or async', async () => {
    const q = recorder();
    const h = enqueueRequestsFromMapFunc(async (o) => [
      { namespace: 'x', name: o.metadata.name! },
      { namespace: 'x', name: 'shared' },
    ]);
    await h.handle({ type: 'update', objectOld: pod('a'), objectNew: pod('b') }, q);
    expect(q.added.map((r) => r.name)).toEqual(['a', 'shared', 'b']);
  });
});

describe('handlerFuncs', () => {
  it('dispatches by event type', () => {
    const q = recorder();
    const h = handlerFuncs({
      delete: (e, queue) => queue.add({ namespace: '', name: e.object.metadata.name! }),
    });
    h.handle({ type: 'create', object: pod('a'), isInInitialList: true }, q);
    h.handle({ type: 'delete', object: pod('b'), deleteStateUnknown: false }, q);
    expect(q.added).toEqual([{ namespace: '', name: 'b' }]);
  });
});
