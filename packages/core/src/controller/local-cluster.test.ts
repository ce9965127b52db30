/**
 * A controller built with controllerFor() running against a real API server (@opkit/local-cluster)
 * through the cache's SharedInformerFactory: for ConfigMaps, owning Secrets.
 */
import { describe, it, expect } from '@jest/globals';
import { Registry } from 'prom-client';
import { SharedInformerFactory } from '../cache/index.js';
import { KubeClient, isAlreadyExists, isNotFound, type KubeObject } from '../client/index.js';
import { Reconciler, type ReconcileContext, type Request, type Result } from '../reconcile/index.js';
import { controllerFor } from './index.js';
import { eventually, useTestCluster } from '../__tests__/local-cluster.js';

const CM = { group: '', version: 'v1', kind: 'ConfigMap' };
const SECRET = { group: '', version: 'v1', kind: 'Secret' };

/** Mirrors each labelled ConfigMap's data into a Secret it owns. */
class MirrorReconciler extends Reconciler {
  readonly seen: string[] = [];
  constructor(private readonly client: KubeClient) {
    super();
  }
  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | void> {
    this.seen.push(req.name);
    let cm: KubeObject;
    try {
      cm = await this.client.get(CM, req.name, { namespace: req.namespace, signal: ctx.signal });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `${req.name}-mirror`,
        namespace: req.namespace,
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: req.name, uid: cm.metadata.uid!, controller: true },
        ],
      },
      stringData: cm['data'] ?? {},
    };
    try {
      await this.client.create(secret, { signal: ctx.signal });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}

describe('controller on a LocalCluster', () => {
  const suite = useTestCluster();

  it('reconciles ConfigMaps and re-reconciles when an owned Secret is deleted', async () => {
    const factory = new SharedInformerFactory(suite.client);
    const registry = new Registry();
    const reconciler = new MirrorReconciler(suite.client);
    await suite.client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'before', namespace: 'default', labels: { mirror: 'yes' } },
      data: { a: '1' },
    });
    const controller = controllerFor('v1/ConfigMap', {
      predicates: [
        (e) => (e.type === 'update' ? e.objectNew : e.object).metadata.labels?.['mirror'] === 'yes',
      ],
    })
      .owns('v1/Secret')
      .withOptions({ maxConcurrentReconciles: 2 })
      .complete(reconciler)
      .build({ informers: factory, metricsRegistry: registry });
    const stop = new AbortController();
    const running = controller.start(stop.signal);
    try {
      await eventually(() => reconciler.seen.includes('before'), 'the initial list to be reconciled');
      await suite.client.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'live', namespace: 'default', labels: { mirror: 'yes' } },
        data: { b: '2' },
      });
      await suite.client.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ignored', namespace: 'default' },
        data: {},
      });
      const secretExists = async (name: string): Promise<boolean> =>
        suite.client.get(SECRET, name, { namespace: 'default' }).then(
          () => true,
          () => false,
        );
      await eventually(() => secretExists('live-mirror'), 'the live Secret');
      expect(await secretExists('before-mirror')).toBe(true);

      const count = reconciler.seen.filter((n) => n === 'live').length;
      await suite.client.delete(SECRET, 'live-mirror', { namespace: 'default' });
      await eventually(
        () => reconciler.seen.filter((n) => n === 'live').length > count && secretExists('live-mirror'),
        'the Secret to be recreated',
      );
      expect(reconciler.seen).not.toContain('ignored');

      const total = await registry.getSingleMetric('controller_runtime_reconcile_total')!.get();
      const success = total.values.find(
        (v) => v.labels['controller'] === 'configmap' && v.labels['result'] === 'success',
      );
      expect(success?.value).toBeGreaterThanOrEqual(3);
      const adds = await registry.getSingleMetric('workqueue_adds_total')!.get();
      expect(adds.values.find((v) => v.labels['name'] === 'configmap')?.value).toBeGreaterThanOrEqual(3);
    } finally {
      stop.abort();
      await running;
      await factory.shutdown();
    }
  }, 30_000);
});
