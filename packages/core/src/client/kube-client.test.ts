import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import {
  ConflictError,
  NoKindMatchError,
  NotFoundError,
  UnauthorizedError,
  AlreadyExistsError,
} from './errors.js';
import { KubeClient, PARTIAL_OBJECT_METADATA_LIST_ACCEPT } from './kube-client.js';
import type { KubeObject, WatchEvent } from './types.js';
import { FakeApiServer } from './__tests__/fake-apiserver.js';

const CM = { group: '', version: 'v1', kind: 'ConfigMap' };
const NS = { group: '', version: 'v1', kind: 'Namespace' };
const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };

let server: FakeApiServer;
let client: KubeClient;
let now = 0;

beforeAll(async () => {
  server = await FakeApiServer.start();
  client = new KubeClient({
    kubeConfig: server.kubeConfig(),
    fieldManager: 'tests',
    restMapper: { now: () => now },
  });
});
afterAll(async () => {
  (client.transport as { close?: () => void }).close?.();
  await server.stop();
});

const lastRequest = () => server.requests[server.requests.length - 1]!;

describe('KubeClient', () => {
  it('creates in the context namespace by default and reads back, typed', async () => {
    const created: KubeObject = await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'one' },
      data: { a: '1' },
    });
    expect(lastRequest().url.pathname).toBe('/api/v1/namespaces/team-a/configmaps');
    expect(lastRequest().headers['content-type']).toBe('application/json');
    expect(lastRequest().url.searchParams.get('fieldManager')).toBe('tests');
    expect(created.metadata.resourceVersion).toBeDefined();
    const got = await client.get<KubeObject & { data: Record<string, string> }>(CM, 'one', {
      namespace: 'team-a',
    });
    expect(got.data.a).toBe('1');
    await expect(
      client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' } }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(client.get(CM, 'nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('addresses cluster-scoped kinds without a namespace and grouped kinds under /apis', async () => {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    expect(lastRequest().url.pathname).toBe('/api/v1/namespaces');
    await client.get(NS, 'team-b');
    expect(lastRequest().url.pathname).toBe('/api/v1/namespaces/team-b');
    await client.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'team-b' },
      spec: { replicas: 1 },
    });
    expect(lastRequest().url.pathname).toBe('/apis/apps/v1/namespaces/team-b/deployments');
  });

  it('lists every page by default, or one page with limit/continue; lists metadata only on request', async () => {
    for (let i = 0; i < 5; i++)
      await client.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `p${i}`, namespace: 'paged' },
      });
    const before = server.requests.length;
    const all = await client.list(CM, { namespace: 'paged', pageSize: 2 });
    expect(all.items.map((o) => o.metadata.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(all.metadata.continue).toBeUndefined();
    expect(server.requests.length - before).toBe(3);
    const page = await client.list(CM, { namespace: 'paged', limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.metadata.continue).toBeDefined();
    const next = await client.list(CM, { namespace: 'paged', limit: 2, continue: page.metadata.continue });
    expect(next.items.map((o) => o.metadata.name)).toEqual(['p2', 'p3']);
    const meta = await client.list(CM, { namespace: 'paged', metadataOnly: true });
    expect(lastRequest().headers.accept).toBe(PARTIAL_OBJECT_METADATA_LIST_ACCEPT);
    expect(meta.kind).toBe('PartialObjectMetadataList');
    const across = await client.list(CM);
    expect(lastRequest().url.pathname).toBe('/api/v1/configmaps');
    expect(across.items.length).toBeGreaterThanOrEqual(6);
  });

  it('updates with optimistic concurrency, and sends each patch type with its content type', async () => {
    const obj = await client.get(CM, 'one');
    const updated = await client.update({ ...obj, data: { a: '2' } });
    await expect(client.update({ ...obj, data: { a: '3' } })).rejects.toBeInstanceOf(ConflictError);
    expect(updated.metadata.resourceVersion).not.toBe(obj.metadata.resourceVersion);
    const types = {
      merge: 'application/merge-patch+json',
      json: 'application/json-patch+json',
      strategic: 'application/strategic-merge-patch+json',
    } as const;
    for (const [type, ct] of Object.entries(types)) {
      await client
        .patch(CM, 'one', type === 'json' ? [] : { data: { b: type } }, { type: type as 'merge' })
        .catch(() => undefined);
      expect(lastRequest().method).toBe('PATCH');
      expect(lastRequest().headers['content-type']).toBe(ct);
    }
    await client.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'one', namespace: 'team-a' },
        data: { c: '1' },
      },
      { force: true, fieldManager: 'ctrl' },
    );
    const req = lastRequest();
    expect(req.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(req.url.searchParams.get('fieldManager')).toBe('ctrl');
    expect(req.url.searchParams.get('force')).toBe('true');
    await client.patch(CM, 'one', { data: { d: '1' } }, { dryRun: true, fieldValidation: 'Strict' });
    expect(lastRequest().url.searchParams.get('dryRun')).toBe('All');
    expect(lastRequest().url.searchParams.get('fieldValidation')).toBe('Strict');
  });

  it('deletes with propagation policy, grace period and preconditions in DeleteOptions', async () => {
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'doomed' } });
    await expect(
      client.delete(CM, 'doomed', { preconditions: { resourceVersion: '1' } }),
    ).rejects.toBeInstanceOf(ConflictError);
    const gone = await client.delete(CM, 'doomed', {
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
    });
    expect(JSON.parse(lastRequest().body)).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
    });
    expect((gone as KubeObject).metadata.name).toBe('doomed');
    await expect(client.get(CM, 'doomed')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reads and writes the scale subresource', async () => {
    expect((await client.getScale(DEPLOY, 'web', { namespace: 'team-b' })).spec?.replicas).toBe(1);
    const scaled = await client.scale(DEPLOY, 'web', 4, { namespace: 'team-b' });
    expect(lastRequest().url.pathname).toBe('/apis/apps/v1/namespaces/team-b/deployments/web/scale');
    expect(scaled.spec?.replicas).toBe(4);
  });

  it('streams watch events as they arrive and ends quietly on abort', async () => {
    const ctrl = new AbortController();
    const events: WatchEvent[] = [];
    const list = await client.list(CM, { namespace: 'watched' });
    const done = (async () => {
      for await (const e of client.watch(
        CM,
        {
          namespace: 'watched',
          resourceVersion: list.metadata.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 300,
        },
        ctrl.signal,
      )) {
        events.push(e);
        if (events.length === 3) ctrl.abort();
      }
    })();
    while (!server.requests.some((r) => r.url.searchParams.get('watch') === 'true'))
      await new Promise((r) => setTimeout(r, 5));
    const w = server.requests.find((r) => r.url.searchParams.get('watch') === 'true')!;
    expect(w.url.searchParams.get('allowWatchBookmarks')).toBe('true');
    expect(w.url.searchParams.get('timeoutSeconds')).toBe('300');
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w1', namespace: 'watched' },
    });
    server.sendRaw(
      'configmaps',
      '{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"99999"}}}\n',
    );
    await client.delete(CM, 'w1', { namespace: 'watched' });
    await done;
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK', 'DELETED']);
    expect((events[1]!.object as KubeObject).metadata.resourceVersion).toBe('99999');
  });

  it('throws typed errors for rejected credentials', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: server.url }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const bad = new KubeClient({ kubeConfig: kc });
    await expect(bad.get(CM, 'one')).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('finds a kind that appears later (a new CRD), refreshing discovery at most once per interval', async () => {
    const WIDGET = { group: 'example.com', version: 'v1', kind: 'Widget' };
    await expect(client.mappingFor(WIDGET)).rejects.toBeInstanceOf(NoKindMatchError);
    server.resources.push({
      group: 'example.com',
      version: 'v1',
      resource: 'widgets',
      kind: 'Widget',
      namespaced: true,
    });
    const before = server.requests.length;
    await expect(client.mappingFor(WIDGET)).rejects.toBeInstanceOf(NoKindMatchError);
    expect(server.requests.length).toBe(before); // rate-limited: no new discovery request
    now += 1000;
    const m = await client.mappingFor(WIDGET);
    expect(m.resource).toEqual({ group: 'example.com', version: 'v1', resource: 'widgets' });
    expect(await client.restMapper.preferredVersion('apps')).toBe('v1');
    expect((await client.mappingFor(DEPLOY)).subresources).toEqual(['status', 'scale']);
    expect(
      await client.restMapper.kindFor({ group: 'apps', version: 'v1', resource: 'deployments' }),
    ).toEqual(DEPLOY);
  });
});
