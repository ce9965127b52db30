/**
 * The membership runbooks against the local cluster: SimDb members run on the simulated runtime,
 * the operator is a plain reconcile loop (killed and restarted at successive writes where asked),
 * and every SimDb rule must hold throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeClient } from '@opkit/core';
import { LocalCluster, RuntimeRegistry, SimulatedRuntime } from '@opkit/local-cluster';
import {
  MemberGroup,
  RecordedEvents,
  RunbookEngine,
  clusterClientFrom,
  membershipRunbooks,
  operationOf,
  planMembershipChange,
  type ClusterClient,
  type GroupContext,
  type KubeObject,
  type MemberGroupSpec,
  type ObservedGroup,
} from '../src/index.js';
import { SimDb, simDbCall } from './simdb.js';

const db = new SimDb({ joinMs: 150, leaveMs: 100 });
let cluster: LocalCluster;
let kube: KubeClient;
let client: ClusterClient;

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'simdbs.test.opkit.dev' },
  spec: {
    group: 'test.opkit.dev',
    scope: 'Namespaced',
    names: { plural: 'simdbs', singular: 'simdb', kind: 'SimDb', listKind: 'SimDbList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

class Crash extends Error {}

/** Kills the "operator" at successive writes: 1st, then 2 writes later, then 3 later ... cycling 1–4. */
function crashing(
  inner: ClusterClient,
  state: { writes: number; next: number; gap: number; enabled: boolean; crashes: number },
): ClusterClient {
  const write =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      state.writes++;
      if (state.enabled && state.writes >= state.next) {
        state.gap = (state.gap % 4) + 1;
        state.next = state.writes + state.gap;
        state.crashes++;
        throw new Crash('operator killed');
      }
      return fn(...a);
    };
  return {
    get: (r) => inner.get(r),
    list: (k, n, l) => inner.list(k, n, l),
    apply: write(inner.apply.bind(inner)),
    patch: write(inner.patch.bind(inner)),
    create: write(inner.create.bind(inner)),
    delete: write(inner.delete.bind(inner)),
  };
}

function groupSpec(cr: KubeObject): MemberGroupSpec {
  const spec = cr.spec as {
    replicas: number;
    version: string;
    claims?: 'Retain' | 'Delete';
    policy?: 'OrderedReady' | 'Parallel';
  };
  const name = cr.metadata.name ?? '';
  return {
    name,
    namespace: 'default',
    owner: cr,
    ports: [{ name: 'db', containerPort: 7000 }],
    storagePolicy: { whenScaled: spec.claims ?? 'Delete' },
    sets: [
      {
        name,
        replicas: spec.replicas,
        image: `simdb:${spec.version}`,
        env: [{ name: 'INITIAL_MEMBERS', value: [0, 1, 2].map((i) => `${name}-${i}`).join(',') }],
        storage: { size: '10Mi', mountPath: '/data' },
        terminationGracePeriodSeconds: 1,
        ...(spec.policy ? { podManagementPolicy: spec.policy } : {}),
      },
    ],
  };
}

function readyIp(observed: ObservedGroup): string {
  const m = observed.members().find((x) => x.ready && x.podIP);
  if (!m?.podIP) throw new Error('no ready member to talk to');
  return m.podIP;
}

async function status(
  ctx: GroupContext,
): Promise<{ leaders: Record<string, string>; members: Record<string, { state: string; voter: boolean }> }> {
  return (await simDbCall(readyIp(ctx.observed), 'GET', '/status')).body as {
    leaders: Record<string, string>;
    members: Record<string, { state: string; voter: boolean }>;
  };
}

async function post(ctx: GroupContext, path: string): Promise<void> {
  const res = await simDbCall(readyIp(ctx.observed), 'POST', path);
  if (res.code !== 200) throw new Error(`${path}: ${res.code} ${JSON.stringify(res.body)}`);
}

function runbooksFor(cr: () => KubeObject) {
  return membershipRunbooks<GroupContext>({
    desiredReplicas: () => (cr().spec as { replicas: number }).replicas,
    preAdd: {
      action: (m, ctx) => post(ctx, `/add?name=${m.name}`),
      done: async (m, ctx) =>
        ['joining', 'member'].includes((await status(ctx)).members[m.name]?.state ?? ''),
    },
    postJoin: {
      action: (m, ctx) => post(ctx, `/promote?name=${m.name}`),
      done: async (m, ctx) => (await status(ctx)).members[m.name]?.voter === true,
    },
    preRemove: {
      action: (m, ctx) => post(ctx, `/leave?name=${m.name}`),
      done: async (m, ctx) =>
        ['leaving', 'left'].includes((await status(ctx)).members[m.name]?.state ?? 'left'),
    },
    hasLeft: async (m, ctx) => ((await status(ctx)).members[m.name]?.state ?? 'left') === 'left',
    leader: async (set, ctx) => (await status(ctx)).leaders[set],
    readyTimeoutMs: 20_000,
  });
}

/** Reconciles `name` until converged (idle and `done()`), restarting after every injected crash. */
async function operate(
  name: string,
  done: (observed: ObservedGroup) => boolean,
  opts: {
    crash?: boolean;
    onReconcile?: (cr: KubeObject) => Promise<void>;
    /** Collects the names of the objects the runbooks delete. */
    deleted?: string[];
  } = {},
): Promise<{ crashes: number; events: RecordedEvents }> {
  const crashState = { writes: 0, next: 1, gap: 0, enabled: opts.crash === true, crashes: 0 };
  const crashable = crashing(client, crashState);
  const c: ClusterClient = {
    ...crashable,
    delete: async (ref, o) => {
      const gone = await crashable.delete(ref, o);
      opts.deleted?.push(`${ref.kind}/${ref.name}`);
      return gone;
    },
  };
  const events = new RecordedEvents();
  const newEngine = () => new RunbookEngine({ client: c, events, pollIntervalMs: 40, promptRequeueMs: 1 });
  let engine = newEngine();
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    let cr = (await client.get({
      apiVersion: 'test.opkit.dev/v1',
      kind: 'SimDb',
      namespace: 'default',
      name,
    }))!;
    await opts.onReconcile?.(cr);
    cr = (await client.get({ apiVersion: 'test.opkit.dev/v1', kind: 'SimDb', namespace: 'default', name }))!;
    try {
      // the steady-state apply every reconcile makes is not where a crash matters: inject crashes
      // only into what the runbooks write
      await new MemberGroup(client, groupSpec(cr)).apply();
      const group = new MemberGroup(c, groupSpec(cr));
      const observed = await group.observe();
      const context = { group, observed };
      const out = await engine.reconcile({
        object: cr,
        runbooks: runbooksFor(() => cr),
        context,
        plan: (ctx) =>
          planMembershipChange(ctx, { desiredReplicas: () => (cr.spec as { replicas: number }).replicas }),
      });
      if (out.idle && done(observed)) return { crashes: crashState.crashes, events };
      await new Promise((r) => setTimeout(r, Math.min(out.result.requeueAfter ?? 40, 40)));
    } catch (e) {
      if (
        !(e instanceof Crash) &&
        !/changed meanwhile|no ready member|fetch failed|ECONNREFUSED/.test(String(e))
      )
        throw e;
      if (e instanceof Crash) engine = newEngine();
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`did not converge; history: ${db.history.join('; ')}`);
}

const readyMembers = (n: number, version?: string) => (o: ObservedGroup) => {
  const set = o.sets[0]!;
  return (
    set.replicas === n &&
    set.members.length === n &&
    set.members.every((m) => m.ready && (!version || m.updated))
  );
};

async function createDb(name: string, spec: Record<string, unknown>): Promise<void> {
  await client.create({
    apiVersion: 'test.opkit.dev/v1',
    kind: 'SimDb',
    metadata: { name, namespace: 'default' },
    spec,
  });
}

async function setSpec(name: string, spec: Record<string, unknown>): Promise<void> {
  await client.patch(
    { apiVersion: 'test.opkit.dev/v1', kind: 'SimDb', namespace: 'default', name },
    { spec },
  );
}

beforeAll(async () => {
  const runtimes = new RuntimeRegistry(new SimulatedRuntime({ behaviour: (ctx) => db.behaviour(ctx) }));
  cluster = await LocalCluster.start({ nodes: { runtimes, timings: { timeScale: 0.02 } } });
  kube = KubeClient.fromYaml(cluster.kubeconfig, { fieldManager: 'simdb-operator' });
  await kube.create(CRD);
  for (let i = 0; i < 50; i++) {
    try {
      await kube.list({ group: 'test.opkit.dev', version: 'v1', kind: 'SimDb' }, { namespace: 'default' });
      break;
    } catch {
      kube = KubeClient.fromYaml(cluster.kubeconfig, { fieldManager: 'simdb-operator' });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  client = clusterClientFrom(kube);
  cluster.api.store.subscribe((e) => {
    if (e.key.resource !== 'apps/statefulsets' || e.type === 'DELETED') return;
    const now = (e.object.spec as { replicas?: number }).replicas ?? 0;
    const before = (e.prevObject?.spec as { replicas?: number } | undefined)?.replicas;
    if (before !== undefined && now < before) db.checkReplicas(e.key.name, now);
  });
}, 30_000);

afterAll(async () => {
  db.closing = true;
  await cluster?.stop();
});

describe('membership runbooks on the local cluster', () => {
  it('bootstraps 3, scales 3→5 and 5→3 one member at a time with hooks in order, killed at successive writes', async () => {
    await createDb('alpha', { replicas: 3, version: '1' });
    await operate('alpha', readyMembers(3));
    const mark = db.history.length;
    await setSpec('alpha', { replicas: 5 });
    const up = await operate('alpha', readyMembers(5), { crash: true });
    expect(up.crashes).toBeGreaterThan(5);
    const hooks = (from: number) =>
      db.history.slice(from).filter((h) => /^(add|promote|leave) alpha/.test(h));
    expect(hooks(mark)).toEqual(['add alpha-3', 'promote alpha-3', 'add alpha-4', 'promote alpha-4']);
    const mark2 = db.history.length;
    await setSpec('alpha', { replicas: 3 });
    const down = await operate('alpha', readyMembers(3), { crash: true });
    expect(down.crashes).toBeGreaterThan(3);
    expect(hooks(mark2)).toEqual(['leave alpha-4', 'leave alpha-3']);
    expect(db.violations).toEqual([]);
    // PVC policy Delete: the claims of the members that left are gone
    const claims = (await client.list({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, 'default'))
      .map((c) => c.metadata.name)
      .filter((n) => n?.includes('alpha'));
    expect(claims.sort()).toEqual(['data-alpha-0', 'data-alpha-1', 'data-alpha-2']);
    const cr = (await client.get({
      apiVersion: 'test.opkit.dev/v1',
      kind: 'SimDb',
      namespace: 'default',
      name: 'alpha',
    }))!;
    expect(operationOf(cr)).toBeUndefined();
  }, 60_000);

  it('rolls an update through OnDelete one member at a time, followers first, the leader last', async () => {
    await createDb('beta', { replicas: 3, version: '1' });
    await operate('beta', readyMembers(3));
    const mark = db.history.length;
    await setSpec('beta', { version: '2' });
    await operate('beta', readyMembers(3, '2'), { crash: true });
    const restarts = db.history
      .slice(mark)
      .filter((h) => /^start beta-\d 2$/.test(h))
      .map((h) => h.split(' ')[1]);
    // the leader is beta-1 (SimDb picks the second initial member): followers from the top, leader last
    expect(restarts).toEqual(['beta-2', 'beta-0', 'beta-1']);
    expect(db.violations).toEqual([]);
  }, 60_000);

  it('finishes the in-flight member when the spec changes mid-operation, then re-plans', async () => {
    await createDb('gamma', { replicas: 3, version: '1', claims: 'Retain' });
    await operate('gamma', readyMembers(3));
    await setSpec('gamma', { replicas: 5 });
    let flipped = false;
    await operate('gamma', readyMembers(3), {
      onReconcile: async (cr) => {
        const op = operationOf(cr);
        if (!flipped && op?.step === 'WaitReady') {
          flipped = true;
          await setSpec('gamma', { replicas: 3 });
        }
      },
    });
    expect(flipped).toBe(true);
    const hooks = db.history.filter((h) => /^(add|promote|leave) gamma/.test(h));
    expect(hooks).toEqual(['add gamma-3', 'promote gamma-3', 'leave gamma-3']);
    // Retain: the claim stays, marked as the data of a member that left
    const claim = await client.get({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      namespace: 'default',
      name: 'data-gamma-3',
    });
    expect(claim?.metadata.annotations?.['opkit.dev/member-left']).toBeDefined();
    // scaling up again must not reuse that stale claim (SimDb fails loudly if its data comes back)
    await setSpec('gamma', { replicas: 4 });
    await operate('gamma', readyMembers(4));
    expect(db.violations).toEqual([]);
  }, 60_000);

  it('forced rollback: a member stuck not-ready on a bad template is deleted once the template is reverted', async () => {
    db.brokenVersions.add('bad');
    await createDb('delta', { replicas: 3, version: '1', policy: 'OrderedReady' });
    await operate('delta', readyMembers(3));
    const sts = await client.get({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      namespace: 'default',
      name: 'delta',
    });
    expect(sts?.spec).toMatchObject({
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'OnDelete' },
    });
    const mark = db.history.length;
    const deleted: string[] = [];
    let stuckSince: number | undefined;
    let reverted = false;
    await setSpec('delta', { version: 'bad' });
    await operate('delta', readyMembers(3, '1'), {
      deleted,
      onReconcile: async (cr) => {
        if (reverted) return;
        // the first member restarted on the bad template and stays not ready: the update is stuck
        if (!db.history.slice(mark).includes('start delta-2 bad')) return;
        stuckSince ??= Date.now();
        const pod = await client.get({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: 'default',
          name: 'delta-2',
        });
        const ready = (
          pod?.status as { conditions?: { type: string; status: string }[] } | undefined
        )?.conditions?.find((c) => c.type === 'Ready')?.status;
        expect(ready).not.toBe('True');
        if (Date.now() - stuckSince < 500) return;
        expect(operationOf(cr)).toMatchObject({ kind: 'RollingUpdate', step: 'UpdateMembers' });
        reverted = true;
        await setSpec('delta', { version: '1' });
      },
    });
    expect(reverted).toBe(true);
    const life = db.history.slice(mark).filter((h) => /^(start|stop) delta-/.test(h));
    // delta-2: restarted on the bad template, then deleted by the runbook and back on the good one;
    // the other members were never touched
    expect(life).toEqual(['stop delta-2', 'start delta-2 bad', 'stop delta-2', 'start delta-2 1']);
    expect(deleted.filter((d) => d === 'Pod/delta-2')).toHaveLength(2);
    expect(deleted.filter((d) => d.startsWith('Pod/') && d !== 'Pod/delta-2')).toEqual([]);
    const cr = (await client.get({
      apiVersion: 'test.opkit.dev/v1',
      kind: 'SimDb',
      namespace: 'default',
      name: 'delta',
    }))!;
    expect(operationOf(cr)).toBeUndefined();
    expect(db.violations).toEqual([]);
  }, 60_000);
});
