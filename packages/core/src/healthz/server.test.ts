import { describe, it, expect, afterEach } from '@jest/globals';
import { Counter, Registry } from 'prom-client';
import { ProbeServer, parseBindAddress, ping } from './index.js';

let server: ProbeServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function get(
  address: string,
  path: string,
): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`http://${address}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

describe('ProbeServer', () => {
  it('serves healthz/readyz with controller-runtime output and metrics on a separate port', async () => {
    const registry = new Registry();
    new Counter({ name: 'opkit_test_total', help: 'test', registers: [registry] }).inc(3);
    server = new ProbeServer({
      healthProbeBindAddress: '127.0.0.1:0',
      metricsBindAddress: '127.0.0.1:0',
      registry,
    });
    let ready = false;
    server.addHealthzCheck('ping', ping);
    server.addReadyzCheck('informers', () => {
      if (!ready) throw new Error('not synced');
    });
    server.addReadyzCheck('webhook', async () => undefined);
    const { healthProbe, metrics } = await server.start();
    expect(healthProbe).not.toBe(metrics);

    expect(await get(healthProbe!, '/healthz')).toMatchObject({
      status: 200,
      body: 'ok',
      type: 'text/plain; charset=utf-8',
    });
    expect(await get(healthProbe!, '/healthz?verbose')).toMatchObject({
      status: 200,
      body: '[+]ping ok\nhealthz check passed\n',
    });
    expect(await get(healthProbe!, '/readyz')).toMatchObject({
      status: 500,
      body: '[-]informers failed: reason withheld\n[+]webhook ok\nhealthz check failed\n',
    });
    expect(await get(healthProbe!, '/readyz?exclude=informers&verbose=1')).toMatchObject({
      status: 200,
      body: '[+]informers excluded: ok\n[+]webhook ok\nhealthz check passed\n',
    });
    expect(await get(healthProbe!, '/readyz/informers')).toMatchObject({
      status: 500,
      body: 'internal server error: not synced\n',
    });
    expect((await get(healthProbe!, '/readyz/nope')).status).toBe(404);
    ready = true;
    expect(await get(healthProbe!, '/readyz')).toMatchObject({ status: 200, body: 'ok' });
    expect((await get(healthProbe!, '/metrics')).status).toBe(404);

    const m = await get(metrics!, '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toContain('opkit_test_total 3');
    expect(m.type).toContain('text/plain');
  });

  it('can serve everything on one address, and rejects duplicate checks', async () => {
    server = new ProbeServer({
      healthProbeBindAddress: '127.0.0.1:0',
      metricsBindAddress: '127.0.0.1:0',
      registry: new Registry(),
    });
    expect(parseBindAddress(':8081')).toEqual({ host: undefined, port: 8081 });
    expect(parseBindAddress('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(() => parseBindAddress('8081')).toThrow();
    server.addHealthzCheck('a', ping);
    expect(() => server!.addHealthzCheck('a', ping)).toThrow('already exists');
    const { healthProbe } = await server.start();
    expect(await get(healthProbe!, '/healthz')).toMatchObject({ status: 200, body: 'ok' });
  });

  it('answers with an implicit ping when no checks exist, and disables with "0"', async () => {
    server = new ProbeServer({
      healthProbeBindAddress: '127.0.0.1:0',
      metricsBindAddress: '0',
      registry: new Registry(),
    });
    const addrs = await server.start();
    expect(addrs.metrics).toBeUndefined();
    expect(await get(addrs.healthProbe!, '/readyz?verbose')).toMatchObject({
      status: 200,
      body: '[+]ping ok\nhealthz check passed\n',
    });
  });
});
