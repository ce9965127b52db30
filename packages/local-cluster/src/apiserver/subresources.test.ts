import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { errors } from '../api/index.js';
import { ResourceRegistry } from '../registry/index.js';
import { ObjectStore } from '../storage/index.js';
import { ApiCore, startApiServer, type PodLogStreamOptions, type RunningApiServer } from './index.js';

const TOKEN = 'test-token';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';
let server: RunningApiServer;
let core: ApiCore;
/** The calls the fake kubelet log source saw, and a live stream for follow tests. */
const logCalls: { namespace: string; pod: string; opts: PodLogStreamOptions }[] = [];
let followStream: Readable | undefined;

beforeAll(async () => {
  const store = await ObjectStore.open();
  core = new ApiCore({ store, registry: ResourceRegistry.withBuiltins() });
  await core.bootstrap();
  server = await startApiServer({
    core,
    tokens: [TOKEN],
    podLogs: {
      stream(namespace, pod, opts) {
        logCalls.push({ namespace, pod, opts });
        if (opts.container === 'missing')
          throw errors.badRequest(`container missing is not valid for pod ${pod}`);
        if (opts.follow) {
          followStream = new Readable({ read() {} });
          followStream.push('first\n');
          opts.signal?.addEventListener('abort', () => followStream?.push(null));
          return followStream;
        }
        return Readable.from([Buffer.from('one\n'), Buffer.from('two\n')]);
      },
    },
  });
});

afterAll(async () => {
  await server.close();
  await core.store.close();
});

async function request(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
  token = TOKEN,
): Promise<{ status: number; text: string; json: () => Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

const pods = (): ReturnType<ApiCore['typeOf']> => core.typeOf('', 'v1', 'pods');

async function runningPod(namespace: string, name: string, labels: Record<string, string>): Promise<void> {
  await core.create(pods(), namespace, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
  });
  const pod = await core.get(pods(), namespace, name);
  await core.update(
    pods(),
    namespace,
    name,
    { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
    { subresource: 'status' },
  );
}

describe('protobuf request bodies', () => {
  it('creates objects kubectl sends as protobuf, and reads a protobuf DeleteOptions body', async () => {
    const body = readFileSync(new URL('../protobuf/fixtures/configmap.bin', import.meta.url));
    const created = await request('POST', '/api/v1/namespaces/default/configmaps', body, {
      'Content-Type': PROTOBUF,
    });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: 'b', empty: '' },
    });
    // meta/v1 DeleteOptions { dryRun: ["All"] } in the protobuf envelope
    const options = [0x2a, 3, ...Buffer.from('All')];
    const typeMeta = [0x0a, 2, ...Buffer.from('v1'), 0x12, 13, ...Buffer.from('DeleteOptions')];
    const envelope = Buffer.from([
      0x6b,
      0x38,
      0x73,
      0x00,
      0x0a,
      typeMeta.length,
      ...typeMeta,
      0x12,
      options.length,
      ...options,
    ]);
    const dry = await request('DELETE', '/api/v1/namespaces/default/configmaps/c', envelope, {
      'Content-Type': PROTOBUF,
    });
    expect(dry.status).toBe(200);
    expect((await request('GET', '/api/v1/namespaces/default/configmaps/c')).status).toBe(200);
    expect(
      (
        await request('POST', '/api/v1/namespaces/default/configmaps', Buffer.from('nope'), {
          'Content-Type': PROTOBUF,
        })
      ).status,
    ).toBe(400);
  });

  it('turns a Secret stringData into data', async () => {
    const res = await request(
      'POST',
      '/api/v1/namespaces/default/secrets',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's' },
        data: { a: 'eA==' },
        stringData: { p: 'q', a: 'y' },
      }),
    );
    expect(res.status).toBe(201);
    const secret = res.json();
    expect(secret.data).toEqual({ a: 'eQ==', p: 'cQ==' });
    expect(secret.stringData).toBeUndefined();
  });
});

describe('pods/eviction', () => {
  it('evicts while the PodDisruptionBudget allows it, then answers 429', async () => {
    await runningPod('default', 'web-0', { app: 'web' });
    await runningPod('default', 'web-1', { app: 'web' });
    const pdbs = core.typeOf('policy', 'v1', 'poddisruptionbudgets');
    await core.create(pdbs, 'default', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    });
    const pdb = await core.get(pdbs, 'default', 'web');
    // what the disruption controller would have computed
    await core.update(
      pdbs,
      'default',
      'web',
      {
        ...pdb,
        status: {
          observedGeneration: 1,
          currentHealthy: 2,
          desiredHealthy: 1,
          expectedPods: 2,
          disruptionsAllowed: 1,
        },
      },
      { subresource: 'status' },
    );
    const eviction = (name: string): string =>
      JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } });
    const first = await request('POST', '/api/v1/namespaces/default/pods/web-0/eviction', eviction('web-0'));
    expect(first.status).toBe(201);
    expect(first.json()).toMatchObject({ kind: 'Status', status: 'Success', code: 201 });
    expect((await request('GET', '/api/v1/namespaces/default/pods/web-0')).status).toBe(404);
    expect((await core.get(pdbs, 'default', 'web')).status).toMatchObject({
      disruptionsAllowed: 0,
      disruptedPods: { 'web-0': expect.any(String) },
    });
    const second = await request('POST', '/api/v1/namespaces/default/pods/web-1/eviction', eviction('web-1'));
    expect(second.status).toBe(429);
    expect(second.json()).toMatchObject({
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
    });
    expect((await request('GET', '/api/v1/namespaces/default/pods/web-1')).status).toBe(200);
    expect(
      (await request('POST', '/api/v1/namespaces/default/pods/web-1/eviction', eviction('other'))).status,
    ).toBe(400);
  });
});

describe('pods/log', () => {
  it('streams the log with the query as PodLogOptions', async () => {
    await runningPod('default', 'logger', {});
    const res = await request(
      'GET',
      '/api/v1/namespaces/default/pods/logger/log?container=c&tailLines=2&timestamps=true&previous=false&limitBytes=100&sinceSeconds=10',
    );
    expect(res.status).toBe(200);
    expect(res.text).toBe('one\ntwo\n');
    expect(logCalls.at(-1)).toMatchObject({
      namespace: 'default',
      pod: 'logger',
      opts: { container: 'c', tailLines: 2, timestamps: true, limitBytes: 100, sinceSeconds: 10 },
    });
    expect(logCalls.at(-1)?.opts.previous).toBeUndefined();
  });

  it('answers errors as Status: missing pod, bad container, invalid options', async () => {
    expect((await request('GET', '/api/v1/namespaces/default/pods/nope/log')).status).toBe(404);
    const bad = await request('GET', '/api/v1/namespaces/default/pods/logger/log?container=missing');
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({
      kind: 'Status',
      message: 'container missing is not valid for pod logger',
    });
    expect((await request('GET', '/api/v1/namespaces/default/pods/logger/log?tailLines=-1')).status).toBe(
      422,
    );
    expect(
      (
        await request(
          'GET',
          '/api/v1/namespaces/default/pods/logger/log?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z',
        )
      ).status,
    ).toBe(422);
  });

  it('follows until the client goes away', async () => {
    const ac = new AbortController();
    const res = await fetch(`${server.url}/api/v1/namespaces/default/pods/logger/log?follow=true`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(Buffer.from((await reader.read()).value ?? []).toString()).toBe('first\n');
    followStream?.push('second\n');
    expect(Buffer.from((await reader.read()).value ?? []).toString()).toBe('second\n');
    const ended = new Promise((resolve) => followStream?.once('close', resolve));
    ac.abort();
    await ended;
  });
});

describe('serviceaccounts/token', () => {
  it('issues a token the server accepts as the service account until it is deleted', async () => {
    expect(
      (await request('POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', '{}')).status,
    ).toBe(404);
    await core.create(core.typeOf('', 'v1', 'serviceaccounts'), 'default', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'robot' },
    });
    const before = Date.now();
    const res = await request(
      'POST',
      '/api/v1/namespaces/default/serviceaccounts/robot/token',
      JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 7200 },
      }),
    );
    expect(res.status).toBe(201);
    const answer = res.json() as {
      kind: string;
      status: { token: string; expirationTimestamp: string };
      spec: { expirationSeconds: number };
    };
    expect(answer.kind).toBe('TokenRequest');
    expect(answer.spec.expirationSeconds).toBe(7200);
    const expires = Date.parse(answer.status.expirationTimestamp);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 7200 * 1000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 7200 * 1000);
    const defaulted = (
      await request('POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', '{}')
    ).json() as { spec: { expirationSeconds: number } };
    expect(defaulted.spec.expirationSeconds).toBe(3600);
    expect(
      (
        await request(
          'POST',
          '/api/v1/namespaces/default/serviceaccounts/robot/token',
          JSON.stringify({ spec: { expirationSeconds: 60 } }),
        )
      ).status,
    ).toBe(422);

    const token = answer.status.token;
    expect((await request('GET', '/api/v1/namespaces/default/configmaps', undefined, {}, token)).status).toBe(
      200,
    );
    expect(
      (await request('GET', '/api/v1/namespaces/default/configmaps', undefined, {}, 'made-up')).status,
    ).toBe(401);
    await core.delete(core.typeOf('', 'v1', 'serviceaccounts'), 'default', 'robot');
    expect((await request('GET', '/api/v1/namespaces/default/configmaps', undefined, {}, token)).status).toBe(
      401,
    );
  });

  it('is listed in discovery as serviceaccounts/token', async () => {
    const list = (await request('GET', '/api/v1')).json() as {
      resources: { name: string; kind: string; group?: string }[];
    };
    expect(list.resources.find((r) => r.name === 'serviceaccounts/token')).toMatchObject({
      kind: 'TokenRequest',
      group: 'authentication.k8s.io',
    });
  });
});
