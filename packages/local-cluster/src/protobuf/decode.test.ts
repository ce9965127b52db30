import { describe, it, expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../api/index.js';
import {
  decodeKubernetesProtobuf,
  formatGoDuration,
  isProtobufContentType,
  messageNameFor,
} from './index.js';

// Bodies kubectl 1.33 sent (captured by kubectl.test.ts with UPDATE_PROTOBUF_FIXTURES=1), next to
// what `kubectl create ... --dry-run=client -o json` printed for the same command.
const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixtures = readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.bin') && readdirSync(fixturesDir).includes(f.replace(/\.bin$/, '.json')))
  .map((f) => f.replace(/\.bin$/, ''));

describe('bodies kubectl 1.33 sends', () => {
  it('has the fixtures', () => {
    expect(fixtures).toEqual(
      expect.arrayContaining(['namespace', 'configmap', 'secret', 'deployment', 'service', 'role', 'job']),
    );
  });

  for (const name of fixtures) {
    it(`decodes ${name} into the JSON kubectl prints for it`, () => {
      const body = readFileSync(`${fixturesDir}${name}.bin`);
      const expected = JSON.parse(readFileSync(`${fixturesDir}${name}.json`, 'utf8')) as unknown;
      expect(decodeKubernetesProtobuf(body)).toEqual(expected);
    });
  }

  it('keeps a pointer field set to zero (replicas: 0) and base64-encodes bytes (Secret data)', () => {
    const deployment = decodeKubernetesProtobuf(readFileSync(`${fixturesDir}deployment.bin`));
    expect(deployment).toMatchObject({ spec: { replicas: 0 } });
    const secret = decodeKubernetesProtobuf(readFileSync(`${fixturesDir}secret.bin`));
    expect(secret).toMatchObject({ data: { p: Buffer.from('q').toString('base64') }, type: 'Opaque' });
  });

  it('decodes a TokenRequest (serviceaccounts/token) with int64 and the uID -> uid rename', () => {
    const token = decodeKubernetesProtobuf(readFileSync(`${fixturesDir}tokenrequest.bin`));
    expect(token).toMatchObject({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: ['a', 'b'],
        expirationSeconds: 3600,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u1' },
      },
    });
  });
});

// A tiny protobuf writer for hand-made messages.
function varint(n: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? byte | 0x80 : byte);
  } while (v);
  return out;
}
const num = (field: number, n: bigint | number): number[] => [...varint(field << 3), ...varint(n)];
const bytes = (field: number, data: number[] | Uint8Array): number[] => [
  ...varint((field << 3) | 2),
  ...varint(data.length),
  ...data,
];
const str = (field: number, s: string): number[] => bytes(field, [...Buffer.from(s)]);
function envelope(apiVersion: string, kind: string, raw: number[]): Buffer {
  return Buffer.from([
    0x6b,
    0x38,
    0x73,
    0x00,
    ...bytes(1, [...str(1, apiVersion), ...str(2, kind)]),
    ...bytes(2, raw),
    ...str(3, ''),
    ...str(4, ''),
  ]);
}

describe('decodeKubernetesProtobuf', () => {
  it('converts meta/v1 Time (seconds only), null for the zero time, and MicroTime with microseconds', () => {
    const meta = [
      ...str(1, 'e'),
      ...bytes(8, num(1, 1700000000)),
      ...bytes(9, [...num(1, 1700000001), ...num(2, 5)]),
    ];
    const event = [
      ...bytes(1, meta),
      ...bytes(2, [...num(1, 1700000002), ...num(2, 123456789)]),
      ...bytes(14, []),
    ];
    const decoded = decodeKubernetesProtobuf(envelope('events.k8s.io/v1', 'Event', event));
    expect(decoded).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        name: 'e',
        creationTimestamp: '2023-11-14T22:13:20Z',
        deletionTimestamp: '2023-11-14T22:13:21Z',
      },
      eventTime: '2023-11-14T22:13:22.123456Z',
      deprecatedLastTimestamp: null,
    });
  });

  it('converts IntOrString (int and string), Quantity and a map of quantities', () => {
    // v1 Service: spec (2) -> ports (1) -> port (3), targetPort (4: type 0 intVal 8080)
    const port = [...str(1, 'http'), ...num(3, 80), ...bytes(4, [...num(1, 0), ...num(2, 8080)])];
    const named = [...str(1, 'web'), ...num(3, 81), ...bytes(4, [...num(1, 1), ...str(3, 'web')])];
    const service = decodeKubernetesProtobuf(
      envelope('v1', 'Service', bytes(2, [...bytes(1, port), ...bytes(1, named)])),
    );
    expect(service.spec).toEqual({
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'web', port: 81, targetPort: 'web' },
      ],
    });
    // v1 ResourceQuota: spec (2) -> hard (1) map<string, Quantity>
    const entry = [...str(1, 'cpu'), ...bytes(2, str(1, '500m'))];
    const quota = decodeKubernetesProtobuf(envelope('v1', 'ResourceQuota', bytes(2, bytes(1, entry))));
    expect(quota.spec).toEqual({ hard: { cpu: '500m' } });
  });

  it('emits a pointer scalar present at zero but drops an omitempty value scalar at zero', () => {
    // apps/v1 Deployment spec: replicas (1, pointer) = 0, minReadySeconds (5, value, omitempty) = 0, paused (7) = false
    const deployment = decodeKubernetesProtobuf(
      envelope('apps/v1', 'Deployment', bytes(2, [...num(1, 0), ...num(5, 0), ...num(7, 0)])),
    );
    expect(deployment.spec).toEqual({ replicas: 0 });
  });

  it('decodes ConfigMap binaryData as base64 and metadata labels as a map (ported from the stopgap decoder)', () => {
    const meta = [...str(1, 'cfg'), ...str(3, 'ns'), ...bytes(11, [...str(1, 'app'), ...str(2, 'web')])];
    const cm = [
      ...bytes(1, meta),
      ...bytes(2, [...str(1, 'k'), ...str(2, 'v')]),
      ...bytes(3, [...str(1, 'bin'), ...bytes(2, [1, 2])]),
    ];
    expect(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', cm))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'ns', labels: { app: 'web' } },
      data: { k: 'v' },
      binaryData: { bin: 'AQI=' },
    });
  });

  it('shows zero values of value scalars without omitempty, even when absent on the wire', () => {
    const pdb = decodeKubernetesProtobuf(envelope('policy/v1', 'PodDisruptionBudget', bytes(3, num(3, 2))));
    expect(pdb.status).toEqual({
      disruptionsAllowed: 2,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
    });
  });

  it('inlines embedded structs (Volume.VolumeSource, SecretKeySelector.LocalObjectReference)', () => {
    const volume = [...str(1, 'data'), ...bytes(2, bytes(1, [...str(1, '/tmp'), ...str(2, 'Directory')]))];
    const envVar = [...str(1, 'PW'), ...bytes(3, bytes(4, [...bytes(1, str(1, 'creds')), ...str(2, 'pw')]))];
    const container = [...str(1, 'app'), ...bytes(7, envVar)];
    const pod = decodeKubernetesProtobuf(
      envelope('v1', 'Pod', bytes(2, [...bytes(1, volume), ...bytes(2, container)])),
    );
    expect(pod.spec).toEqual({
      volumes: [{ name: 'data', hostPath: { path: '/tmp', type: 'Directory' } }],
      containers: [
        { name: 'app', env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'pw' } } }] },
      ],
    });
  });

  it('embeds RawExtension and FieldsV1 JSON, and converts Duration', () => {
    const fields = { 'f:data': { 'f:a': {} } };
    const managed = [
      ...str(1, 'kubectl'),
      ...str(2, 'Update'),
      ...str(6, 'FieldsV1'),
      ...bytes(7, str(1, JSON.stringify(fields))),
    ];
    const revision = [
      ...bytes(1, [...str(1, 'r'), ...bytes(17, managed)]),
      ...bytes(2, str(1, '{"spec":{"x":1}}')),
      ...num(3, 4),
    ];
    const decoded = decodeKubernetesProtobuf(envelope('apps/v1', 'ControllerRevision', revision));
    expect(decoded).toEqual({
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: 'r',
        managedFields: [
          { manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: fields },
        ],
      },
      data: { spec: { x: 1 } },
      revision: 4,
    });
    expect(formatGoDuration(0n)).toBe('0s');
    expect(formatGoDuration(1_500n)).toBe('1.5µs');
    expect(formatGoDuration(2_000_000n)).toBe('2ms');
    expect(formatGoDuration(3_723_500_000_000n)).toBe('1h2m3.5s');
    expect(formatGoDuration(-90_000_000_000n)).toBe('-1m30s');
  });

  it('decodes DeleteOptions under any group version, keeping gracePeriodSeconds: 0', () => {
    const options = [...num(1, 0), ...bytes(2, str(1, 'uid-1')), ...str(4, 'Foreground'), ...str(5, 'All')];
    expect(decodeKubernetesProtobuf(envelope('apps/v1', 'DeleteOptions', options))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      preconditions: { uid: 'uid-1' },
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
  });

  it('takes apiVersion and kind from the expected type when the envelope has none', () => {
    const body = Buffer.from([0x6b, 0x38, 0x73, 0x00, ...bytes(2, bytes(1, str(1, 'x')))]);
    expect(decodeKubernetesProtobuf(body, { apiVersion: 'v1', kind: 'Namespace' })).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'x' },
    });
  });

  function badRequest(body: Uint8Array): ApiError {
    try {
      decodeKubernetesProtobuf(body);
    } catch (err) {
      if (err instanceof ApiError) return err;
      throw err;
    }
    throw new Error('decoded without error');
  }

  it('answers 400 BadRequest for malformed bodies and unknown kinds', () => {
    expect(badRequest(Buffer.from('{"kind":"Pod"}')).message).toMatch(
      /does not start with the Kubernetes protobuf prefix/,
    );
    const truncated = envelope('v1', 'Namespace', str(1, 'x')).subarray(0, 20);
    expect(badRequest(truncated).code).toBe(400);
    expect(badRequest(truncated).reason).toBe('BadRequest');
    expect(badRequest(envelope('opkit.dev/v1', 'Widget', [])).message).toBe(
      'no kind "Widget" is registered for version "opkit.dev/v1" in the protobuf encoding',
    );
    // metadata (field 1) as a varint instead of a message
    expect(badRequest(envelope('v1', 'Namespace', num(1, 3))).message).toMatch(
      /wire type 0, expected length-delimited/,
    );
    expect(badRequest(Buffer.from([0x6b, 0x38, 0x73, 0x00, ...bytes(2, [])])).message).toMatch(
      /Kind' is missing/,
    );
  });
});

describe('isProtobufContentType', () => {
  it('matches the media type, ignoring case and parameters', () => {
    expect(isProtobufContentType('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(isProtobufContentType('Application/VND.kubernetes.protobuf; charset=utf-8')).toBe(true);
    expect(isProtobufContentType('application/json')).toBe(false);
    expect(isProtobufContentType('application/vnd.kubernetes.protobuf+json')).toBe(false);
    expect(isProtobufContentType(undefined)).toBe(false);
  });
});

describe('messageNameFor', () => {
  it('maps apiVersion + kind to the generated.proto message', () => {
    expect(messageNameFor('apps/v1', 'StatefulSet')).toBe('k8s.io.api.apps.v1.StatefulSet');
    expect(messageNameFor('v1', 'Pod')).toBe('k8s.io.api.core.v1.Pod');
    expect(messageNameFor('rbac.authorization.k8s.io/v1', 'Role')).toBe('k8s.io.api.rbac.v1.Role');
    expect(messageNameFor('v1', 'DeleteOptions')).toBe('k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions');
    expect(messageNameFor('batch/v1', 'DeleteOptions')).toBe(
      'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions',
    );
    expect(messageNameFor('meta.k8s.io/v1', 'Status')).toBe('k8s.io.apimachinery.pkg.apis.meta.v1.Status');
    expect(messageNameFor('policy/v1', 'Eviction')).toBe('k8s.io.api.policy.v1.Eviction');
    expect(messageNameFor('opkit.dev/v1', 'Widget')).toBeUndefined();
  });
});
