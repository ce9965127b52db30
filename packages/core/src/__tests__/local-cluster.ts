/**
 * Test set-up shared by core's suites that run against a real API server (@opkit/local-cluster):
 * one LocalCluster per suite and a KubeClient on its kubeconfig, plus polling for eventual state.
 * Excluded from the build (tsconfig excludes `__tests__`).
 */
import { afterAll, beforeAll } from '@jest/globals';
import { LocalCluster } from '@opkit/local-cluster';
import { KubeClient } from '../client/index.js';

/** A running LocalCluster and a client on it. */
export interface TestCluster {
  readonly cluster: LocalCluster;
  readonly client: KubeClient;
}

/** Starts a LocalCluster and a KubeClient on its kubeconfig; the caller stops `cluster`. */
export async function startTestCluster(): Promise<TestCluster> {
  const cluster = await LocalCluster.start();
  return { cluster, client: KubeClient.fromYaml(cluster.kubeconfig) };
}

/**
 * Starts a cluster in the enclosing suite's `beforeAll` (then runs `setUp`, if given) and stops it in
 * `afterAll`. The returned fields are readable from the tests and later hooks on.
 */
export function useTestCluster(setUp?: (test: TestCluster) => Promise<void>): TestCluster {
  let started: TestCluster | undefined;
  beforeAll(async () => {
    started = await startTestCluster();
    await setUp?.(started);
  }, 60_000);
  afterAll(async () => {
    await started?.cluster.stop();
  });
  const current = (): TestCluster => {
    if (!started) throw new Error('the test cluster is not started yet: read it inside a test or hook');
    return started;
  };
  return {
    get cluster() {
      return current().cluster;
    },
    get client() {
      return current().client;
    },
  };
}

/** Resolves after `ms` of real time. */
export const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` (a throw counts as false) until it holds; rejects after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleepMs(20);
  }
}
