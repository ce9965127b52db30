import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalCluster, FAULTS_PATH, type RequestAttributes } from '../src/index.js';

describe('the fault endpoint (POST /opkit/v1/faults/<fault>)', () => {
  let cluster: LocalCluster;
  const seen: RequestAttributes[] = [];
  let refuse = false;
  const post = (fault: string, body: unknown, token: string | undefined = cluster.token): Promise<Response> =>
    fetch(`${cluster.url}${FAULTS_PATH}/${fault}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    cluster = await LocalCluster.start({
      tls: false,
      nodes: { timings: { timeScale: 0.01 } },
      authorize: (_user, attrs) => {
        seen.push(attrs);
        return !(refuse && attrs.path.startsWith(FAULTS_PATH));
      },
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('injects a fault for an authenticated request, authorized as a non-resource "post"', async () => {
    const res = await post('slow-start', { pod: 'web-0', delayMs: 100 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      fault: 'slow-start',
      message: 'containers of pod default/web-0 start 100 ms late',
    });
    expect(seen).toContainEqual({ verb: 'post', path: `${FAULTS_PATH}/slow-start`, resourceRequest: false });
  });

  it('answers 401 without the token and 403 when the authorizer says no', async () => {
    expect((await post('lose-node', { node: 'local-node-1' }, 'wrong')).status).toBe(401);
    refuse = true;
    try {
      const res = await post('lose-node', { node: 'local-node-1' });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { message: string }).message).toBe(
        `forbidden: User "opkit-admin" cannot post path "${FAULTS_PATH}/lose-node"`,
      );
    } finally {
      refuse = false;
    }
  });

  it('answers Status errors: unknown fault 404, GET 405, missing fields 400, missing objects 404', async () => {
    const unknown = await post('melt-cpu', {});
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toContain('unknown fault "melt-cpu"');
    const get = await fetch(`${cluster.url}${FAULTS_PATH}/lose-node`, {
      headers: { Authorization: `Bearer ${cluster.token}` },
    });
    expect(get.status).toBe(405);
    expect((await post('kill-container', {})).status).toBe(400);
    expect((await post('kill-container', { pod: 'p', signal: 'SIGHUP' })).status).toBe(400);
    const missing = await post('kill-container', { pod: 'nope', namespace: 'default' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    expect((await post('wipe-volume', { claim: 'nothing' })).status).toBe(404);
  });

  it('is not an API group: discovery never lists it', async () => {
    const headers = { Authorization: `Bearer ${cluster.token}` };
    for (const p of ['/apis', '/api', '/openapi/v3']) {
      const text = await (await fetch(`${cluster.url}${p}`, { headers })).text();
      expect(text).not.toContain('opkit');
      expect(text).not.toContain('faults');
    }
  });
});
