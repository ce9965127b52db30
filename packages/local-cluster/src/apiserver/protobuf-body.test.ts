import { describe, expect, it } from '@jest/globals';
import { decodeProtobufObject } from './protobuf-body.js';

/** Minimal protobuf encoding for the test: length-delimited fields and varints. */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
function bytesField(num: number, payload: number[] | string): number[] {
  const data = typeof payload === 'string' ? [...Buffer.from(payload)] : payload;
  return [...varint((num << 3) | 2), ...varint(data.length), ...data];
}
function varintField(num: number, value: number): number[] {
  return [...varint(num << 3), ...varint(value)];
}

describe('decodeProtobufObject', () => {
  it('decodes a ConfigMap as kubectl create configmap sends it', () => {
    const meta = [
      ...bytesField(1, 'cfg'),
      ...bytesField(2, ''),
      ...bytesField(3, 'ns'),
      ...varintField(7, 0),
      ...bytesField(11, [...bytesField(1, 'app'), ...bytesField(2, 'web')]),
    ];
    const cm = [
      ...bytesField(1, meta),
      ...bytesField(2, [...bytesField(1, 'k'), ...bytesField(2, 'v')]),
      ...bytesField(3, [...bytesField(1, 'bin'), ...bytesField(2, [1, 2])]),
    ];
    const unknown = [
      ...bytesField(1, [...bytesField(1, 'v1'), ...bytesField(2, 'ConfigMap')]),
      ...bytesField(2, cm),
    ];
    const body = Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
    expect(decodeProtobufObject(body)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'ns', labels: { app: 'web' } },
      data: { k: 'v' },
      binaryData: { bin: 'AQI=' },
    });
  });

  it('decodes a Deployment as kubectl create deployment sends it, dropping unset scalars', () => {
    const labels = bytesField(11, [...bytesField(1, 'app'), ...bytesField(2, 'd')]);
    const container = [
      ...bytesField(1, 'c'),
      ...bytesField(2, 'nginx'),
      ...bytesField(5, ''),
      ...bytesField(8, []),
      ...bytesField(6, [...varintField(2, 0), ...varintField(3, 80), ...bytesField(4, 'TCP')]),
    ];
    const podSpec = [...bytesField(2, container), ...bytesField(3, ''), ...varintField(11, 0)];
    const template = [...bytesField(1, [...bytesField(8, []), ...labels]), ...bytesField(2, podSpec)];
    const spec = [
      ...varintField(1, 0),
      ...bytesField(2, [...bytesField(1, [...bytesField(1, 'app'), ...bytesField(2, 'd')])]),
      ...bytesField(3, template),
      ...bytesField(4, []),
    ];
    const deployment = [
      ...bytesField(1, [...bytesField(1, 'd'), ...labels]),
      ...bytesField(2, spec),
      ...bytesField(3, []),
    ];
    const unknown = [
      ...bytesField(1, [...bytesField(1, 'apps/v1'), ...bytesField(2, 'Deployment')]),
      ...bytesField(2, deployment),
    ];
    expect(decodeProtobufObject(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'd' } },
        template: {
          metadata: { labels: { app: 'd' } },
          spec: {
            containers: [
              { name: 'c', image: 'nginx', resources: {}, ports: [{ containerPort: 80, protocol: 'TCP' }] },
            ],
          },
        },
        strategy: {},
      },
    });
  });

  it('answers 415 for kinds it does not decode', () => {
    const unknown = [
      ...bytesField(1, [...bytesField(1, 'apps/v1'), ...bytesField(2, 'StatefulSet')]),
      ...bytesField(2, []),
    ];
    expect(() => decodeProtobufObject(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]))).toThrow(
      /protobuf is not supported for apps\/v1\/StatefulSet/,
    );
    expect(() => decodeProtobufObject(Uint8Array.from([1, 2]))).toThrow(/unknown format/);
  });
});
