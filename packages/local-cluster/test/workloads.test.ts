/**
 * Acceptance: the local cluster's workloads as kubectl users see them — a StatefulSet's ordered pods
 * and PVCs, `kubectl rollout status`, `kubectl scale`, `kubectl get pods -w`, `kubectl logs` — and a
 * three-member etcd cluster from a plain StatefulSet manifest running as real etcd processes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster } from '../src/index.js';
import { findKubectl, kubectlRunner, type KubectlBinary } from './kubectl-binaries.js';

const { found } = findKubectl(['1.27', '1.33']);

function statefulSet(ns: string, name: string, replicas: number, extra = ''): string {
  return `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: ${name}, namespace: ${ns} }
spec:
  serviceName: ${name}
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers: [{ name: main, image: nginx:1.27 }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
${extra}`;
}

describe.each(found.map((b) => [b.version, b] as [string, KubectlBinary]))(
  'workloads with kubectl %s',
  (version, binary) => {
    let cluster: LocalCluster;
    let kubectl: ReturnType<typeof kubectlRunner>;
    let kubeconfigFile: string;
    const ns = `w${version.replace('.', '')}`;

    async function ok(args: string[], input?: string): Promise<string> {
      const r = await kubectl(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    }

    beforeAll(async () => {
      cluster = await LocalCluster.start();
      kubectl = kubectlRunner(binary, cluster.kubeconfig);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'opkit-w-'));
      kubeconfigFile = path.join(dir, 'kubeconfig');
      writeFileSync(kubeconfigFile, cluster.kubeconfig);
      await ok(['create', 'namespace', ns]);
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('creates StatefulSet pods in order with their PVCs; rollout status, scale and get -w follow it', async () => {
      const watcher = spawn(
        binary.file,
        ['get', 'pods', '-n', ns, '-w', '--output-watch-events', '--no-headers'],
        {
          env: { ...process.env, KUBECONFIG: kubeconfigFile, HOME: path.dirname(kubeconfigFile) },
        },
      );
      let seen = '';
      watcher.stdout.on('data', (c: Buffer) => (seen += c.toString()));
      await new Promise((r) => setTimeout(r, 500));

      await ok(['apply', '-f', '-'], statefulSet(ns, 'web', 2));
      const rollout = await ok(['rollout', 'status', 'statefulset/web', '-n', ns, '--timeout=60s']);
      expect(rollout).toMatch(/roll out complete/);
      const pvcs = await ok(['get', 'pvc', '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}']);
      expect(pvcs.split(' ').sort()).toEqual(['data-web-0', 'data-web-1']);
      expect(await ok(['get', 'pvc', 'data-web-0', '-n', ns, '-o', 'jsonpath={.status.phase}'])).toBe(
        'Bound',
      );

      await ok(['scale', 'statefulset', 'web', '-n', ns, '--replicas=3']);
      await ok(['rollout', 'status', 'statefulset/web', '-n', ns, '--timeout=60s']);
      const pod2 = JSON.parse(await ok(['get', 'pod', 'web-2', '-n', ns, '-o', 'json'])) as {
        metadata: { labels: Record<string, string> };
        spec: { hostname: string; subdomain: string };
        status: { podIP: string };
      };
      expect(pod2.metadata.labels['statefulset.kubernetes.io/pod-name']).toBe('web-2');
      expect(pod2.metadata.labels['apps.kubernetes.io/pod-index']).toBe('2');
      expect(pod2.spec).toMatchObject({ hostname: 'web-2', subdomain: 'web' });
      expect(pod2.status.podIP).toMatch(/^127\./);

      // OrderedReady: web-1 is created only once web-0 is Running and Ready.
      for (let i = 0; i < 50 && !/ADDED\s+web-2/.test(seen); i++)
        await new Promise((r) => setTimeout(r, 100));
      watcher.kill();
      const firstAdd = (name: string) => seen.search(new RegExp(`ADDED\\s+${name}\\s`));
      expect(firstAdd('web-0')).toBeGreaterThanOrEqual(0);
      expect(firstAdd('web-0')).toBeLessThan(firstAdd('web-1'));
      expect(firstAdd('web-1')).toBeLessThan(firstAdd('web-2'));
      expect(seen).toMatch(/web-0\s+1\/1\s+Running/);

      // Scale down: the highest ordinal goes first, PVCs are retained (whenScaled: Retain by default).
      await ok(['scale', 'statefulset', 'web', '-n', ns, '--replicas=1']);
      await ok(['rollout', 'status', 'statefulset/web', '-n', ns, '--timeout=60s']);
      for (let i = 0; i < 100; i++) {
        const names = (
          await ok(['get', 'pods', '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}'])
        ).trim();
        if (names === 'web-0') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await ok(['get', 'pods', '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}'])).trim()).toBe(
        'web-0',
      );
      expect(
        (await ok(['get', 'pvc', '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').sort(),
      ).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
      const status = JSON.parse(await ok(['get', 'sts', 'web', '-n', ns, '-o', 'json'])) as {
        status: Record<string, unknown>;
      };
      expect(status.status).toMatchObject({
        replicas: 1,
        readyReplicas: 1,
        currentReplicas: 1,
        updatedReplicas: 1,
      });
    });

    it('serves a process pod log through kubectl logs', async () => {
      await ok(
        ['apply', '-f', '-'],
        `apiVersion: v1\nkind: Pod\nmetadata: { name: hello, namespace: ${ns} }\nspec:\n  restartPolicy: Never\n  containers: [{ name: main, image: busybox:1.36, command: [sh, -c, 'echo hello from opkit; sleep 30'] }]\n`,
      );
      let log = '';
      for (let i = 0; i < 100 && !log.includes('hello from opkit'); i++) {
        log = (await kubectl(['logs', 'hello', '-n', ns])).stdout;
        if (!log.includes('hello')) await new Promise((r) => setTimeout(r, 100));
      }
      expect(log).toContain('hello from opkit');
    });
  },
);

const etcdReady = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v etcd && command -v etcdctl'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('etcd from a plain StatefulSet manifest', () => {
  const ns = 'etcd-demo';
  let cluster: LocalCluster;

  beforeAll(async () => {
    if (!etcdReady) {
      const message = 'etcd/etcdctl not installed (apt-get install etcd-server etcd-client libnss-wrapper)';
      if (process.env.CI === 'true') throw new Error(`${message}: CI=true requires them`);
      process.stdout.write(`SKIP: ${message}; the etcd StatefulSet test is skipped\n`);
      return;
    }
    cluster = await LocalCluster.start();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  function etcdctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env, ...cluster.nodes.dns.processEnv(ns) };
    return new Promise((resolve) => {
      execFile('etcdctl', args, { env, timeout: 10_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, stdout: String(stdout), stderr: String(stderr) }),
      );
    });
  }

  async function until(
    what: string,
    check: () => Promise<boolean> | boolean,
    timeoutMs = 30_000,
  ): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('runs three real etcd members that answer etcdctl by DNS name and keep their data across a crash', async () => {
    if (!etcdReady) return;
    const { api } = cluster;
    const nsType = api.registry.get('', 'v1', 'namespaces')!;
    await api.create(nsType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const svcType = api.registry.get('', 'v1', 'services')!;
    await api.create(svcType, ns, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'etcd' },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: { app: 'etcd' },
        ports: [
          { name: 'client', port: 2379 },
          { name: 'peer', port: 2380 },
        ],
      },
    });
    const fqdn = (i: number) => `etcd-${i}.etcd.${ns}.svc.cluster.local`;
    const peers = [0, 1, 2].map((i) => `etcd-${i}=http://${fqdn(i)}:2380`).join(',');
    const stsType = api.registry.get('apps', 'v1', 'statefulsets')!;
    await api.create(stsType, ns, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'etcd' },
      spec: {
        serviceName: 'etcd',
        replicas: 3,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { app: 'etcd' } },
        template: {
          metadata: { labels: { app: 'etcd' } },
          spec: {
            containers: [
              {
                name: 'etcd',
                image: 'quay.io/coreos/etcd:v3.4.34',
                command: ['etcd'],
                args: [
                  '--name=$(POD_NAME)',
                  '--data-dir=/var/lib/etcd/data',
                  '--listen-peer-urls=http://0.0.0.0:2380',
                  '--listen-client-urls=http://0.0.0.0:2379',
                  `--advertise-client-urls=http://$(POD_NAME).etcd.${ns}.svc.cluster.local:2379`,
                  `--initial-advertise-peer-urls=http://$(POD_NAME).etcd.${ns}.svc.cluster.local:2380`,
                  `--initial-cluster=${peers}`,
                  '--initial-cluster-state=new',
                  '--initial-cluster-token=opkit-test',
                ],
                env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
                ports: [
                  { name: 'client', containerPort: 2379 },
                  { name: 'peer', containerPort: 2380 },
                ],
                readinessProbe: { tcpSocket: { port: 2379 }, periodSeconds: 1 },
                volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    });
    const endpoints = [0, 1, 2].map((i) => `http://${fqdn(i)}:2379`).join(',');
    await until(
      'etcd to accept a write',
      async () => (await etcdctl([`--endpoints=${endpoints}`, 'put', 'greeting', 'hello'])).code === 0,
    );
    const members = await etcdctl([`--endpoints=${endpoints}`, 'member', 'list']);
    expect(members.stdout.trim().split('\n')).toHaveLength(3);
    expect(
      (
        await etcdctl([`--endpoints=http://${fqdn(2)}:2379`, 'get', 'greeting', '--print-value-only'])
      ).stdout.trim(),
    ).toBe('hello');

    // A crash of one member's process: the kubelet restarts it, on the same PVC, with its data.
    const podType = api.registry.get('', 'v1', 'pods')!;
    const restarts = async () =>
      (
        (await api.get(podType, ns, 'etcd-1')).status as
          { containerStatuses?: { restartCount?: number }[] } | undefined
      )?.containerStatuses?.[0]?.restartCount ?? 0;
    cluster.faults.killContainer(ns, 'etcd-1');
    await until('etcd-1 to restart', async () => (await restarts()) >= 1);
    await until(
      'etcd-1 to serve again',
      async () =>
        (
          await etcdctl([`--endpoints=http://${fqdn(1)}:2379`, 'get', 'greeting', '--print-value-only'])
        ).stdout.trim() === 'hello',
    );
    const health = await etcdctl([`--endpoints=${endpoints}`, 'endpoint', 'health']);
    expect(health.code).toBe(0);
  });
});
