import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { restClientMetrics } from '../metrics/index.js';
import { NotFoundError } from './errors.js';
import { KubeClient } from './kube-client.js';
import type { RestRequestResult } from './rest-client-metrics.js';
import { FakeApiServer } from './__tests__/fake-apiserver.js';

const CM = { group: '', version: 'v1', kind: 'ConfigMap' };

let server: FakeApiServer;
let client: KubeClient;
const seen: RestRequestResult[] = [];

beforeAll(async () => {
  server = await FakeApiServer.start();
  client = new KubeClient({
    kubeConfig: server.kubeConfig(),
    metrics: { observeRequest: (r) => void seen.push(r) },
  });
});
afterAll(async () => {
  (client.transport as { close?: () => void }).close?.();
  await server.stop();
});

describe('REST client metrics hook', () => {
  it('reports method, host, status code and latency of every request, errors included', async () => {
    const host = new URL(server.kubeConfig().getCurrentCluster()!.server).host;
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'm', namespace: 'default' },
    });
    await expect(client.get(CM, 'missing', { namespace: 'default' })).rejects.toBeInstanceOf(NotFoundError);
    // discovery (GET) precedes the create
    expect(seen.map((r) => `${r.method} ${r.code}`)).toEqual(
      expect.arrayContaining(['GET 200', 'POST 201', 'GET 404']),
    );
    expect(seen.every((r) => r.host === host && r.durationSeconds >= 0)).toBe(true);
  });

  it('reports a request that got no answer as <error>', async () => {
    const down = new KubeClient({
      kubeConfig: server.kubeConfig(),
      metrics: { observeRequest: (r) => void seen.push(r) },
    });
    const abort = new AbortController();
    abort.abort();
    seen.length = 0;
    await expect(down.get(CM, 'x', { signal: abort.signal })).rejects.toBeDefined();
    expect(seen.map((r) => r.code)).toContain('<error>');
    (down.transport as { close?: () => void }).close?.();
  });

  it('feeds the prom-client collectors attached with observeRequests, and detaches', async () => {
    const registry = new Registry();
    const detach = client.observeRequests(restClientMetrics(registry));
    await client.list(CM, { namespace: 'default' });
    detach();
    await client.list(CM, { namespace: 'default' });
    const text = await registry.metrics();
    const host = new URL(server.kubeConfig().getCurrentCluster()!.server).host;
    expect(text).toContain(`rest_client_requests_total{code="200",method="GET",host="${host}"} 1`);
    expect(text).toContain(`rest_client_request_duration_seconds_count{verb="GET",host="${host}"} 1`);
    expect(text).toContain('rest_client_request_duration_seconds_bucket{le="0.005",verb="GET"');
  });

  it('a throwing hook never fails a call', async () => {
    const plain = new KubeClient({
      kubeConfig: server.kubeConfig(),
      metrics: {
        observeRequest: () => {
          throw new Error('broken sink');
        },
      },
    });
    await expect(plain.list(CM, { namespace: 'default' })).resolves.toBeDefined();
    (plain.transport as { close?: () => void }).close?.();
  });
});
