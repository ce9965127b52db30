import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { ResourceRegistry } from '../registry/index.js';
import { toTable } from '../table/index.js';
import { DiscoveryHandler } from './index.js';

// Real kubectl binaries against a throwaway server that serves only the discovery documents (and
// empty lists), to check that what kubectl reads from them is what it needs.

/** kubectl.1.27 … kubectl.1.33 sit next to the real file behind the `kubectl` on PATH. */
function findKubectls(): { version: string; path: string }[] {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'kubectl'))
    .find((p) => existsSync(p));
  const dir = onPath ? dirname(realpathSync(onPath)) : undefined;
  const found: { version: string; path: string }[] = [];
  for (const version of ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33']) {
    const path = dir ? join(dir, `kubectl.${version}`) : '';
    if (path && existsSync(path)) found.push({ version, path });
  }
  return found;
}

const kubectls = findKubectls();
const required = process.env.CI === 'true';
const hasBoth = ['1.27', '1.33'].every((v) => kubectls.some((k) => k.version === v));
/** Declares the suite only when the binaries exist (a skipped describe may not hold beforeAll). */
function describeKubectl(name: string, body: () => void): void {
  if (hasBoth) describe(name, body);
}
if (!hasBoth && !required) {
  const reason = `kubectl 1.27 and 1.33 not found (found ${kubectls.map((k) => k.version).join(', ') || 'none'})`;
  process.stderr.write(`skipping kubectl discovery tests: ${reason}\n`);
  // A suite needs one test, even a skipped one.
  it.skip(`real kubectl (skipped: ${reason})`, () => undefined);
}

if (required && !hasBoth) {
  describe('kubectl binaries', () => {
    it('are installed in CI (kubectl.1.27 and kubectl.1.33 next to kubectl)', () => {
      expect(kubectls.map((k) => k.version)).toEqual(expect.arrayContaining(['1.27', '1.33']));
    });
  });
}

function run(
  kubectl: string,
  kubeconfig: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      kubectl,
      ['--kubeconfig', kubeconfig, ...args],
      { timeout: 30_000, env: { ...process.env, HOME: dirname(kubeconfig) } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describeKubectl('real kubectl against the discovery documents', () => {
  let server: Server;
  let dir: string;
  let kubeconfig: string;
  const registry = ResourceRegistry.withBuiltins();
  const requests: string[] = [];

  beforeAll(async () => {
    registry.add({
      group: 'opkit.dev',
      version: 'v1',
      resource: 'widgets',
      singular: 'widget',
      kind: 'Widget',
      listKind: 'WidgetList',
      namespaced: true,
      shortNames: ['wd'],
      categories: ['all'],
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      subresources: { status: true },
      custom: true,
      storage: true,
      served: true,
    });
    const handler = new DiscoveryHandler({
      registry,
      customSchema: () => ({
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            description: 'The desired widget.',
            properties: { size: { type: 'integer', description: 'How big.' } },
          },
        },
      }),
      serverAddress: () => `127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers.accept ?? ''}`);
      const answer = handler.handle(req.method ?? 'GET', req.url ?? '/', req.headers.accept, {
        ifNoneMatch: req.headers['if-none-match'],
      });
      if (answer) {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
      if (req.method === 'POST') {
        // Echo the created object back, as a create would.
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.writeHead(201, { 'Content-Type': 'application/json' });
          res.end(Buffer.concat(chunks));
        });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (
        req.url?.startsWith('/api/v1/namespaces/default/pods') &&
        req.headers.accept?.includes('as=Table')
      ) {
        const pods = registry.get('', 'v1', 'pods');
        const pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: 'web-0',
            namespace: 'default',
            creationTimestamp: new Date(Date.now() - 300_000).toISOString(),
          },
          spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'nginx' }] },
          status: {
            phase: 'Running',
            podIP: '10.0.0.7',
            containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }],
          },
        };
        res.end(JSON.stringify(pods ? toTable(pods, [pod], { listMeta: { resourceVersion: '1' } }) : {}));
        return;
      }
      res.end(
        JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'opkit-discovery-'));
    kubeconfig = join(dir, 'config');
    const port = (server.address() as AddressInfo).port;
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: local, cluster: {server: "http://127.0.0.1:' + port + '"}}]',
        'users: [{name: local, user: {token: test}}]',
        'contexts: [{name: local, context: {cluster: local, user: local, namespace: default}}]',
        'current-context: local',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  for (const { version, path } of kubectls) {
    describe(`kubectl ${version}`, () => {
      it('lists api-resources', async () => {
        const r = await run(path, kubeconfig, [
          'api-resources',
          '--cache-dir',
          join(dir, `cache-${version}`),
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
        expect(r.stdout).toMatch(/^statefulsets\s+sts\s+apps\/v1\s+true\s+StatefulSet$/m);
        expect(r.stdout).toMatch(/^widgets\s+wd\s+opkit.dev\/v1\s+true\s+Widget$/m);
      });

      it('uses aggregated discovery', () => {
        expect(requests.some((r) => /^GET \/apis[ ?]/.test(r) && r.includes('g=apidiscovery.k8s.io'))).toBe(
          true,
        );
      });

      it('prints a server-side table', async () => {
        const r = await run(path, kubeconfig, [
          'get',
          'pods',
          '-o',
          'wide',
          '--cache-dir',
          join(dir, `cache-${version}`),
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(
          /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m,
        );
        expect(r.stdout).toMatch(
          /^web-0\s+1\/1\s+Running\s+0\s+5m\d*s?\s+10.0.0.7\s+node-1\s+<none>\s+<none>$/m,
        );
      });

      it('lets the server validate fields (fieldValidation found in the OpenAPI v3 PATCH operations)', async () => {
        const manifest = join(dir, `objects-${version}.yaml`);
        writeFileSync(
          manifest,
          [
            'apiVersion: v1',
            'kind: ConfigMap',
            'metadata: {name: c, namespace: default}',
            'data: {a: "1"}',
            '---',
            'apiVersion: opkit.dev/v1',
            'kind: Widget',
            'metadata: {name: w, namespace: default}',
            'spec: {size: 1}',
            '',
          ].join('\n'),
        );
        const before = requests.length;
        const r = await run(path, kubeconfig, [
          'create',
          '-f',
          manifest,
          '--cache-dir',
          join(dir, `cache-${version}`),
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const posts = requests.slice(before).filter((x) => x.startsWith('POST '));
        expect(posts).toHaveLength(2);
        for (const post of posts) expect(post).toContain('fieldValidation=Strict');
      });

      it('explains pods.spec', async () => {
        const r = await run(path, kubeconfig, [
          'explain',
          'pods.spec',
          '--cache-dir',
          join(dir, `cache-${version}`),
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('KIND:');
        expect(r.stdout).toMatch(/containers\s+<\[\]Container>/);
      });

      it('explains statefulsets.spec.replicas', async () => {
        const r = await run(path, kubeconfig, [
          'explain',
          'statefulsets.spec.replicas',
          '--cache-dir',
          join(dir, `cache-${version}`),
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/FIELD:\s+replicas <integer>/);
      });

      it('explains a custom resource', async () => {
        const r = await run(path, kubeconfig, [
          'explain',
          'widgets.spec',
          '--cache-dir',
          join(dir, `cache-${version}`),
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('How big.');
      });

      it('explains with the OpenAPI v2 protobuf', async () => {
        const r = await run(path, kubeconfig, [
          'explain',
          'deployments.spec.strategy',
          '--output=plaintext-openapiv2',
          '--cache-dir',
          join(dir, `cache-${version}`),
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('rollingUpdate');
      });
    });
  }
});
