import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { LocalCluster } from '@opkit/local-cluster';

// A first test: the embedded local cluster answers like a real API server.
describe('the local cluster', () => {
  let cluster: LocalCluster;
  let kubeConfig: KubeConfig;

  beforeAll(async () => {
    cluster = await LocalCluster.start();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(cluster.kubeconfig);
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('creates and reads a namespace', async () => {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: '{{projectName}}-test' } } });
    const ns = await core.readNamespace({ name: '{{projectName}}-test' });
    expect(ns.metadata?.name).toBe('{{projectName}}-test');
  });
});
