/** Shared helpers of the website-operator tests: a cluster with the CRD installed, polling. */
import { KubeClient, type KubeObject } from '@opkit/core';
import { LocalCluster } from '@opkit/local-cluster';
import { WebsiteKind, type Website } from '../src/api/index.js';

export const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleepMs(50);
  }
}

/** Starts a local cluster (fast simulated pods) and installs the Website CRD. */
export async function startClusterWithCrd(): Promise<{ cluster: LocalCluster; client: KubeClient }> {
  const cluster = await LocalCluster.start({ nodes: { timings: { timeScale: 0.02 } } });
  const client = KubeClient.fromYaml(cluster.kubeconfig, { fieldManager: 'website-test' });
  await client.create(WebsiteKind.toCRD() as unknown as KubeObject);
  // discovery of a new CRD lags its creation by a moment
  await eventually(
    async () => (await client.list(WebsiteKind.gvk, { namespace: 'default' })) !== undefined,
    'the Website CRD to be served',
  );
  return { cluster, client };
}

/** A Website object. */
export function website(name: string, spec: Partial<Website['spec']> = {}, namespace = 'default'): Website {
  return WebsiteKind.create({
    metadata: { name, namespace },
    spec: { image: 'nginx:1.27', replicas: 2, content: '<h1>hello</h1>', ...spec },
  });
}
