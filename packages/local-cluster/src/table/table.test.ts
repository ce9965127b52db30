import { describe, it, expect } from '@jest/globals';
import type { KubeObject } from '../api/index.js';
import { ResourceRegistry, type ResourceType } from '../registry/index.js';
import {
  evaluateJsonPath,
  humanDuration,
  toPartialObjectMetadata,
  toPartialObjectMetadataList,
  toTable,
} from './index.js';

const registry = ResourceRegistry.withBuiltins();
const now = new Date('2025-01-01T12:00:00Z');

function pod(overrides: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-0',
      namespace: 'default',
      creationTimestamp: '2025-01-01T11:55:00Z',
      labels: { app: 'web' },
    },
    spec: {
      nodeName: 'node-1',
      containers: [
        { name: 'app', image: 'nginx' },
        { name: 'sidecar', image: 'busybox' },
      ],
    },
    status: {
      phase: 'Running',
      podIP: '10.0.0.7',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        {
          name: 'app',
          ready: true,
          restartCount: 2,
          state: { running: {} },
          lastState: { terminated: { exitCode: 1, finishedAt: '2025-01-01T11:58:00Z' } },
        },
        {
          name: 'sidecar',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
        },
      ],
    },
    ...overrides,
  };
}

describe('toTable', () => {
  it('prints pods with the kube-apiserver columns', () => {
    const type = registry.get('', 'v1', 'pods') as ResourceType;
    const table = toTable(type, [pod()], { now, listMeta: { resourceVersion: '42' } });
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.metadata).toEqual({ resourceVersion: '42' });
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ]);
    expect(table.columnDefinitions[0]?.format).toBe('name');
    expect(table.rows[0]?.cells).toEqual([
      'web-0',
      '1/2',
      'CrashLoopBackOff',
      '2 (2m ago)',
      '5m',
      '10.0.0.7',
      'node-1',
      '<none>',
      '<none>',
    ]);
    expect(table.rows[0]?.object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: pod().metadata,
    });
  });

  it('shows init progress and termination', () => {
    const type = registry.get('', 'v1', 'pods') as ResourceType;
    const initializing = pod({
      spec: { initContainers: [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'app' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'a', restartCount: 0, state: { terminated: { exitCode: 0 } } },
          { name: 'b', restartCount: 0, state: { running: {} } },
        ],
      },
    });
    const terminating = pod({ metadata: { ...pod().metadata, deletionTimestamp: '2025-01-01T11:59:00Z' } });
    const rows = toTable(type, [initializing, terminating], { now, includeObject: 'None' }).rows;
    expect(rows[0]?.cells[2]).toBe('Init:1/2');
    expect(rows[1]?.cells[2]).toBe('Terminating');
    expect(rows[0]?.object).toBeUndefined();
  });

  it('prints statefulsets, configmaps and secrets', () => {
    const sts: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', creationTimestamp: '2024-12-30T12:00:00Z' },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } } },
      status: { readyReplicas: 2 },
    };
    const t = toTable(registry.get('apps', 'v1', 'statefulsets') as ResourceType, [sts], {
      now,
      includeObject: 'Object',
    });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Ready', 'Age', 'Containers', 'Images']);
    expect(t.rows[0]?.cells).toEqual(['db', '2/3', '2d', 'pg', 'postgres:16']);
    expect(t.rows[0]?.object).toBe(sts);

    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', creationTimestamp: '2025-01-01T11:59:30Z' },
      data: { a: '1', b: '2' },
      binaryData: { c: 'AA==' },
    };
    expect(
      toTable(registry.get('', 'v1', 'configmaps') as ResourceType, [cm], { now }).rows[0]?.cells,
    ).toEqual(['c', 3, '30s']);
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', creationTimestamp: '2025-01-01T11:00:00Z' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': '', 'tls.key': '' },
    };
    expect(
      toTable(registry.get('', 'v1', 'secrets') as ResourceType, [secret], { now }).rows[0]?.cells,
    ).toEqual(['s', 'kubernetes.io/tls', 2, '60m']);
  });

  it('prints a CRD with its additionalPrinterColumns', () => {
    const widget: ResourceType = {
      group: 'opkit.dev',
      version: 'v1',
      resource: 'widgets',
      singular: 'widget',
      kind: 'Widget',
      listKind: 'WidgetList',
      namespaced: true,
      shortNames: [],
      categories: [],
      verbs: ['get', 'list'],
      subresources: {},
      custom: true,
      storage: true,
      served: true,
      printerColumns: [
        { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: 'First', type: 'string', jsonPath: '.spec.items[0].name', priority: 1 },
        { name: 'Missing', type: 'string', jsonPath: '.status.nothing' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    };
    const obj: KubeObject = {
      apiVersion: 'opkit.dev/v1',
      kind: 'Widget',
      metadata: { name: 'w', creationTimestamp: '2025-01-01T09:00:00Z' },
      spec: { replicas: 3, items: [{ name: 'x' }, { name: 'y' }] },
      status: {
        conditions: [
          { type: 'Progressing', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
      },
    };
    const t = toTable(widget, [obj], { now });
    expect(t.columnDefinitions.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Replicas', 'integer', 0],
      ['Ready', 'string', 0],
      ['First', 'string', 1],
      ['Missing', 'string', 0],
      ['Age', 'date', 0],
    ]);
    expect(t.rows[0]?.cells).toEqual(['w', 3, 'True', 'x', null, '3h']);
    const plain = toTable({ ...widget, printerColumns: undefined }, [obj], { now });
    expect(plain.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(plain.rows[0]?.cells).toEqual(['w', '3h']);
  });

  it('falls back to Name and Created At', () => {
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'r', creationTimestamp: '2025-01-01T00:00:00Z' },
    };
    const t = toTable(registry.get('rbac.authorization.k8s.io', 'v1', 'roles') as ResourceType, [role], {
      now,
    });
    expect(t.columnDefinitions.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Created At', 'date'],
    ]);
    expect(t.rows[0]?.cells).toEqual(['r', '2025-01-01T00:00:00Z']);
  });
});

describe('metadata-only objects', () => {
  it('keeps only metadata', () => {
    const p = pod();
    expect(toPartialObjectMetadata(p)).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: p.metadata,
    });
    const list = toPartialObjectMetadataList([p], { resourceVersion: '7', continue: 'abc' });
    expect(list).toMatchObject({
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '7', continue: 'abc' },
    });
    expect(list.items).toHaveLength(1);
  });
});

describe('JSONPath and durations', () => {
  it('evaluates the printer-column subset', () => {
    const obj = {
      a: {
        'b.c': 1,
        list: [
          { k: 'x', v: 1 },
          { k: 'y', v: 2 },
        ],
      },
    };
    expect(evaluateJsonPath('.a.list[*].k', obj)).toEqual(['x', 'y']);
    expect(evaluateJsonPath("{.a['b.c']}", obj)).toEqual([1]);
    expect(evaluateJsonPath('.a.b\\.c', obj)).toEqual([1]);
    expect(evaluateJsonPath('.a.list[-1].k', obj)).toEqual(['y']);
    expect(evaluateJsonPath('.a.list[?(@.v>1)].k', obj)).toEqual(['y']);
    expect(evaluateJsonPath('.a.nope', obj)).toEqual([]);
  });

  it('formats ages like kubectl', () => {
    const s = 1000;
    expect(humanDuration(59 * s)).toBe('59s');
    expect(humanDuration(119 * s)).toBe('119s');
    expect(humanDuration(200 * s)).toBe('3m20s');
    expect(humanDuration(3 * 3600 * s + 5 * 60 * s)).toBe('3h5m');
    expect(humanDuration(50 * 3600 * s)).toBe('2d2h');
    expect(humanDuration(400 * 24 * 3600 * s)).toBe('400d');
    expect(humanDuration(-5 * s)).toBe('<invalid>');
  });
});
