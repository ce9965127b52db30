import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { ResourceRegistry } from '../registry/index.js';
import { ObjectStore } from '../storage/index.js';
import { ApiCore, startApiServer, type RunningApiServer } from './index.js';

const TOKEN = 'test-token';
let server: RunningApiServer;
let core: ApiCore;
let kc: k8s.KubeConfig;
let coreApi: k8s.CoreV1Api;
let appsApi: k8s.AppsV1Api;
let objects: k8s.KubernetesObjectApi;

beforeAll(async () => {
  const store = await ObjectStore.open({ historySize: 200, bookmarkIntervalMs: 3_600_000 });
  core = new ApiCore({ store, registry: ResourceRegistry.withBuiltins() });
  await core.bootstrap();
  server = await startApiServer({ core, tokens: [TOKEN], maxBodyBytes: 64 * 1024 });
  kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'u', token: TOKEN }],
    contexts: [{ name: 'c', cluster: 'local', user: 'u' }],
    currentContext: 'c',
  });
  coreApi = kc.makeApiClient(k8s.CoreV1Api);
  appsApi = kc.makeApiClient(k8s.AppsV1Api);
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
});

afterAll(async () => {
  await server.close();
  await core.store.close();
});

/** A parsed JSON response body, read loosely in assertions. */
type Body = ReturnType<typeof JSON.parse>;

/** A raw request with the token; returns status, headers and the parsed (or text) body. */
async function raw(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Body }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

async function expectApiError(p: Promise<unknown>, code: number, reason?: string): Promise<Body> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: number; body?: unknown };
    expect(err.code).toBe(code);
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    if (reason) expect((body as { reason?: string }).reason).toBe(reason);
    return body;
  }
  throw new Error(`expected HTTP ${code}`);
}

async function namespace(name: string): Promise<void> {
  await coreApi.createNamespace({ body: { metadata: { name } } });
}

function deployment(name: string, replicas = 1): k8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
    },
  };
}

describe('CRUD over HTTP', () => {
  it('creates, reads, updates and deletes configmaps', async () => {
    await namespace('crud');
    const created = await coreApi.createNamespacedConfigMap({
      namespace: 'crud',
      body: { metadata: { name: 'a', labels: { x: '1' } }, data: { k: 'v' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeDefined();
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata?.generation).toBeUndefined();
    const read = await coreApi.readNamespacedConfigMap({ name: 'a', namespace: 'crud' });
    expect(read.data).toEqual({ k: 'v' });
    read.data = { k: 'w' };
    const updated = await coreApi.replaceNamespacedConfigMap({ name: 'a', namespace: 'crud', body: read });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    // stale resourceVersion -> 409 Conflict
    const body = await expectApiError(
      coreApi.replaceNamespacedConfigMap({ name: 'a', namespace: 'crud', body: read }),
      409,
      'Conflict',
    );
    expect(body.message).toBe(
      'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
    );
    // duplicate create -> 409 AlreadyExists
    await expectApiError(
      coreApi.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'a' } } }),
      409,
      'AlreadyExists',
    );
    const list = await coreApi.listNamespacedConfigMap({ namespace: 'crud' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['a']);
    const status = await coreApi.deleteNamespacedConfigMap({ name: 'a', namespace: 'crud' });
    expect(status.status).toBe('Success');
    await expectApiError(coreApi.readNamespacedConfigMap({ name: 'a', namespace: 'crud' }), 404, 'NotFound');
  });

  it('does not write no-op updates', async () => {
    await namespace('noop');
    const created = await coreApi.createNamespacedConfigMap({
      namespace: 'noop',
      body: { metadata: { name: 'a' }, data: { k: 'v' } },
    });
    const again = await coreApi.replaceNamespacedConfigMap({ name: 'a', namespace: 'noop', body: created });
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });

  it('fills generateName, checks names, namespaces and kinds', async () => {
    await namespace('names');
    const gen = await coreApi.createNamespacedConfigMap({
      namespace: 'names',
      body: { metadata: { generateName: 'cfg-' } },
    });
    expect(gen.metadata?.name).toMatch(/^cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const bad = await expectApiError(
      coreApi.createNamespacedConfigMap({ namespace: 'names', body: { metadata: { name: 'Bad_Name' } } }),
      422,
      'Invalid',
    );
    expect(bad.message).toContain(
      'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"',
    );
    const r = await raw(
      'POST',
      '/api/v1/namespaces/names/configmaps',
      JSON.stringify({ metadata: { name: 'x', namespace: 'other' } }),
    );
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
    const k = await raw(
      'POST',
      '/api/v1/namespaces/names/configmaps',
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }),
    );
    expect(k.status).toBe(400);
    await expectApiError(
      coreApi.createNamespacedConfigMap({ namespace: 'missing', body: { metadata: { name: 'a' } } }),
      404,
      'NotFound',
    );
    // kind and apiVersion are filled from the URL when absent
    const filled = await raw(
      'POST',
      '/api/v1/namespaces/names/configmaps',
      JSON.stringify({ metadata: { name: 'filled' } }),
    );
    expect(filled.status).toBe(201);
    expect(filled.body.kind).toBe('ConfigMap');
  });

  it('answers dryRun without writing', async () => {
    await namespace('dry');
    const r = await raw(
      'POST',
      '/api/v1/namespaces/dry/configmaps?dryRun=All',
      JSON.stringify({ metadata: { name: 'd' } }),
    );
    expect(r.status).toBe(201);
    expect(r.body.metadata.uid).toBeDefined();
    expect((await raw('GET', '/api/v1/namespaces/dry/configmaps/d')).status).toBe(404);
  });

  it('serves deployments with generation and the status subresource', async () => {
    await namespace('apps');
    const d = await appsApi.createNamespacedDeployment({
      namespace: 'apps',
      body: { ...deployment('web'), status: { replicas: 5 } },
    });
    expect(d.metadata?.generation).toBe(1);
    expect(d.status).toBeUndefined();
    // status changes through the main resource are ignored; spec changes bump generation
    d.spec!.replicas = 2;
    d.status = { replicas: 7 };
    const u = await appsApi.replaceNamespacedDeployment({ name: 'web', namespace: 'apps', body: d });
    expect(u.metadata?.generation).toBe(2);
    expect(u.status).toBeUndefined();
    // on /status only status changes; labels are ignored too
    u.status = { replicas: 2, observedGeneration: 2 };
    u.spec!.replicas = 9;
    u.metadata!.labels = { changed: 'yes' };
    const s = await appsApi.replaceNamespacedDeploymentStatus({ name: 'web', namespace: 'apps', body: u });
    expect(s.status?.replicas).toBe(2);
    expect(s.spec?.replicas).toBe(2);
    expect(s.metadata?.labels).toBeUndefined();
    expect(s.metadata?.generation).toBe(2);
    // metadata-only changes do not bump generation
    s.metadata!.annotations = { a: 'b' };
    const m = await appsApi.replaceNamespacedDeployment({ name: 'web', namespace: 'apps', body: s });
    expect(m.metadata?.generation).toBe(2);
  });

  it('serves the scale subresource', async () => {
    await namespace('scale');
    await appsApi.createNamespacedStatefulSet({
      namespace: 'scale',
      body: {
        metadata: { name: 'db' },
        spec: { ...deployment('db').spec!, serviceName: 'db' } as k8s.V1StatefulSetSpec,
      },
    });
    const scale = await appsApi.readNamespacedStatefulSetScale({ name: 'db', namespace: 'scale' });
    expect(scale.kind).toBe('Scale');
    expect(scale.spec?.replicas).toBe(1);
    expect(scale.status?.selector).toBe('app=db');
    const patched = await appsApi.patchNamespacedStatefulSetScale(
      { name: 'db', namespace: 'scale', body: { spec: { replicas: 3 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.spec?.replicas).toBe(3);
    const sts = await appsApi.readNamespacedStatefulSet({ name: 'db', namespace: 'scale' });
    expect(sts.spec?.replicas).toBe(3);
    expect(sts.metadata?.generation).toBe(2);
    const put = await appsApi.replaceNamespacedStatefulSetScale({
      name: 'db',
      namespace: 'scale',
      body: { metadata: { name: 'db' }, spec: { replicas: 4 } },
    });
    expect(put.spec?.replicas).toBe(4);
  });
});

describe('patch', () => {
  it('applies json, merge and strategic patches', async () => {
    await namespace('patch');
    await appsApi.createNamespacedDeployment({ namespace: 'patch', body: deployment('p') });
    const merge = await appsApi.patchNamespacedDeployment(
      { name: 'p', namespace: 'patch', body: { metadata: { labels: { a: 'b' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(merge.metadata?.labels).toEqual({ a: 'b' });
    const json = await appsApi.patchNamespacedDeployment(
      { name: 'p', namespace: 'patch', body: [{ op: 'replace', path: '/spec/replicas', value: 4 }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    expect(json.spec?.replicas).toBe(4);
    const smp = await appsApi.patchNamespacedDeployment(
      {
        name: 'p',
        namespace: 'patch',
        body: { spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox' }] } } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.template.spec?.containers.map((c) => c.name).sort()).toEqual(['c', 'side']);
    // a patch carrying a stale resourceVersion conflicts
    const stale = await raw(
      'PATCH',
      '/apis/apps/v1/namespaces/patch/deployments/p',
      JSON.stringify({ metadata: { resourceVersion: '1' } }),
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    expect(stale.status).toBe(409);
    const missing = await raw('PATCH', '/apis/apps/v1/namespaces/patch/deployments/nope', '{}', {
      'Content-Type': 'application/merge-patch+json',
    });
    expect(missing.status).toBe(404);
    const unsupported = await raw('PATCH', '/apis/apps/v1/namespaces/patch/deployments/p', '{}', {
      'Content-Type': 'text/plain',
    });
    expect(unsupported.status).toBe(415);
  });

  it('server-side applies, creating when missing, and requires a field manager', async () => {
    await namespace('ssa');
    const cfg = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace: 'ssa' },
      data: { a: '1' },
    };
    const noManager = await raw('PATCH', '/api/v1/namespaces/ssa/configmaps/applied', JSON.stringify(cfg), {
      'Content-Type': 'application/apply-patch+yaml',
    });
    expect(noManager.status).toBe(422);
    expect(noManager.body.message).toContain('fieldManager: Required value');
    const created = await raw(
      'PATCH',
      '/api/v1/namespaces/ssa/configmaps/applied?fieldManager=me',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n',
      {
        'Content-Type': 'application/apply-patch+yaml',
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ a: '1' });
    const obj = await objects.patch(
      { ...cfg, data: { a: '2' } } as k8s.KubernetesObject,
      undefined,
      undefined,
      'me',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect((obj as unknown as { data: Record<string, string> }).data.a).toBe('2');
  });
});

describe('server-side apply and subresources', () => {
  it('ignores status on the main resource and applies only status on /status', async () => {
    await namespace('ssa-status');
    const cfg = {
      ...deployment('d'),
      metadata: { name: 'd', namespace: 'ssa-status' },
      status: { replicas: 3 },
    };
    const headers = { 'Content-Type': 'application/apply-patch+yaml' };
    const main = await raw(
      'PATCH',
      '/apis/apps/v1/namespaces/ssa-status/deployments/d?fieldManager=op',
      JSON.stringify(cfg),
      headers,
    );
    expect(main.status).toBe(201);
    expect(main.body.status).toBeUndefined();
    const managers = (b: Body): string[] =>
      b.metadata.managedFields.map((m: Body) => `${m.manager}/${m.operation}/${m.subresource ?? ''}`);
    expect(managers(main.body)).toEqual(['op/Apply/']);
    const status = await raw(
      'PATCH',
      '/apis/apps/v1/namespaces/ssa-status/deployments/d/status?fieldManager=ctl',
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd', labels: { ignored: 'yes' } },
        spec: { replicas: 9 },
        status: { replicas: 1 },
      }),
      headers,
    );
    expect(status.status).toBe(200);
    expect(status.body.status).toEqual({ replicas: 1 });
    expect(status.body.spec.replicas).toBe(1);
    expect(status.body.metadata.labels).toBeUndefined();
    expect(managers(status.body).sort()).toEqual(['ctl/Apply/status', 'op/Apply/']);
    // applying the same configuration again writes nothing
    const again = await raw(
      'PATCH',
      '/apis/apps/v1/namespaces/ssa-status/deployments/d?fieldManager=op',
      JSON.stringify(cfg),
      headers,
    );
    expect(again.body.metadata.resourceVersion).toBe(status.body.metadata.resourceVersion);
  });
});

describe('fieldValidation', () => {
  it('rejects unknown and duplicate fields in Strict, warns in Warn', async () => {
    await namespace('fv');
    const body = JSON.stringify({ metadata: { name: 'x' }, data: {}, bogus: 1 });
    const strict = await raw('POST', '/api/v1/namespaces/fv/configmaps?fieldValidation=Strict', body);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('strict decoding error: unknown field "bogus"');
    const warn = await raw('POST', '/api/v1/namespaces/fv/configmaps?fieldValidation=Warn', body);
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toBe('299 - "unknown field \\"bogus\\""');
    expect(warn.body.bogus).toBeUndefined();
    const dup = await raw(
      'POST',
      '/api/v1/namespaces/fv/configmaps?fieldValidation=Strict',
      '{"metadata":{"name":"y","name":"y"}}',
    );
    expect(dup.status).toBe(400);
    expect(dup.body.message).toContain('duplicate field');
  });
});

describe('request handling', () => {
  it('refuses missing or wrong tokens with 401', async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces`);
    expect(res.status).toBe(401);
    const wrong = await fetch(`${server.url}/api/v1/namespaces`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { reason: string }).reason).toBe('Unauthorized');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers malformed JSON with 400 and oversized bodies with 413', async () => {
    const bad = await raw('POST', '/api/v1/namespaces/default/configmaps', '{"metadata": ');
    expect(bad.status).toBe(400);
    expect(bad.body.kind).toBe('Status');
    const big = await raw(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      JSON.stringify({ metadata: { name: 'big' }, data: { x: 'y'.repeat(70 * 1024) } }),
    );
    expect(big.status).toBe(413);
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    expect((await raw('GET', '/api/v1/nothings')).status).toBe(404);
    expect((await raw('GET', '/apis/nope.io/v1/things')).status).toBe(404);
    expect((await raw('POST', '/api/v1/namespaces/default/configmaps/named', '{}')).status).toBe(405);
    expect((await raw('DELETE', '/api/v1/namespaces')).status).toBe(405);
  });

  it('serves YAML request bodies, Tables and metadata-only lists', async () => {
    await namespace('neg');
    const y = await raw(
      'POST',
      '/api/v1/namespaces/neg/configmaps',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n',
      { 'Content-Type': 'application/yaml' },
    );
    expect(y.status).toBe(201);
    const table = await raw('GET', '/api/v1/namespaces/neg/configmaps', undefined, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    expect(table.body.kind).toBe('Table');
    expect(table.body.rows[0].cells[0]).toBe('y');
    const pom = await raw('GET', '/api/v1/namespaces/neg/configmaps', undefined, {
      Accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
    });
    expect(pom.body.kind).toBe('PartialObjectMetadataList');
    expect(pom.body.items[0].metadata.name).toBe('y');
    expect(
      (
        await raw('GET', '/api/v1/namespaces/neg/configmaps', undefined, {
          Accept: 'application/vnd.kubernetes.protobuf',
        })
      ).status,
    ).toBe(406);
  });
});

describe('list', () => {
  it('filters by label and field selectors and paginates', async () => {
    await namespace('sel');
    for (let i = 0; i < 5; i++) {
      await coreApi.createNamespacedConfigMap({
        namespace: 'sel',
        body: { metadata: { name: `c${i}`, labels: { tier: i % 2 ? 'odd' : 'even', n: String(i) } } },
      });
    }
    const names = (l: k8s.V1ConfigMapList): string[] => l.items.map((i) => i.metadata!.name!);
    expect(
      names(await coreApi.listNamespacedConfigMap({ namespace: 'sel', labelSelector: 'tier=odd' })),
    ).toEqual(['c1', 'c3']);
    expect(
      names(
        await coreApi.listNamespacedConfigMap({
          namespace: 'sel',
          labelSelector: 'tier in (even),n notin (0)',
        }),
      ),
    ).toEqual(['c2', 'c4']);
    expect(
      names(await coreApi.listNamespacedConfigMap({ namespace: 'sel', labelSelector: '!missing,n!=1,tier' })),
    ).toEqual(['c0', 'c2', 'c3', 'c4']);
    expect(
      names(await coreApi.listNamespacedConfigMap({ namespace: 'sel', fieldSelector: 'metadata.name=c3' })),
    ).toEqual(['c3']);
    await expectApiError(
      coreApi.listNamespacedConfigMap({ namespace: 'sel', fieldSelector: 'spec.foo=x' }),
      400,
      'BadRequest',
    );
    await expectApiError(
      coreApi.listNamespacedConfigMap({ namespace: 'sel', labelSelector: 'a in (' }),
      400,
      'BadRequest',
    );
    const page1 = await coreApi.listNamespacedConfigMap({ namespace: 'sel', limit: 2 });
    expect(names(page1)).toEqual(['c0', 'c1']);
    expect(page1.metadata?.remainingItemCount).toBe(3);
    await coreApi.createNamespacedConfigMap({ namespace: 'sel', body: { metadata: { name: 'c9' } } });
    const page2 = await coreApi.listNamespacedConfigMap({
      namespace: 'sel',
      limit: 10,
      _continue: page1.metadata!._continue!,
    });
    expect(names(page2)).toEqual(['c2', 'c3', 'c4']);
    expect(page1.kind).toBe('ConfigMapList');
    const all = await raw('GET', '/api/v1/configmaps?labelSelector=tier%3Dodd');
    expect(all.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['c1', 'c3']);
    expect(all.body.items[0].kind).toBe('ConfigMap');
  });
});

/** Reads watch events over raw HTTP until `count` arrive or the stream ends. */
async function watchRaw(
  path: string,
  count: number,
  timeoutMs = 5000,
): Promise<{ status: number; events: Body[] }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const res = await fetch(`${server.url}${path}`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
    signal: ac.signal,
  });
  const events: Body[] = [];
  let buffer = '';
  try {
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buffer.slice(0, nl)));
        buffer = buffer.slice(nl + 1);
      }
      if (events.length >= count) break;
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return { status: res.status, events };
}

describe('watch', () => {
  it('streams changes from a resourceVersion with client-node Watch', async () => {
    await namespace('w');
    const first = await coreApi.createNamespacedConfigMap({
      namespace: 'w',
      body: { metadata: { name: 'a' } },
    });
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      void new k8s.Watch(kc)
        .watch(
          '/api/v1/namespaces/w/configmaps',
          { resourceVersion: first.metadata!.resourceVersion! },
          (phase, obj: k8s.V1ConfigMap) => {
            seen.push(`${phase} ${obj.metadata?.name}`);
            if (seen.length === 3) resolve();
          },
          () => undefined,
        )
        .then((ac) => done.then(() => ac.abort()));
    });
    await coreApi.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'b' } } });
    await coreApi.patchNamespacedConfigMap(
      { name: 'b', namespace: 'w', body: { data: { x: 'y' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await coreApi.deleteNamespacedConfigMap({ name: 'a', namespace: 'w' });
    await done;
    expect(seen).toEqual(['ADDED b', 'MODIFIED b', 'DELETED a']);
  });

  it('sends an ERROR event with 410 Expired for a too old resourceVersion', async () => {
    await namespace('old');
    for (let i = 0; i < 210; i++)
      await core.create(core.typeOf('', 'v1', 'configmaps'), 'old', { metadata: { name: `x${i}` } });
    const r = await watchRaw('/api/v1/namespaces/old/configmaps?watch=true&resourceVersion=2', 1);
    expect(r.status).toBe(200);
    expect(r.events[0].type).toBe('ERROR');
    expect(r.events[0].object.code).toBe(410);
    expect(r.events[0].object.reason).toBe('Expired');
  });

  it('sends initial events, bookmarks and the initial-events-end bookmark', async () => {
    await namespace('wl');
    await coreApi.createNamespacedConfigMap({ namespace: 'wl', body: { metadata: { name: 'one' } } });
    const r = await watchRaw(
      '/api/v1/namespaces/wl/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
      2,
    );
    expect(r.events[0].type).toBe('ADDED');
    expect(r.events[1].type).toBe('BOOKMARK');
    expect(r.events[1].object.kind).toBe('ConfigMap');
    expect(r.events[1].object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    const bad = await raw('GET', '/api/v1/namespaces/wl/configmaps?watch=1&sendInitialEvents=true');
    expect(bad.status).toBe(422);
    const pending = watchRaw(
      '/api/v1/namespaces/wl/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=' +
        core.store.revision,
      1,
    );
    await new Promise((res) => setTimeout(res, 200));
    core.store.sendBookmarks();
    const bm = await pending;
    expect(bm.events[0].type).toBe('BOOKMARK');
    expect(Object.keys(bm.events[0].object.metadata)).toEqual(['resourceVersion']);
  });

  it('watches one object by name and releases the watch when the client goes', async () => {
    await namespace('one');
    const rv = String(core.store.revision);
    const pending = watchRaw(`/api/v1/watch/namespaces/one/configmaps/target?resourceVersion=${rv}`, 1);
    await coreApi.createNamespacedConfigMap({ namespace: 'one', body: { metadata: { name: 'other' } } });
    await coreApi.createNamespacedConfigMap({ namespace: 'one', body: { metadata: { name: 'target' } } });
    const r = await pending;
    expect(r.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED target']);
    // the client went away: the store's watcher is released (private counter, read for the test)
    const watchers = (): number => (core.store as unknown as { watcherCount: number }).watcherCount;
    for (let i = 0; i < 50 && watchers() > 0; i++) await new Promise((res) => setTimeout(res, 20));
    expect(watchers()).toBe(0);
  });

  it('ends the stream after timeoutSeconds and supports the legacy /watch/ prefix', async () => {
    const started = Date.now();
    const r = await watchRaw(
      '/api/v1/watch/namespaces/default/configmaps?timeoutSeconds=1&resourceVersion=' + core.store.revision,
      99,
      5000,
    );
    expect(r.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe('deletion', () => {
  it('keeps objects with finalizers until the last one is removed', async () => {
    await namespace('fin');
    await coreApi.createNamespacedConfigMap({
      namespace: 'fin',
      body: { metadata: { name: 'f', finalizers: ['example.com/block'] } },
    });
    const marked = await raw('DELETE', '/api/v1/namespaces/fin/configmaps/f');
    expect(marked.status).toBe(200);
    expect(marked.body.metadata.deletionTimestamp).toBeDefined();
    expect(marked.body.metadata.deletionGracePeriodSeconds).toBe(0);
    const cm = await coreApi.readNamespacedConfigMap({ name: 'f', namespace: 'fin' });
    cm.metadata!.finalizers = ['example.com/block', 'example.com/new'];
    await expectApiError(
      coreApi.replaceNamespacedConfigMap({ name: 'f', namespace: 'fin', body: cm }),
      422,
      'Invalid',
    );
    cm.metadata!.finalizers = [];
    await coreApi.replaceNamespacedConfigMap({ name: 'f', namespace: 'fin', body: cm });
    await expectApiError(coreApi.readNamespacedConfigMap({ name: 'f', namespace: 'fin' }), 404);
  });

  it('honours preconditions, propagation policies and deletecollection', async () => {
    await namespace('del');
    const a = await coreApi.createNamespacedConfigMap({
      namespace: 'del',
      body: { metadata: { name: 'a', labels: { g: '1' } } },
    });
    await expectApiError(
      coreApi.deleteNamespacedConfigMap({
        name: 'a',
        namespace: 'del',
        body: { preconditions: { uid: 'other' } },
      }),
      409,
      'Conflict',
    );
    const fg = await raw('DELETE', '/api/v1/namespaces/del/configmaps/a?propagationPolicy=Foreground');
    expect(fg.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(a.metadata?.uid).toBe(fg.body.metadata.uid);
    await coreApi.createNamespacedConfigMap({
      namespace: 'del',
      body: { metadata: { name: 'b', labels: { g: '2' } } },
    });
    await coreApi.createNamespacedConfigMap({
      namespace: 'del',
      body: { metadata: { name: 'c', labels: { g: '2' } } },
    });
    const dc = await raw('DELETE', '/api/v1/namespaces/del/configmaps?labelSelector=g%3D2');
    expect(dc.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['b', 'c']);
    const left = await coreApi.listNamespacedConfigMap({ namespace: 'del' });
    expect(left.items.map((i) => i.metadata?.name)).toEqual(['a']);
  });

  it('deletes pods gracefully only when they run on a node', async () => {
    await namespace('pods');
    const pod = (name: string, nodeName?: string): k8s.V1Pod => ({
      metadata: { name },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'x' }] },
    });
    await coreApi.createNamespacedPod({ namespace: 'pods', body: pod('unscheduled') });
    const gone = await coreApi.deleteNamespacedPod({ name: 'unscheduled', namespace: 'pods' });
    expect(gone.metadata?.name).toBe('unscheduled');
    await expectApiError(coreApi.readNamespacedPod({ name: 'unscheduled', namespace: 'pods' }), 404);
    const created = await coreApi.createNamespacedPod({ namespace: 'pods', body: pod('running', 'node-1') });
    expect(created.status?.phase).toBe('Pending');
    const graceful = await coreApi.deleteNamespacedPod({ name: 'running', namespace: 'pods' });
    expect(graceful.metadata?.deletionGracePeriodSeconds).toBe(30);
    await coreApi.deleteNamespacedPod({ name: 'running', namespace: 'pods', gracePeriodSeconds: 0 });
    await expectApiError(coreApi.readNamespacedPod({ name: 'running', namespace: 'pods' }), 404);
  });

  it('evicts and binds pods through their subresources', async () => {
    await namespace('podsub');
    await coreApi.createNamespacedPod({
      namespace: 'podsub',
      body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    });
    await coreApi.createNamespacedPodBinding({
      name: 'p',
      namespace: 'podsub',
      body: { metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } },
    });
    expect((await coreApi.readNamespacedPod({ name: 'p', namespace: 'podsub' })).spec?.nodeName).toBe('n1');
    await expectApiError(
      coreApi.createNamespacedPodBinding({
        name: 'p',
        namespace: 'podsub',
        body: { metadata: { name: 'p' }, target: { kind: 'Node', name: 'n2' } },
      }),
      409,
      'Conflict',
    );
    await coreApi.createNamespacedPodEviction({
      name: 'p',
      namespace: 'podsub',
      body: { metadata: { name: 'p' }, deleteOptions: { gracePeriodSeconds: 0 } },
    });
    await expectApiError(coreApi.readNamespacedPod({ name: 'p', namespace: 'podsub' }), 404);
    const review = await raw(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      JSON.stringify({ spec: { resourceAttributes: { verb: 'list', resource: 'pods' } } }),
    );
    expect(review.status).toBe(201);
    expect(review.body.status.allowed).toBe(true);
    expect((await raw('POST', '/api/v1/configmaps', '{}')).status).toBe(405);
  });

  it('puts namespaces into Terminating and refuses new content there', async () => {
    await namespace('term');
    const ns = await coreApi.deleteNamespace({ name: 'term' });
    expect((ns as unknown as k8s.V1Namespace).status?.phase).toBe('Terminating');
    const body = await expectApiError(
      coreApi.createNamespacedConfigMap({ namespace: 'term', body: { metadata: { name: 'x' } } }),
      403,
      'Forbidden',
    );
    expect(body.message).toContain(
      'unable to create new content in namespace term because it is being terminated',
    );
    // the namespace controller's finalize removes the spec finalizer; the namespace then goes
    const finalize = await raw(
      'PUT',
      '/api/v1/namespaces/term/finalize',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'term' },
        spec: { finalizers: [] },
      }),
    );
    expect(finalize.status).toBe(200);
    await expectApiError(coreApi.readNamespace({ name: 'term' }), 404);
  });
});

describe('custom resources', () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
          },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    replicas: { type: 'integer', minimum: 0, default: 1 },
                    color: { type: 'string' },
                  },
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' } } },
              },
            },
          },
        },
      ],
    },
  };

  it('registers the CRD, serves its resources and removes them with it', async () => {
    await namespace('cr');
    // raw: client-node's model serializer drops `default` (its JSONSchemaProps field is `_default`)
    const created = await raw(
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      JSON.stringify(crd),
    );
    expect(created.status).toBe(201);
    const status = created.body.status as { conditions: { type: string; status: string }[] };
    expect(status.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(
      expect.arrayContaining(['NamesAccepted=True', 'Established=True']),
    );
    const w = await raw(
      'POST',
      '/apis/example.com/v1/namespaces/cr/widgets',
      JSON.stringify({
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w1' },
        spec: { color: 'red', extra: 1 },
      }),
    );
    expect(w.status).toBe(201);
    expect(w.body.spec).toEqual({ color: 'red', replicas: 1 });
    expect(w.body.metadata.generation).toBe(1);
    expect(w.headers.get('warning')).toContain('unknown field \\"spec.extra\\"');
    const invalid = await raw(
      'POST',
      '/apis/example.com/v1/namespaces/cr/widgets',
      JSON.stringify({
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w2' },
        spec: { replicas: -1 },
      }),
    );
    expect(invalid.status).toBe(422);
    // updates of custom resources need a resourceVersion
    const unconditional = await raw(
      'PUT',
      '/apis/example.com/v1/namespaces/cr/widgets/w1',
      JSON.stringify({
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w1' },
        spec: { color: 'blue' },
      }),
    );
    expect(unconditional.status).toBe(422);
    const smp = await raw('PATCH', '/apis/example.com/v1/namespaces/cr/widgets/w1', '{}', {
      'Content-Type': 'application/strategic-merge-patch+json',
    });
    expect(smp.status).toBe(415);
    const statusPatch = await raw(
      'PATCH',
      '/apis/example.com/v1/namespaces/cr/widgets/w1/status',
      JSON.stringify({ status: { replicas: 1 }, spec: { color: 'green' } }),
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    expect(statusPatch.status).toBe(200);
    expect(statusPatch.body.status).toEqual({ replicas: 1 });
    expect(statusPatch.body.spec.color).toBe('red');
    const scale = await raw(
      'PATCH',
      '/apis/example.com/v1/namespaces/cr/widgets/w1/scale',
      JSON.stringify({ spec: { replicas: 3 } }),
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    expect(scale.body).toMatchObject({ kind: 'Scale', spec: { replicas: 3 }, status: { replicas: 1 } });
    const after = await raw('GET', '/apis/example.com/v1/namespaces/cr/widgets/w1');
    expect(after.body.spec.replicas).toBe(3);
    expect(after.body.metadata.generation).toBe(2);

    await raw('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    expect((await raw('GET', '/apis/example.com/v1/namespaces/cr/widgets')).status).toBe(404);
    expect(
      (await raw('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com'))
        .status,
    ).toBe(404);
    expect(core.store.list('example.com/widgets', {}).items).toEqual([]);
  });
});
