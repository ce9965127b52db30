/**
 * Acceptance: what kube-controller-manager adds that operators and kubectl users see, through
 * @kubernetes/client-node: every namespace's `kube-root-ca.crt` ConfigMap and `default`
 * ServiceAccount (put back when removed), and the Deployment / ReplicaSet controllers' Events.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { LocalCluster } from '../src/index.js';

let cluster: LocalCluster;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;

async function until<T>(what: () => Promise<T | undefined>, label: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  cluster = await LocalCluster.start({ nodes: { timings: { timeScale: 0.01 } } });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
});
afterAll(async () => {
  await cluster?.stop();
});

describe('kube-controller-manager behaviours', () => {
  it('publishes kube-root-ca.crt (the cluster CA) and a default ServiceAccount in every namespace', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      const cm = await until(
        () => core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: ns }),
        ns,
      );
      expect(cm.data).toEqual({ 'ca.crt': cluster.caCert });
      await until(() => core.readNamespacedServiceAccount({ name: 'default', namespace: ns }), `${ns} SA`);
    }
    await core.createNamespace({ body: { metadata: { name: 'fresh' } } });
    const cm = await until(
      () => core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'fresh' }),
      'cm',
    );
    expect(cm.data?.['ca.crt']).toContain('-----BEGIN CERTIFICATE-----');
    expect(cm.metadata?.annotations?.['kubernetes.io/description']).toContain('CA bundle');
    await until(() => core.readNamespacedServiceAccount({ name: 'default', namespace: 'fresh' }), 'sa');

    // deleted or edited, they come back as they were
    const before = cm.metadata?.uid;
    await core.deleteNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'fresh' });
    const again = await until(async () => {
      const c = await core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'fresh' });
      return c.metadata?.uid !== before ? c : undefined;
    }, 'the ConfigMap to come back');
    expect(again.data).toEqual({ 'ca.crt': cluster.caCert });
    await core.replaceNamespacedConfigMap({
      name: 'kube-root-ca.crt',
      namespace: 'fresh',
      body: { ...again, data: { 'ca.crt': 'tampered' } },
    });
    await until(async () => {
      const c = await core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'fresh' });
      return c.data?.['ca.crt'] === cluster.caCert ? c : undefined;
    }, 'the data to be put back');
    await core.deleteNamespacedServiceAccount({ name: 'default', namespace: 'fresh' });
    await until(async () => {
      const sa = await core.readNamespacedServiceAccount({ name: 'default', namespace: 'fresh' });
      return sa;
    }, 'the ServiceAccount to come back');
  });

  it('records Deployment ScalingReplicaSet and ReplicaSet SuccessfulCreate/SuccessfulDelete Events', async () => {
    await core.createNamespace({ body: { metadata: { name: 'deploy' } } });
    await apps.createNamespacedDeployment({
      namespace: 'deploy',
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'example/app:1' }] },
          },
        },
      },
    });
    const rs = await until(async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace: 'deploy' });
      return list.items[0];
    }, 'the ReplicaSet');
    await apps.patchNamespacedDeploymentScale(
      { name: 'web', namespace: 'deploy', body: { spec: { replicas: 1 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const lines = await until(async () => {
      const events = (await core.listNamespacedEvent({ namespace: 'deploy' })).items;
      const l = events.map((e) => `${e.involvedObject.kind} ${e.source?.component} ${e.reason} ${e.message}`);
      return l.some((x) => x.includes('Scaled down')) && l.some((x) => x.includes('Deleted pod'))
        ? l
        : undefined;
    }, 'the events');
    const rsName = rs.metadata?.name ?? '';
    expect(lines).toEqual(
      expect.arrayContaining([
        `Deployment deployment-controller ScalingReplicaSet Scaled up replica set ${rsName} from 0 to 2`,
        `Deployment deployment-controller ScalingReplicaSet Scaled down replica set ${rsName} from 2 to 1`,
        expect.stringMatching(
          new RegExp(
            `^ReplicaSet replicaset-controller SuccessfulCreate Created pod: ${rsName}-[a-z0-9]{5}$`,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `^ReplicaSet replicaset-controller SuccessfulDelete Deleted pod: ${rsName}-[a-z0-9]{5}$`,
          ),
        ),
      ]),
    );
    expect(lines.filter((l) => l.includes('Created pod'))).toHaveLength(2);
  });
});
