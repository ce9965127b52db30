import { describe, it, expect } from '@jest/globals';
import { ApiError, type JsonObject, type KubeObject } from '../api/index.js';
import { builtinTypes, builtinTypeName } from '../schema/index.js';
import { serverSideApply, trackUpdate, type ApplyRequest } from './index.js';

const deploymentType = builtinTypeName('apps', 'v1', 'Deployment') as string;
const statefulSetType = builtinTypeName('apps', 'v1', 'StatefulSet') as string;
const configMapType = builtinTypeName('', 'v1', 'ConfigMap') as string;
const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T00:01:00Z';

function deployment(spec: JsonObject, meta: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', ...meta },
    spec,
  };
}

function container(name: string, image: string, extra: JsonObject = {}): JsonObject {
  return { name, image, ...extra };
}

function podSpec(containers: JsonObject[]): JsonObject {
  return {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
  };
}

function apply(
  live: KubeObject | undefined,
  applied: JsonObject,
  manager: string,
  extra: Partial<ApplyRequest> = {},
): KubeObject {
  return serverSideApply({
    live,
    applied,
    manager,
    force: false,
    typeSet: builtinTypes,
    typeName: deploymentType,
    apiVersion: 'apps/v1',
    now: () => T1,
    ...extra,
  });
}

function entry(obj: KubeObject, manager: string, operation = 'Apply'): JsonObject | undefined {
  return obj.metadata.managedFields?.find((e) => e.manager === manager && e.operation === operation)
    ?.fieldsV1;
}

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('serverSideApply', () => {
  it('creates a Deployment and records the applier with FieldsV1', () => {
    const out = apply(
      undefined,
      deployment({ replicas: 2, ...podSpec([container('c', 'nginx:1')]) }, { labels: { a: '1' } }),
      'mgr',
    );
    expect(out.spec).toMatchObject({ replicas: 2 });
    expect(out.metadata.managedFields).toEqual([
      {
        manager: 'mgr',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:a': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ]);
  });

  it('applies a StatefulSet with volumeClaimTemplates as an atomic list', () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        serviceName: 'db',
        ...podSpec([container('db', 'pg:16')]),
        volumeClaimTemplates: [{ metadata: { name: 'data' } }],
      },
    };
    const out = serverSideApply({
      live: undefined,
      applied: sts,
      manager: 'op',
      force: false,
      typeSet: builtinTypes,
      typeName: statefulSetType,
      apiVersion: 'apps/v1',
      now: () => T1,
    });
    const spec = entry(out, 'op')?.['f:spec'] as JsonObject;
    expect(spec['f:volumeClaimTemplates']).toEqual({});
    expect(spec['f:serviceName']).toEqual({});
  });

  it('re-applying the same configuration is a no-op', () => {
    const cfg = deployment({ replicas: 2, ...podSpec([container('c', 'nginx:1')]) });
    const first = apply(undefined, cfg, 'mgr');
    const live = { ...first, metadata: { ...first.metadata, uid: 'u1', resourceVersion: '5' } };
    const second = apply(live, cfg, 'mgr', { now: () => T2 });
    expect(second).toEqual(live);
  });

  it('removes a field the applier no longer applies when nobody else owns it', () => {
    const first = apply(
      undefined,
      deployment({ replicas: 2, minReadySeconds: 5, ...podSpec([container('c', 'nginx:1')]) }),
      'mgr',
    );
    const second = apply(first, deployment({ replicas: 2, ...podSpec([container('c', 'nginx:1')]) }), 'mgr');
    expect((second.spec as JsonObject)['minReadySeconds']).toBeUndefined();
    expect((second.spec as JsonObject)['replicas']).toBe(2);
  });

  it("keeps unowned (defaulted) fields and other managers' fields when the applier drops a subtree", () => {
    const a = apply(undefined, deployment({ replicas: 2, ...podSpec([container('c', 'nginx:1')]) }), 'a');
    // Server defaulting adds fields nobody owns.
    (a.spec as JsonObject)['revisionHistoryLimit'] = 10;
    const b = apply(a, deployment({ paused: true }), 'b');
    const c = apply(b, deployment({ replicas: 2 }), 'a');
    expect(c.spec).toEqual({ replicas: 2, revisionHistoryLimit: 10, paused: true });
  });

  it('keeps a dropped field that another applier also owns (shared ownership, same value)', () => {
    const cfg = deployment({ replicas: 3, ...podSpec([container('c', 'nginx:1')]) });
    const a = apply(undefined, cfg, 'a');
    const b = apply(a, deployment({ replicas: 3 }), 'b');
    expect(entry(b, 'b')).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect((entry(b, 'a')?.['f:spec'] as JsonObject)['f:replicas']).toEqual({});
    // a drops replicas: b still owns it, so it stays.
    const c = apply(b, deployment(podSpec([container('c', 'nginx:1')])), 'a');
    expect((c.spec as JsonObject)['replicas']).toBe(3);
    expect((entry(c, 'a')?.['f:spec'] as JsonObject)['f:replicas']).toBeUndefined();
  });

  it('reports a conflict with an Update manager as kube-apiserver words it', () => {
    const created = trackUpdate({
      old: undefined,
      updated: deployment({ replicas: 1, ...podSpec([container('c', 'nginx:1')]) }) as unknown as KubeObject,
      manager: 'kubectl-client-side-apply',
      typeSet: builtinTypes,
      typeName: deploymentType,
      apiVersion: 'apps/v1',
      now: () => T1,
    });
    const err = thrown(() => apply(created, deployment({ replicas: 5 }), 'mgr'));
    expect(err.code).toBe(409);
    expect(err.status.reason).toBe('Conflict');
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    expect(err.status.details?.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-client-side-apply" using apps/v1',
        field: '.spec.replicas',
      },
    ]);
  });

  it('lists several conflicts per manager, appliers named without version', () => {
    const a = apply(
      undefined,
      deployment({ replicas: 1, minReadySeconds: 1, ...podSpec([container('c', 'nginx:1')]) }),
      'a',
    );
    const err = thrown(() => apply(a, deployment({ replicas: 2, minReadySeconds: 2 }), 'b'));
    expect(err.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "a":\n- .spec.minReadySeconds\n- .spec.replicas',
    );
    expect(err.status.details?.causes?.map((c) => c.field)).toEqual([
      '.spec.minReadySeconds',
      '.spec.replicas',
    ]);
  });

  it('force moves ownership to the applier', () => {
    const a = apply(undefined, deployment({ replicas: 1, ...podSpec([container('c', 'nginx:1')]) }), 'a');
    const b = apply(a, deployment({ replicas: 4 }), 'b', { force: true });
    expect((b.spec as JsonObject)['replicas']).toBe(4);
    expect(entry(b, 'b')).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect((entry(b, 'a')?.['f:spec'] as JsonObject)['f:replicas']).toBeUndefined();
  });

  it('merges containers by name with per-item ownership', () => {
    const a = apply(undefined, deployment(podSpec([container('a', 'img-a')])), 'a');
    const b = apply(a, deployment({ template: { spec: { containers: [container('b', 'img-b')] } } }), 'b');
    const containers = ((b.spec as JsonObject)['template'] as { spec: { containers: JsonObject[] } }).spec
      .containers;
    expect(containers.map((c) => c['name'])).toEqual(['a', 'b']);
    const bFields = entry(b, 'b') as JsonObject;
    expect(bFields).toEqual({
      'f:spec': {
        'f:template': {
          'f:spec': { 'f:containers': { 'k:{"name":"b"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });
    // a stops applying its container: it goes; b's stays.
    const c = apply(
      b,
      deployment({
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } },
      }),
      'a',
    );
    const left = ((c.spec as JsonObject)['template'] as { spec: { containers: JsonObject[] } }).spec
      .containers;
    expect(left.map((x) => x['name'])).toEqual(['b']);
  });

  it('changing an item field owned by another manager conflicts on that item path', () => {
    const a = apply(undefined, deployment(podSpec([container('c', 'v1')])), 'a');
    const err = thrown(() =>
      apply(a, deployment({ template: { spec: { containers: [container('c', 'v2')] } } }), 'b'),
    );
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "a": .spec.template.spec.containers[name="c"].image',
    );
  });

  it('replaces an atomic list whole (container args)', () => {
    const a = apply(undefined, deployment(podSpec([container('c', 'i', { args: ['x', 'y'] })])), 'a');
    const b = apply(a, deployment(podSpec([container('c', 'i', { args: ['z'] })])), 'a');
    const c0 = ((b.spec as JsonObject)['template'] as { spec: { containers: JsonObject[] } }).spec
      .containers[0] as JsonObject;
    expect(c0['args']).toEqual(['z']);
    const owned = entry(b, 'a') as JsonObject;
    expect(JSON.stringify(owned)).toContain('"f:args":{}');
  });

  it('keys container ports by containerPort and defaulted protocol', () => {
    const a = apply(
      undefined,
      deployment(podSpec([container('c', 'i', { ports: [{ containerPort: 80 }] })])),
      'a',
    );
    expect(JSON.stringify(entry(a, 'a'))).toContain('"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}"');
  });

  it('keys Service ports by port and protocol in conflict paths', () => {
    const svc = (targetPort: number): JsonObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'default', creationTimestamp: null },
      spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort }] },
    });
    const req = {
      force: false,
      typeSet: builtinTypes,
      typeName: builtinTypeName('', 'v1', 'Service') as string,
      apiVersion: 'v1',
      now: () => T1,
    };
    const a = serverSideApply({ ...req, live: undefined, applied: svc(8080), manager: 'a' });
    const err = thrown(() => serverSideApply({ ...req, live: a, applied: svc(9090), manager: 'b' }));
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "a": .spec.ports[port=80,protocol="TCP"].targetPort',
    );
  });

  it('ignores status when applying to /status only with subresource status', () => {
    const base = apply(undefined, deployment({ replicas: 1, ...podSpec([container('c', 'i')]) }), 'a');
    const out = apply(
      base,
      { ...deployment({ replicas: 9 }), status: { replicas: 1, readyReplicas: 1 } },
      'ctrl',
      { subresource: 'status' },
    );
    expect((out.spec as JsonObject)['replicas']).toBe(1);
    expect(out['status']).toEqual({ replicas: 1, readyReplicas: 1 });
    const e = out.metadata.managedFields?.find((m) => m.manager === 'ctrl');
    expect(e?.subresource).toBe('status');
    expect(e?.fieldsV1).toEqual({ 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } });
  });

  it('tracks metadata: labels, finalizers as a set, ownerReferences by uid; not name or uid', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        namespace: 'default',
        labels: { x: 'y' },
        finalizers: ['f1'],
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u-1' }],
      },
      data: { k: 'v' },
    };
    const out = serverSideApply({
      live: undefined,
      applied: cm,
      manager: 'm',
      force: false,
      typeSet: builtinTypes,
      typeName: configMapType,
      apiVersion: 'v1',
      now: () => T1,
    });
    expect(entry(out, 'm')).toEqual({
      'f:data': { 'f:k': {} },
      'f:metadata': {
        'f:finalizers': { 'v:"f1"': {} },
        'f:labels': { 'f:x': {} },
        // OwnerReference is an atomic struct (+structType=atomic): the item is owned whole.
        'f:ownerReferences': { 'k:{"uid":"u-1"}': {} },
      },
    });
  });

  it('refuses managedFields, a wrong apiVersion and unknown fields', () => {
    expect(thrown(() => apply(undefined, deployment({}, { managedFields: [] }), 'm')).code).toBe(400);
    expect(
      thrown(() => apply(undefined, { ...deployment({}), apiVersion: 'apps/v1beta1' }, 'm')).message,
    ).toBe(
      'Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1',
    );
    const err = thrown(() => apply(undefined, deployment({ replicaz: 1 }), 'm'));
    expect(err.code).toBe(500);
    expect(err.message).toBe(
      'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replicaz: field not declared in schema',
    );
    expect(thrown(() => apply(undefined, deployment({ replicas: '3' }), 'm')).message).toBe(
      'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string',
    );
    expect(thrown(() => apply(undefined, deployment({ template: 'x' }), 'm')).message).toContain(
      '.spec.template: expected map, got x',
    );
    const dup = thrown(() =>
      apply(undefined, deployment(podSpec([container('c', 'a'), container('c', 'b')])), 'm'),
    );
    expect(dup.message).toContain('.spec.template.spec.containers: duplicate entries for key [name="c"]');
  });

  it('gives an object without managedFields a before-first-apply owner', () => {
    const live = deployment(
      { replicas: 1, ...podSpec([container('c', 'i')]) },
      { uid: 'u' },
    ) as unknown as KubeObject;
    const err = thrown(() => apply(live, deployment({ replicas: 2 }), 'm'));
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
    );
  });

  it('lets kubectl take over fields its client-side apply set', () => {
    const cfg = deployment({ replicas: 1, ...podSpec([container('c', 'i')]) });
    const created = trackUpdate({
      old: undefined,
      updated: deployment(cfg['spec'] as JsonObject, {
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(cfg) },
      }) as unknown as KubeObject,
      manager: 'kubectl-client-side-apply',
      typeSet: builtinTypes,
      typeName: deploymentType,
      apiVersion: 'apps/v1',
      now: () => T1,
    });
    const out = apply(created, deployment({ replicas: 3, ...podSpec([container('c', 'i')]) }), 'kubectl');
    expect((out.spec as JsonObject)['replicas']).toBe(3);
    const annotation = out.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '';
    expect(JSON.parse(annotation)).toMatchObject({ spec: { replicas: 3 } });
  });
});

describe('trackUpdate', () => {
  const base = { typeSet: builtinTypes, typeName: deploymentType, apiVersion: 'apps/v1' };

  it('records a create as an Update entry with "." for new maps, lists and list items', () => {
    const out = trackUpdate({
      ...base,
      old: undefined,
      updated: deployment(
        { replicas: 1, ...podSpec([container('c', 'i')]) },
        { labels: { a: 'b' } },
      ) as unknown as KubeObject,
      manager: 'kubectl-create',
      now: () => T1,
    });
    expect(out.metadata.managedFields).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              // Deviation: kube-apiserver's Go zero PodSpec has `containers: null`, so it writes no `.` here.
              'f:spec': {
                'f:containers': { '.': {}, 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
              },
            },
          },
        },
      },
    ]);
  });

  it('an Update takes changed fields from appliers silently and keeps their time', () => {
    const applied = apply(undefined, deployment({ replicas: 1, ...podSpec([container('c', 'i')]) }), 'a');
    const updated = structuredClone(applied);
    (updated.spec as JsonObject)['replicas'] = 7;
    const out = trackUpdate({ ...base, old: applied, updated, manager: 'scaler', now: () => T2 });
    expect(entry(out, 'scaler', 'Update')).toEqual({ 'f:spec': { 'f:replicas': {} } });
    const a = out.metadata.managedFields?.find((e) => e.manager === 'a');
    expect(a?.time).toBe(T1);
    expect((a?.fieldsV1?.['f:spec'] as JsonObject)['f:replicas']).toBeUndefined();
    // The applier now conflicts with the scaler.
    const err = thrown(() => apply(out, deployment({ replicas: 1 }), 'a'));
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "scaler" using apps/v1: .spec.replicas',
    );
  });

  it('an update that changes nothing leaves managedFields alone', () => {
    const created = trackUpdate({
      ...base,
      old: undefined,
      updated: deployment({ replicas: 1 }) as unknown as KubeObject,
      manager: 'x',
      now: () => T1,
    });
    const again = trackUpdate({
      ...base,
      old: created,
      updated: structuredClone(created),
      manager: 'y',
      now: () => T2,
    });
    expect(again.metadata.managedFields).toEqual(created.metadata.managedFields);
  });

  it('removed fields leave their owners; empty entries disappear', () => {
    const created = trackUpdate({
      ...base,
      old: undefined,
      updated: deployment({ replicas: 1 }) as unknown as KubeObject,
      manager: 'x',
      now: () => T1,
    });
    const updated = structuredClone(created);
    delete (updated.spec as JsonObject)['replicas'];
    (updated.spec as JsonObject)['paused'] = true;
    const out = trackUpdate({ ...base, old: created, updated, manager: 'y', now: () => T2 });
    expect(out.metadata.managedFields?.map((e) => e.manager)).toEqual(['y']);
  });

  it('status subresource writes get their own entry and ignore sent managedFields', () => {
    const created = trackUpdate({
      ...base,
      old: undefined,
      updated: deployment({ replicas: 1 }) as unknown as KubeObject,
      manager: 'x',
      now: () => T1,
    });
    const updated = { ...structuredClone(created), status: { replicas: 1 } } as KubeObject;
    updated.metadata.managedFields = [];
    const out = trackUpdate({
      ...base,
      old: created,
      updated,
      manager: 'ctrl',
      subresource: 'status',
      now: () => T2,
    });
    const e = out.metadata.managedFields?.find((m) => m.manager === 'ctrl');
    expect(e).toMatchObject({
      operation: 'Update',
      subresource: 'status',
      fieldsV1: { 'f:status': { '.': {}, 'f:replicas': {} } },
    });
    expect(out.metadata.managedFields).toHaveLength(2);
  });

  it('managedFields [{}] clears them; an object without them is then not tracked', () => {
    const created = trackUpdate({
      ...base,
      old: undefined,
      updated: deployment({ replicas: 1 }) as unknown as KubeObject,
      manager: 'x',
      now: () => T1,
    });
    const cleared = trackUpdate({
      ...base,
      old: created,
      updated: { ...structuredClone(created), metadata: { ...created.metadata, managedFields: [{}] } },
      manager: 'y',
    });
    expect(cleared.metadata.managedFields).toBeUndefined();
    const next = structuredClone(cleared);
    (next.spec as JsonObject)['replicas'] = 2;
    expect(
      trackUpdate({ ...base, old: cleared, updated: next, manager: 'z' }).metadata.managedFields,
    ).toBeUndefined();
  });

  it('caps Update managers at 10, folding the oldest into ancient-changes', () => {
    let obj = trackUpdate({
      ...base,
      old: undefined,
      updated: deployment({}, { labels: { l0: 'x' } }) as unknown as KubeObject,
      manager: 'm0',
      now: () => T1,
    });
    for (let i = 1; i <= 11; i++) {
      const next = structuredClone(obj);
      (next.metadata.labels as Record<string, string>)[`l${i}`] = 'x';
      obj = trackUpdate({
        ...base,
        old: obj,
        updated: next,
        manager: `m${i}`,
        now: () => `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
      });
    }
    const names = obj.metadata.managedFields?.map((e) => e.manager) ?? [];
    expect(names).toHaveLength(10);
    expect(names).toContain('ancient-changes');
  });
});
