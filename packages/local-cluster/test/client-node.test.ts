/**
 * Acceptance: @kubernetes/client-node (typed APIs, KubernetesObjectApi, Watch) against the local
 * cluster over HTTPS — what operators do through a Kubernetes client.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { LocalCluster } from '../src/index.js';

function clientsFor(cluster: LocalCluster) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    watch: new k8s.Watch(kc),
  };
}

/** One HTTPS request trusting the cluster's CA; `token` '' sends no Authorization header. */
function rawRequest(
  cluster: LocalCluster,
  method: string,
  urlPath: string,
  body?: string,
  token = cluster.token,
): Promise<{ status: number; body: string }> {
  const url = new URL(cluster.url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: urlPath,
        ca: cluster.caCert,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

type WatchSeen = { type: string; name?: string; rv?: string; code?: number };

/** Starts a watch and collects its events until `until` holds or the timeout passes. */
async function collectWatch(
  watch: k8s.Watch,
  urlPath: string,
  query: Record<string, string | boolean>,
  until: (events: WatchSeen[]) => boolean,
  timeoutMs = 10_000,
): Promise<WatchSeen[]> {
  const events: WatchSeen[] = [];
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const req = await watch.watch(
    urlPath,
    query,
    (type: string, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
      events.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion, code: obj.code });
      if (until(events)) finish();
    },
    () => finish(),
  );
  // the timeout is cleared once the watch is done: a pending 10 s timer kept jest from exiting
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
  req.abort();
  return events;
}

describe('client-node against the local cluster', () => {
  let cluster: LocalCluster;
  let c: ReturnType<typeof clientsFor>;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ historySize: 200 });
    c = clientsFor(cluster);
    await c.core.createNamespace({ body: { metadata: { name: 'cn' } } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('does CRUD with typed APIs and optimistic concurrency', async () => {
    const created = await c.core.createNamespacedConfigMap({
      namespace: 'cn',
      body: { metadata: { name: 'a', labels: { app: 'x' } }, data: { k: 'v' } },
    });
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    const stale = { ...created, data: { k: 'w' } };
    await c.core.replaceNamespacedConfigMap({ name: 'a', namespace: 'cn', body: stale });
    await expect(
      c.core.replaceNamespacedConfigMap({ name: 'a', namespace: 'cn', body: stale }),
    ).rejects.toMatchObject({ code: 409 });
    await expect(
      c.core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: 'a' } } }),
    ).rejects.toMatchObject({
      code: 409,
    });
    const listed = await c.core.listNamespacedConfigMap({ namespace: 'cn', labelSelector: 'app=x' });
    expect(listed.items.map((i) => i.metadata?.name)).toEqual(['a']);
    await c.core.deleteNamespacedConfigMap({ name: 'a', namespace: 'cn' });
    await expect(c.core.readNamespacedConfigMap({ name: 'a', namespace: 'cn' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('serves the generic KubernetesObjectApi and the scale subresource', async () => {
    await c.objects.create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'cn' },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'busybox' }] },
        },
      },
    } as k8s.KubernetesObject);
    const scale = await c.apps.readNamespacedStatefulSetScale({ name: 'db', namespace: 'cn' });
    expect(scale.spec?.replicas).toBe(1);
    await c.apps.replaceNamespacedStatefulSetScale({
      name: 'db',
      namespace: 'cn',
      body: { metadata: { name: 'db', namespace: 'cn' }, spec: { replicas: 3 } },
    });
    const sts = await c.apps.readNamespacedStatefulSet({ name: 'db', namespace: 'cn' });
    expect(sts.spec?.replicas).toBe(3);
    expect(sts.spec?.podManagementPolicy).toBe('OrderedReady'); // defaulted as kube-apiserver does
  });

  it('paginates over 1,000 objects with a consistent snapshot', async () => {
    await c.core.createNamespace({ body: { metadata: { name: 'many' } } });
    // as in a real cluster, the root-ca-cert-publisher puts kube-root-ca.crt into the new namespace
    for (let tries = 0; ; tries++) {
      const found = await c.core
        .readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'many' })
        .then(
          () => true,
          () => false,
        );
      if (found || tries > 200) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          c.core.createNamespacedConfigMap({
            namespace: 'many',
            body: { metadata: { name: `cm-${String(i + j).padStart(4, '0')}` } },
          }),
        ),
      );
    }
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await c.core.listNamespacedConfigMap({ namespace: 'many', limit: 120, _continue: cont });
      names.push(...page.items.map((i) => i.metadata!.name!));
      cont = page.metadata?._continue || undefined;
      if (pages === 0) {
        // A write after the first page must not show up in later pages.
        await c.core.createNamespacedConfigMap({
          namespace: 'many',
          body: { metadata: { name: 'zz-late' } },
        });
        expect(page.metadata?.remainingItemCount).toBe(881);
      }
      pages++;
    } while (cont);
    expect(pages).toBe(9);
    expect(names).toHaveLength(1001);
    expect(new Set(names).size).toBe(1001);
    expect(names).toContain('kube-root-ca.crt');
    expect(names).not.toContain('zz-late');
  });

  it('watches from a resourceVersion and gets 410 Gone once history has moved past it', async () => {
    const first = await c.core.createNamespacedConfigMap({
      namespace: 'cn',
      body: { metadata: { name: 'w1' } },
    });
    const rv = first.metadata!.resourceVersion!;
    await c.core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: 'w2' } } });
    await c.core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'cn' });
    const events = await collectWatch(
      c.watch,
      '/api/v1/namespaces/cn/configmaps',
      { resourceVersion: rv, allowWatchBookmarks: true },
      (e) => e.some((x) => x.type === 'DELETED'),
    );
    expect(events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.name}`)).toEqual([
      'ADDED w2',
      'DELETED w1',
    ]);

    // historySize is 200: 300 more writes push `rv` out of the history.
    for (let i = 0; i < 300; i++) {
      await c.core.patchNamespacedConfigMap(
        { name: 'w2', namespace: 'cn', body: { data: { n: String(i) } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    }
    const gone = await collectWatch(
      c.watch,
      '/api/v1/namespaces/cn/configmaps',
      { resourceVersion: rv },
      (e) => e.length > 0,
    );
    expect(gone[0]).toMatchObject({ type: 'ERROR', code: 410 });
  });

  it('blocks deletion on finalizers and cascades deletes to dependents (background, foreground, orphan)', async () => {
    const owner = await c.core.createNamespacedConfigMap({
      namespace: 'cn',
      body: { metadata: { name: 'owner', finalizers: ['opkit.dev/x'] } },
    });
    await c.core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'cn' });
    const held = await c.core.readNamespacedConfigMap({ name: 'owner', namespace: 'cn' });
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    await c.core.patchNamespacedConfigMap(
      { name: 'owner', namespace: 'cn', body: [{ op: 'remove', path: '/metadata/finalizers' }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    await expect(c.core.readNamespacedConfigMap({ name: 'owner', namespace: 'cn' })).rejects.toMatchObject({
      code: 404,
    });
    expect(owner.metadata?.uid).toBeDefined();

    for (const policy of ['Background', 'Foreground', 'Orphan'] as const) {
      const parent = await c.core.createNamespacedConfigMap({
        namespace: 'cn',
        body: { metadata: { name: `p-${policy.toLowerCase()}` } },
      });
      const ref = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: parent.metadata!.name!,
        uid: parent.metadata!.uid!,
        blockOwnerDeletion: true,
      };
      for (const n of [1, 2]) {
        await c.core.createNamespacedConfigMap({
          namespace: 'cn',
          body: { metadata: { name: `child-${policy.toLowerCase()}-${n}`, ownerReferences: [ref] } },
        });
      }
      await c.core.deleteNamespacedConfigMap({
        name: parent.metadata!.name!,
        namespace: 'cn',
        propagationPolicy: policy,
      });
      await cluster.settled();
      await new Promise((r) => setTimeout(r, 200));
      await cluster.settled();
      const children = (await c.core.listNamespacedConfigMap({ namespace: 'cn' })).items.filter((i) =>
        i.metadata?.name?.startsWith(`child-${policy.toLowerCase()}`),
      );
      if (policy === 'Orphan') {
        expect(children).toHaveLength(2);
        expect(children.every((ch) => !ch.metadata?.ownerReferences?.length)).toBe(true);
      } else {
        expect(children).toHaveLength(0);
      }
      await expect(
        c.core.readNamespacedConfigMap({ name: parent.metadata!.name!, namespace: 'cn' }),
      ).rejects.toMatchObject({ code: 404 });
    }
  });

  it('rejects bad input with Status errors and stores nothing', async () => {
    await expect(
      c.core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: 'Not_Valid' } } }),
    ).rejects.toMatchObject({
      code: 422,
    });
    await expect(
      c.core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }),
    ).rejects.toMatchObject({
      code: 404,
    });
    const malformed = await rawRequest(
      cluster,
      'POST',
      '/api/v1/namespaces/cn/configmaps',
      '{"metadata": {"name": ',
    );
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
    const noToken = await rawRequest(cluster, 'GET', '/api/v1/namespaces', undefined, '');
    expect(noToken.status).toBe(401);
    const huge = await rawRequest(
      cluster,
      'POST',
      '/api/v1/namespaces/cn/configmaps',
      JSON.stringify({ metadata: { name: 'huge' }, data: { x: 'y'.repeat(4 << 20) } }),
    );
    expect(huge.status).toBe(413);
    await expect(c.core.readNamespacedConfigMap({ name: 'huge', namespace: 'cn' })).rejects.toMatchObject({
      code: 404,
    });
  });
});

describe('persistence', () => {
  it('keeps objects and resourceVersions across a restart, and watches resume', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'opkit-persist-'));
    const first = await LocalCluster.start({ dataDir });
    let c = clientsFor(first);
    await c.core.createNamespace({ body: { metadata: { name: 'p' } } });
    const cm = await c.core.createNamespacedConfigMap({
      namespace: 'p',
      body: { metadata: { name: 'kept' }, data: { a: '1' } },
    });
    const rv = cm.metadata!.resourceVersion!;
    await c.core.patchNamespacedConfigMap(
      { name: 'kept', namespace: 'p', body: { data: { a: '2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const before = await c.core.readNamespacedConfigMap({ name: 'kept', namespace: 'p' });
    await first.stop();

    const second = await LocalCluster.start({ dataDir });
    try {
      c = clientsFor(second);
      const after = await c.core.readNamespacedConfigMap({ name: 'kept', namespace: 'p' });
      expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
      expect(after.metadata?.uid).toBe(before.metadata?.uid);
      expect(after.data).toEqual({ a: '2' });
      const next = await c.core.createNamespacedConfigMap({
        namespace: 'p',
        body: { metadata: { name: 'new' } },
      });
      expect(Number(next.metadata!.resourceVersion)).toBeGreaterThan(
        Number(before.metadata!.resourceVersion),
      );
      // A watch from a resourceVersion taken before the restart replays what happened since.
      const events = await collectWatch(
        c.watch,
        '/api/v1/namespaces/p/configmaps',
        { resourceVersion: rv },
        (e) => e.length >= 2,
      );
      expect(events.map((e) => `${e.type} ${e.name}`)).toEqual(['MODIFIED kept', 'ADDED new']);
    } finally {
      await second.stop();
    }
  });
});
