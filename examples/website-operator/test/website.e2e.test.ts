/**
 * The website operator end to end on the local cluster, its manager running in this process with
 * leader election on: children with owner references, status conditions, spec updates, repair of a
 * deleted child, the finalizer's cleanup, a terminal error for an invalid spec, Events, /metrics and
 * /readyz, and the builder-style shared-content controller.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  KubeClient,
  Manager,
  findStatusCondition,
  isNotFound,
  silentLogger,
  type CoreEvent,
  type KubeObject,
} from '@opkit/core';
import type { LocalCluster } from '@opkit/local-cluster';
import { WebsiteKind, type Website } from '../src/api/index.js';
import {
  DNS_FINALIZER,
  MIRRORED_FROM_ANNOTATION,
  websiteContainer,
  websiteControllers,
} from '../src/controllers/index.js';
import { defaultSettings } from '../src/services/index.js';
import { eventually, sleepMs, startClusterWithCrd, website } from './support.js';

const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment' };
const SERVICE = { group: '', version: 'v1', kind: 'Service' };
const CONFIG_MAP = { group: '', version: 'v1', kind: 'ConfigMap' };
const EVENT = { group: '', version: 'v1', kind: 'Event' };

interface Deployment extends KubeObject {
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
}

describe('the website operator on the local cluster', () => {
  let cluster: LocalCluster;
  let client: KubeClient;
  let manager: Manager;
  const stop = new AbortController();
  let run: Promise<void>;

  const getSite = (name: string): Promise<Website> =>
    client.get<Website>(WebsiteKind.gvk, name, { namespace: 'default' });
  const gone = async (gvk: typeof DEPLOYMENT, name: string, namespace = 'default'): Promise<boolean> => {
    try {
      await client.get(gvk, name, { namespace });
      return false;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  };
  const eventsOf = async (name: string): Promise<CoreEvent[]> =>
    (await client.list<CoreEvent>(EVENT, { namespace: 'default' })).items.filter(
      (e) => e.involvedObject.name === name && e.involvedObject.kind === 'Website',
    );
  const scrape = async (): Promise<string> =>
    (await fetch(`http://${manager.addresses.metrics}/metrics`)).text();
  const metric = (text: string, line: RegExp): number => Number(line.exec(text)?.[1] ?? 'NaN');

  beforeAll(async () => {
    ({ cluster, client } = await startClusterWithCrd());
    const container = websiteContainer();
    manager = Manager.create({
      client,
      container,
      name: 'website-operator',
      logger: silentLogger(),
      healthProbeBindAddress: '127.0.0.1:0',
      metricsBindAddress: '127.0.0.1:0',
      leaderElection: {
        id: 'website-operator',
        namespace: 'default',
        leaseDurationMs: 3_000,
        renewDeadlineMs: 2_000,
        retryPeriodMs: 200,
      },
    });
    for (const c of websiteControllers(container)) manager.add(c);
    run = manager.start(stop.signal);
    await eventually(() => manager.isLeader, 'the manager to lead');
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await run?.catch(() => undefined);
    await cluster?.stop();
  });

  it('creates the children with owner references and reports Ready', async () => {
    await client.create(website('hello', { domain: 'hello.example.test' }));
    const site = await eventually(async () => {
      const s = await getSite('hello');
      return findStatusCondition(s.status?.conditions ?? [], 'Ready')?.status === 'True' ? s : undefined;
    }, 'the Website to be Ready');
    for (const [gvk, name] of [
      [DEPLOYMENT, 'hello'],
      [SERVICE, 'hello'],
      [CONFIG_MAP, 'hello-content'],
    ] as const) {
      const child = await client.get(gvk, name, { namespace: 'default' });
      expect(child.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          kind: 'Website',
          name: 'hello',
          uid: site.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        }),
      ]);
    }
    expect(site.metadata.finalizers).toContain(DNS_FINALIZER);
    expect(site.status).toMatchObject({
      url: 'http://hello.example.test',
      readyReplicas: 2,
      observedGeneration: site.metadata.generation,
    });
    const conditions = site.status?.conditions ?? [];
    expect(findStatusCondition(conditions, 'Progressing')).toMatchObject({
      status: 'False',
      observedGeneration: site.metadata.generation,
    });
    expect(findStatusCondition(conditions, 'Degraded')).toMatchObject({ status: 'False' });
    const record = await client.get<KubeObject & { data: Record<string, string> }>(
      CONFIG_MAP,
      'default.hello',
      { namespace: defaultSettings.dnsNamespace },
    );
    expect(record.data).toEqual({ domain: 'hello.example.test', target: 'hello.default.svc' });
    const reasons = (
      await eventually(
        async () =>
          (await eventsOf('hello')).some((e) => e.reason === 'Ready') ? eventsOf('hello') : undefined,
        'events',
      )
    ).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Created', 'DnsRecordWritten', 'Ready']));
  });

  it('follows a spec update: children change, observedGeneration catches up', async () => {
    const before = await getSite('hello');
    await client.patch(
      WebsiteKind.gvk,
      'hello',
      { spec: { replicas: 3, image: 'nginx:1.28', content: '<h1>v2</h1>' } },
      { namespace: 'default' },
    );
    const after = await eventually(async () => {
      const s = await getSite('hello');
      const ready = findStatusCondition(s.status?.conditions ?? [], 'Ready');
      return s.status?.observedGeneration === s.metadata.generation &&
        ready?.status === 'True' &&
        ready.observedGeneration === s.metadata.generation
        ? s
        : undefined;
    }, 'the new generation to be Ready');
    expect(after.metadata.generation).toBe((before.metadata.generation ?? 0) + 1);
    expect(after.status?.readyReplicas).toBe(3);
    const deployment = await client.get<Deployment>(DEPLOYMENT, 'hello', { namespace: 'default' });
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec.containers[0]?.image).toBe('nginx:1.28');
    const cm = await client.get<KubeObject & { data: Record<string, string> }>(CONFIG_MAP, 'hello-content', {
      namespace: 'default',
    });
    expect(cm.data['index.html']).toBe('<h1>v2</h1>');
  });

  it('recreates an owned child deleted by hand', async () => {
    const old = await client.get(SERVICE, 'hello', { namespace: 'default' });
    await client.delete(SERVICE, 'hello', { namespace: 'default' });
    const recreated = await eventually(async () => {
      const s = await client.get(SERVICE, 'hello', { namespace: 'default' }).catch(() => undefined);
      return s && s.metadata.uid !== old.metadata.uid ? s : undefined;
    }, 'the Service to come back');
    expect(recreated.metadata.ownerReferences?.[0]?.name).toBe('hello');
  });

  it('on delete, removes the DNS record once and lets the garbage collector take the children', async () => {
    const removedBefore = metric(await scrape(), /^website_operator_dns_records_removed_total (\S+)$/m);
    await client.delete(WebsiteKind.gvk, 'hello', { namespace: 'default' });
    await eventually(() => gone(WebsiteKind.gvk, 'hello'), 'the Website to go');
    expect(await gone(CONFIG_MAP, 'default.hello', defaultSettings.dnsNamespace)).toBe(true);
    await eventually(
      async () =>
        (await gone(DEPLOYMENT, 'hello')) &&
        (await gone(SERVICE, 'hello')) &&
        (await gone(CONFIG_MAP, 'hello-content')),
      'the children to be collected',
    );
    await sleepMs(300);
    expect(
      metric(await scrape(), /^website_operator_dns_records_removed_total (\S+)$/m) - removedBefore,
    ).toBe(1);
  });

  it('reports an invalid spec as Degraded with a Warning Event, without retrying', async () => {
    await client.create(website('broken', { domain: 'Not A Domain!' }));
    const site = await eventually(async () => {
      const s = await getSite('broken');
      return findStatusCondition(s.status?.conditions ?? [], 'Degraded')?.status === 'True' ? s : undefined;
    }, 'the Degraded condition');
    expect(findStatusCondition(site.status?.conditions ?? [], 'Degraded')).toMatchObject({
      reason: 'InvalidSpec',
      observedGeneration: site.metadata.generation,
    });
    expect(findStatusCondition(site.status?.conditions ?? [], 'Ready')).toMatchObject({ status: 'False' });
    const warning = await eventually(
      async () => (await eventsOf('broken')).find((e) => e.type === 'Warning'),
      'the Warning event',
    );
    expect(warning).toMatchObject({ reason: 'InvalidSpec', count: 1 });
    expect(warning.message).toContain('spec.domain');
    // a TerminalError is not requeued: over a second (many backoff periods) nothing retries
    const terminal = /^controller_runtime_terminal_reconcile_errors_total\{controller="website"\} (\S+)$/m;
    const errorsBefore = metric(await scrape(), terminal);
    await sleepMs(1_000);
    expect(metric(await scrape(), terminal)).toBe(errorsBefore);
    expect(errorsBefore).toBe(1);
    expect((await eventsOf('broken')).find((e) => e.type === 'Warning')?.count).toBe(1);
    expect(await gone(DEPLOYMENT, 'broken')).toBe(true);
  });

  it('serves /metrics with the controllers and work queues by name, and /readyz', async () => {
    const text = await scrape();
    expect(text).toMatch(
      /^controller_runtime_reconcile_total\{controller="website",result="success"\} [1-9]/m,
    );
    expect(text).toMatch(
      /^controller_runtime_reconcile_total\{controller="shared-content",result="success"\} \d+/m,
    );
    expect(text).toMatch(/^workqueue_adds_total\{(controller="website",)?name="website"/m);
    expect(text).toMatch(/^workqueue_depth\{(controller="website",)?name="website"/m);
    expect(text).toMatch(/^leader_election_master_status\{name="website-operator"\} 1/m);
    const readyz = await fetch(`http://${manager.addresses.healthProbe}/readyz`);
    expect(readyz.status).toBe(200);
  });

  it('mirrors the shared content into labelled namespaces (the builder-style controller)', async () => {
    const { namespace, name } = defaultSettings.sharedContent;
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace },
      data: { 'site.css': 'body{}' },
    } as KubeObject);
    await client.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { [defaultSettings.mirrorLabel]: 'true' } },
    });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    type Cm = KubeObject & { data?: Record<string, string> };
    const copy = await eventually(
      () => client.get<Cm>(CONFIG_MAP, name, { namespace: 'team-a' }),
      'the copy in team-a',
    );
    expect(copy.data).toEqual({ 'site.css': 'body{}' });
    expect(copy.metadata.annotations?.[MIRRORED_FROM_ANNOTATION]).toBe(`${namespace}/${name}`);
    // the source changes: every labelled namespace gets it (the map function)
    await client.patch(CONFIG_MAP, name, { data: { 'site.css': 'body{color:red}' } }, { namespace });
    await eventually(
      async () =>
        (await client.get<Cm>(CONFIG_MAP, name, { namespace: 'team-a' })).data?.['site.css'] ===
        'body{color:red}',
      'the update to be mirrored',
    );
    // labelling team-b adds a copy there; unlabelling team-a removes its copy
    await client.patch({ group: '', version: 'v1', kind: 'Namespace' }, 'team-b', {
      metadata: { labels: { [defaultSettings.mirrorLabel]: 'true' } },
    });
    await eventually(() => client.get<Cm>(CONFIG_MAP, name, { namespace: 'team-b' }), 'the copy in team-b');
    await client.patch({ group: '', version: 'v1', kind: 'Namespace' }, 'team-a', {
      metadata: { labels: { [defaultSettings.mirrorLabel]: null } },
    });
    await eventually(() => gone(CONFIG_MAP, name, 'team-a'), 'the copy in team-a to go');
  });
});
