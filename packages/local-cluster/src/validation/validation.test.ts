import { describe, it, expect } from '@jest/globals';
import { builtinTypes } from '../schema/index.js';
import {
  defaultBuiltin,
  findDuplicateFields,
  findUnknownFields,
  nameValidatorFor,
  pruneUnknownFields,
  validateBuiltin,
  validateObjectMeta,
} from './index.js';

describe('validateObjectMeta', () => {
  it('requires a name or generateName', () => {
    expect(validateObjectMeta({ namespace: 'default' }, { namespaced: true, isCreate: true })).toEqual([
      {
        reason: 'FieldValueRequired',
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
      },
    ]);
    expect(
      validateObjectMeta(
        { generateName: 'web-', namespace: 'default' },
        { namespaced: true, isCreate: true },
      ),
    ).toEqual([]);
  });

  it('reports DNS-1123 subdomain violations with the upstream message', () => {
    const causes = validateObjectMeta(
      { name: 'Bad_Name', namespace: 'default' },
      { namespaced: true, isCreate: true },
    );
    expect(causes).toHaveLength(1);
    expect(causes[0]?.field).toBe('metadata.name');
    expect(causes[0]?.message).toBe(
      "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  });

  it('uses the per-kind name rules', () => {
    const service = nameValidatorFor('', 'Service');
    expect(service('1abc', false)[0]).toMatch(/^a DNS-1035 label must consist/);
    const namespace = nameValidatorFor('', 'Namespace');
    expect(namespace('a.b', false)[0]).toBe(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
    expect(nameValidatorFor('apps', 'StatefulSet')('a.b', false)).toHaveLength(1);
    const role = nameValidatorFor('rbac.authorization.k8s.io', 'ClusterRole');
    expect(role('system:controller:x', false)).toEqual([]);
    expect(role('a/b', false)).toEqual(["may not contain '/'"]);
    expect(nameValidatorFor('apps', 'Deployment')('a'.repeat(254), false)[0]).toBe(
      'must be no more than 253 characters',
    );
  });

  it('checks namespace presence and labels', () => {
    expect(validateObjectMeta({ name: 'a' }, { namespaced: true, isCreate: true })).toEqual([
      { reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' },
    ]);
    expect(
      validateObjectMeta({ name: 'a', namespace: 'x' }, { namespaced: false, isCreate: true })[0]?.message,
    ).toBe('Forbidden: not allowed on this type');
    const causes = validateObjectMeta(
      { name: 'a', labels: { 'bad key!': 'v', ok: 'x'.repeat(64) } },
      { namespaced: false, isCreate: true },
    );
    expect(causes.map((c) => c.field)).toEqual(['metadata.labels', 'metadata.labels']);
    expect(causes[0]?.message).toMatch(
      /^Invalid value: "bad key!": name part must consist of alphanumeric characters/,
    );
    expect(causes[1]?.message).toBe(`Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`);
  });

  it('limits the total annotation size', () => {
    const causes = validateObjectMeta(
      { name: 'a', annotations: { big: 'x'.repeat(256 * 1024) } },
      { namespaced: false, isCreate: true },
    );
    expect(causes).toEqual([
      {
        reason: 'FieldValueTooLong',
        field: 'metadata.annotations',
        message: 'Too long: may not be more than 262144 bytes',
      },
    ]);
  });
});

describe('findUnknownFields', () => {
  it('finds unknown fields with their paths', () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'a', labels: { any: 'x' }, bogus: 1 },
      spec: {
        replicass: 3,
        template: {
          spec: {
            containers: [
              { name: 'c', image: 'i', imagePullPolicyy: 'Always', ports: [{ containerPort: 1 }] },
            ],
          },
        },
      },
    };
    expect(findUnknownFields(sts, builtinTypes, 'io.k8s.api.apps.v1.StatefulSet')).toEqual([
      'metadata.bogus',
      'spec.replicass',
      'spec.template.spec.containers[0].imagePullPolicyy',
    ]);
  });

  it('treats untyped values as open and prunes unknown fields', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a' },
      data: { anything: 'x' },
      extra: true,
    };
    expect(findUnknownFields(cm, builtinTypes, 'io.k8s.api.core.v1.ConfigMap')).toEqual(['extra']);
    expect(pruneUnknownFields(cm, builtinTypes, 'io.k8s.api.core.v1.ConfigMap')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a' },
      data: { anything: 'x' },
    });
    const svc = { spec: { ports: [{ port: 80, targetPort: 'http' }] } };
    expect(findUnknownFields(svc, builtinTypes, 'io.k8s.api.core.v1.Service')).toEqual([]);
  });
});

describe('findDuplicateFields', () => {
  it('finds duplicate keys with paths', () => {
    expect(
      findDuplicateFields('{"spec":{"replicas":1,"replicas":2,"l":[{"a":1,"a":2}]},"kind":"x"}'),
    ).toEqual(['spec.replicas', 'spec.l[0].a']);
    expect(findDuplicateFields('{"a":"x\\"y","b":[1,2.5e3,true,null]}')).toEqual([]);
    expect(findDuplicateFields('{oops')).toEqual([]);
  });
});

describe('defaultBuiltin', () => {
  it('defaults a StatefulSet and its pod template', () => {
    const sts = defaultBuiltin({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'postgres:16', ports: [{ containerPort: 5432 }] }] },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
      },
    });
    const spec = sts.spec as Record<string, unknown>;
    expect(spec.replicas).toBe(1);
    expect(spec.podManagementPolicy).toBe('OrderedReady');
    expect(spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(spec.revisionHistoryLimit).toBe(10);
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
    const podSpec = (spec.template as { spec: Record<string, unknown> }).spec;
    expect(podSpec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      securityContext: {},
    });
    expect((podSpec.containers as unknown[])[0]).toEqual({
      name: 'db',
      image: 'postgres:16',
      ports: [{ containerPort: 5432, protocol: 'TCP' }],
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    });
    expect((spec.volumeClaimTemplates as unknown[])[0]).toMatchObject({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      spec: { volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    });
  });

  it('defaults image pull policy by tag, probes, services, namespaces and secrets', () => {
    const pod = defaultBuiltin({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'a', image: 'nginx', readinessProbe: { httpGet: { port: 80 } } },
          { name: 'b', image: 'registry:5000/nginx:latest' },
          { name: 'c', image: 'registry:5000/nginx' },
        ],
      },
    });
    const containers = (pod.spec as { containers: Record<string, unknown>[] }).containers;
    expect(containers.map((c) => c.imagePullPolicy)).toEqual(['Always', 'Always', 'Always']);
    expect(containers[0]?.readinessProbe).toEqual({
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    const svc = defaultBuiltin({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80 }] },
    });
    expect(svc.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    });
    const ns = defaultBuiltin({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    expect(ns).toMatchObject({
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
      metadata: { labels: { 'kubernetes.io/metadata.name': 'team' } },
    });
    expect(
      defaultBuiltin<Record<string, unknown>>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })
        .type,
    ).toBe('Opaque');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
    expect(defaultBuiltin(structuredClone(cm))).toEqual(cm);
  });

  it('defaults a Deployment', () => {
    const d = defaultBuiltin({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { template: { spec: { containers: [] } } },
    });
    expect(d.spec).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
  });
});

describe('validateBuiltin', () => {
  const sts = (): Record<string, unknown> =>
    defaultBuiltin({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'postgres:16' }] },
        },
      },
    });

  it('accepts a valid StatefulSet and rejects a mismatched selector', () => {
    expect(validateBuiltin(sts())).toEqual([]);
    const bad = sts();
    (bad.spec as Record<string, unknown>).selector = { matchLabels: { app: 'other' } };
    expect(validateBuiltin(bad)).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.template.metadata.labels',
        message: 'Invalid value: {"app":"db"}: `selector` does not match template `labels`',
      },
    ]);
    const noSelector = sts();
    delete (noSelector.spec as Record<string, unknown>).selector;
    expect(validateBuiltin(noSelector)).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' },
    ]);
  });

  it('forbids StatefulSet spec updates other than the mutable fields', () => {
    const old = sts();
    const scaled = sts();
    (scaled.spec as Record<string, unknown>).replicas = 5;
    expect(validateBuiltin(scaled, old)).toEqual([]);
    const renamed = sts();
    (renamed.spec as Record<string, unknown>).serviceName = 'other';
    const causes = validateBuiltin(renamed, old);
    expect(causes).toHaveLength(1);
    expect(`${causes[0]?.field}: ${causes[0]?.message}`).toBe(
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    );
  });

  it('requires pod containers with name and image', () => {
    const pod = defaultBuiltin({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: '' }] },
    });
    expect(validateBuiltin(pod).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.containers[0].name: Required value',
      'spec.containers[0].image: Required value',
    ]);
    const empty = defaultBuiltin({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} });
    expect(validateBuiltin(empty).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.containers: Required value',
    ]);
  });

  it('checks service ports, config keys and leases', () => {
    const svc = defaultBuiltin({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80 }, { port: 70000, name: 'b' }] },
    });
    expect(validateBuiltin(svc).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.ports[0].name: Required value',
      'spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ports[1].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { 'bad key': 'x', ok: 'y' },
    };
    expect(validateBuiltin(cm).map((c) => c.field)).toEqual(['data[bad key]']);
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l' },
      spec: { leaseDurationSeconds: 0 },
    };
    expect(validateBuiltin(lease)[0]?.message).toBe('Invalid value: 0: must be greater than 0');
  });

  it('keeps deployment selectors immutable', () => {
    const make = (app: string): Record<string, unknown> =>
      defaultBuiltin({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: {
          selector: { matchLabels: { app } },
          template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
        },
      });
    expect(validateBuiltin(make('a'))).toEqual([]);
    expect(validateBuiltin(make('b'), make('a')).map((c) => c.field)).toEqual(['spec.selector']);
  });
});
