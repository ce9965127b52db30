/**
 * Acceptance: real kubectl binaries (1.27 and 1.33, the oldest and newest supported here) against the
 * local cluster over HTTPS, doing what people do with kubectl.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster } from '../src/index.js';
import { etcdClusterCrd, everyKind, everyKindManifest } from './fixtures.js';
import { findKubectl, kubectlRunner, type KubectlBinary } from './kubectl-binaries.js';

const { found } = findKubectl(['1.27', '1.33']);

describe.each(found.map((b) => [b.version, b] as [string, KubectlBinary]))(
  'kubectl %s',
  (version, binary) => {
    let cluster: LocalCluster;
    let kubectl: ReturnType<typeof kubectlRunner>;
    const ns = `k${version.replace('.', '')}`;

    async function ok(args: string[], input?: string): Promise<string> {
      const r = await kubectl(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    }

    beforeAll(async () => {
      cluster = await LocalCluster.start();
      kubectl = kubectlRunner(binary, cluster.kubeconfig);
      await ok(['create', 'namespace', ns]);
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('discovers the API: version, api-resources, api-versions', async () => {
      const v = JSON.parse(await ok(['version', '-o', 'json'])) as {
        serverVersion: { major: string; minor: string };
      };
      expect(v.serverVersion.major).toBe('1');
      const resources = await ok(['api-resources', '--no-headers']);
      for (const r of [
        'pods',
        'statefulsets',
        'leases',
        'customresourcedefinitions',
        'poddisruptionbudgets',
        'clusterroles',
      ]) {
        expect(resources).toContain(r);
      }
      const versions = await ok(['api-versions']);
      expect(versions).toContain('apps/v1');
      expect(versions).toContain('coordination.k8s.io/v1');
    });

    it('creates, reads, lists, describes and deletes every kind', async () => {
      const applied = await ok(['apply', '-f', '-'], everyKindManifest);
      expect(applied).toContain('statefulset.apps/web created');
      for (const [resource, namespaced, name] of everyKind) {
        const args = ['get', resource, name, '-o', 'json', ...(namespaced ? ['-n', 'kinds'] : [])];
        const obj = JSON.parse(await ok(args)) as {
          metadata: { name: string; uid: string; resourceVersion: string };
        };
        expect(obj.metadata.name).toBe(name);
        expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
        const table = await ok(['get', resource, ...(namespaced ? ['-n', 'kinds'] : [])]);
        expect(table).toContain(name);
      }
      const described = await ok(['describe', 'statefulset', 'web', '-n', 'kinds']);
      expect(described).toContain('Name:');
      expect(await ok(['get', 'secret', 'secret', '-n', 'kinds', '-o', 'jsonpath={.data.password}'])).toBe(
        Buffer.from('s3cret').toString('base64'),
      );
      // Re-applying the same manifest changes nothing.
      expect(await ok(['apply', '-f', '-'], everyKindManifest)).toContain('statefulset.apps/web unchanged');
      for (const [resource, namespaced, name] of everyKind) {
        await ok(['delete', resource, name, '--wait=false', ...(namespaced ? ['-n', 'kinds'] : [])]);
      }
      const left = await kubectl(['get', 'configmap', 'cm', '-n', 'kinds']);
      expect(left.code).not.toBe(0);
      expect(left.stderr).toContain('NotFound');
    });

    it('runs a CRD lifecycle: establish, serve, reject invalid objects, scale, delete', async () => {
      await ok(['apply', '-f', '-'], etcdClusterCrd);
      await ok(['wait', '--for=condition=Established', 'crd/etcdclusters.opkit.dev', '--timeout=20s']);
      await ok(
        ['apply', '-n', ns, '-f', '-'],
        'apiVersion: opkit.dev/v1alpha1\nkind: EtcdCluster\nmetadata: { name: main }\nspec: { version: 3.4.23 }\n',
      );
      const got = JSON.parse(await ok(['get', 'etcd', 'main', '-n', ns, '-o', 'json'])) as {
        spec: { size: number };
      };
      expect(got.spec.size).toBe(3); // defaulted from the schema
      const table = await ok(['get', 'etcdclusters', '-n', ns]);
      // additionalPrinterColumns replace the default Age column (apiextensions-apiserver tableconvertor).
      expect(table).toMatch(/NAME\s+SIZE\s+VERSION/);

      const bad = await kubectl(
        ['apply', '-n', ns, '-f', '-'],
        'apiVersion: opkit.dev/v1alpha1\nkind: EtcdCluster\nmetadata: { name: bad }\nspec: { version: "4", size: 12 }\n',
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('spec.size');
      expect(bad.stderr).toContain('spec.version');

      const unknown = await kubectl(
        ['apply', '-n', ns, '-f', '-'],
        'apiVersion: opkit.dev/v1alpha1\nkind: EtcdCluster\nmetadata: { name: typo }\nspec: { version: 3.4.23, sise: 5 }\n',
      );
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/unknown field "spec.sise"/);

      await ok(['scale', 'etcdcluster', 'main', '-n', ns, '--replicas=5']);
      expect(await ok(['get', 'etcd', 'main', '-n', ns, '-o', 'jsonpath={.spec.size}'])).toBe('5');

      await ok(['delete', 'crd', 'etcdclusters.opkit.dev']);
      const after = await kubectl(['get', 'etcdclusters', '-n', ns]);
      expect(after.code).not.toBe(0);
    });

    it('applies client-side, then server-side with a conflict and with --force-conflicts', async () => {
      const cm = (value: string) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shared, namespace: ${ns} }\ndata: { owner: ${value} }\n`;
      await ok(['apply', '-f', '-'], cm('client'));
      const annotated = JSON.parse(await ok(['get', 'cm', 'shared', '-n', ns, '-o', 'json'])) as {
        metadata: { annotations: Record<string, string> };
      };
      expect(annotated.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain(
        'client',
      );
      // A field written by client-side apply belongs to "kubectl-client-side-apply": another manager's
      // server-side apply of a different value conflicts with it, as on a real cluster.
      const first = await kubectl(['apply', '--server-side', '--field-manager=team-a', '-f', '-'], cm('a'));
      expect(first.code).not.toBe(0);
      expect(first.stderr).toContain('conflict with "kubectl-client-side-apply"');
      expect(first.stderr).toContain('.data.owner');
      await ok(['apply', '--server-side', '--field-manager=team-a', '--force-conflicts', '-f', '-'], cm('a'));
      const conflict = await kubectl(
        ['apply', '--server-side', '--field-manager=team-b', '-f', '-'],
        cm('b'),
      );
      expect(conflict.code).not.toBe(0);
      expect(conflict.stderr).toMatch(/conflict/i);
      expect(conflict.stderr).toContain('team-a');
      await ok(['apply', '--server-side', '--field-manager=team-b', '--force-conflicts', '-f', '-'], cm('b'));
      expect(await ok(['get', 'cm', 'shared', '-n', ns, '-o', 'jsonpath={.data.owner}'])).toBe('b');
    });

    it('patches (strategic, merge, json) and scales a StatefulSet', async () => {
      const sts = `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: db, namespace: ${ns} }\nspec:\n  serviceName: db\n  replicas: 1\n  selector: { matchLabels: { app: db } }\n  template:\n    metadata: { labels: { app: db } }\n    spec: { containers: [{ name: main, image: busybox:1.36 }, { name: side, image: busybox:1.36 }] }\n`;
      await ok(['apply', '-f', '-'], sts);
      await ok([
        'patch',
        'sts',
        'db',
        '-n',
        ns,
        '-p',
        '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox:1.37"}]}}}}',
      ]);
      const patched = JSON.parse(await ok(['get', 'sts', 'db', '-n', ns, '-o', 'json'])) as {
        spec: { template: { spec: { containers: { name: string; image: string }[] } } };
        metadata: { generation: number };
      };
      expect(patched.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual([
        'main=busybox:1.36',
        'side=busybox:1.37',
      ]);
      expect(patched.metadata.generation).toBe(2);
      await ok([
        'patch',
        'sts',
        'db',
        '-n',
        ns,
        '--type=merge',
        '-p',
        '{"metadata":{"labels":{"tier":"data"}}}',
      ]);
      await ok([
        'patch',
        'sts',
        'db',
        '-n',
        ns,
        '--type=json',
        '-p',
        '[{"op":"replace","path":"/spec/replicas","value":2}]',
      ]);
      await ok(['scale', 'sts', 'db', '-n', ns, '--replicas=4']);
      const scaled = JSON.parse(await ok(['get', 'sts', 'db', '-n', ns, '-o', 'json'])) as {
        spec: { replicas: number };
        metadata: { labels: Record<string, string>; generation: number };
      };
      expect(scaled.spec.replicas).toBe(4);
      expect(scaled.metadata.labels.tier).toBe('data');
      const dry = await ok(['scale', 'sts', 'db', '-n', ns, '--replicas=9', '--dry-run=server']);
      expect(dry).toContain('scaled');
      expect(await ok(['get', 'sts', 'db', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).toBe('4');
    });

    it('creates with --dry-run=server without storing, and explains types', async () => {
      const out = await ok([
        'create',
        'configmap',
        'dry',
        '-n',
        ns,
        '--from-literal=a=b',
        '--dry-run=server',
        '-o',
        'json',
      ]);
      expect((JSON.parse(out) as { metadata: { name: string } }).metadata.name).toBe('dry');
      expect((await kubectl(['get', 'cm', 'dry', '-n', ns])).code).not.toBe(0);
      expect(await ok(['explain', 'statefulsets.spec.replicas'])).toContain('replicas');
    });

    it('streams changes with get -w', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'opkit-watch-'));
      const kubeconfig = path.join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, cluster.kubeconfig);
      const child = spawn(binary.file, ['get', 'configmaps', '-n', ns, '-w', '--output-watch-events'], {
        env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir },
      });
      let seen = '';
      child.stdout.on('data', (c: Buffer) => (seen += c.toString()));
      await new Promise((r) => setTimeout(r, 1000));
      await ok(
        ['apply', '-f', '-'],
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: watched, namespace: ${ns} }\ndata: { x: '1' }\n`,
      );
      await ok(['patch', 'configmap', 'watched', '-n', ns, '-p', '{"data":{"x":"2"}}']);
      await ok(['delete', 'configmap', 'watched', '-n', ns]);
      for (let i = 0; i < 50 && !seen.includes('DELETED'); i++) await new Promise((r) => setTimeout(r, 100));
      child.kill();
      expect(seen).toMatch(/ADDED\s+watched\s/);
      expect(seen).toMatch(/MODIFIED\s+watched\s/);
      expect(seen).toMatch(/DELETED\s+watched\s/);
    });

    it('blocks deletion on a finalizer until it is removed', async () => {
      await ok(
        ['apply', '-f', '-'],
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: held, namespace: ${ns}, finalizers: [opkit.dev/hold] }\n`,
      );
      await ok(['delete', 'cm', 'held', '-n', ns, '--wait=false']);
      const held = JSON.parse(await ok(['get', 'cm', 'held', '-n', ns, '-o', 'json'])) as {
        metadata: { deletionTimestamp?: string };
      };
      expect(held.metadata.deletionTimestamp).toBeDefined();
      await ok([
        'patch',
        'cm',
        'held',
        '-n',
        ns,
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/metadata/finalizers"}]',
      ]);
      expect((await kubectl(['get', 'cm', 'held', '-n', ns])).code).not.toBe(0);
    });

    it('answers errors with Status messages kubectl prints', async () => {
      const missing = await kubectl(['get', 'pod', 'nope', '-n', ns]);
      expect(missing.stderr).toContain('pods "nope" not found');
      const exists = await kubectl(['create', 'namespace', ns]);
      expect(exists.stderr).toContain('AlreadyExists');
      const badName = await kubectl(['create', 'configmap', 'Bad_Name', '-n', ns]);
      expect(badName.stderr).toMatch(/RFC 1123/);
    });
  },
);

if (found.length === 0) {
  describe('kubectl', () => {
    it.skip('no kubectl binary found (see the SKIP line above)', () => undefined);
  });
}
