import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiscoveryHandler } from '../discovery/index.js';
import { ResourceRegistry } from '../registry/index.js';
import { decodeKubernetesProtobuf, isProtobufContentType } from './index.js';

// Real kubectl (1.33, and 1.27 when present) against a throwaway server: kubectl sends typed create bodies as protobuf; the
// server decodes them and answers the decoded JSON, which must be exactly what
// `kubectl create ... --dry-run=client -o json` prints for the same command.
// UPDATE_PROTOBUF_FIXTURES=1 also writes the captured bodies to fixtures/ for decode.test.ts.

/** kubectl.1.27 and kubectl.1.33 sit next to the real file behind the `kubectl` on PATH. */
function findKubectl(version: string): string | undefined {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'kubectl'))
    .find((p) => existsSync(p));
  const path = onPath ? join(dirname(realpathSync(onPath)), `kubectl.${version}`) : undefined;
  return path && existsSync(path) ? path : undefined;
}

const kubectl = findKubectl('1.33');
const olderKubectls = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32'].flatMap((v) => {
  const path = findKubectl(v);
  return path ? [[v, path] as const] : [];
});
const updateFixtures = process.env.UPDATE_PROTOBUF_FIXTURES === '1';
const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Fixture name -> the `kubectl create` arguments after `create`. */
const COMMANDS: Record<string, string[]> = {
  namespace: ['namespace', 'x'],
  configmap: ['configmap', 'c', '--from-literal=a=b', '--from-literal=empty='],
  secret: ['secret', 'generic', 's', '--from-literal=p=q', '--type=Opaque'],
  deployment: ['deployment', 'd', '--image=nginx', '--replicas=0', '--port=8080'],
  service: ['service', 'clusterip', 'svc', '--tcp=80:8080', '--tcp=443:https'],
  role: ['role', 'r', '--verb=get,list', '--resource=pods,deployments.apps', '--resource-name=a'],
  job: ['job', 'j', '--image=busybox', '--', 'sh', '-c', 'echo hi'],
  cronjob: ['cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *'],
  quota: ['quota', 'q', '--hard=cpu=1500m,memory=1Gi,pods=10'],
  pdb: ['poddisruptionbudget', 'pdb', '--selector=app=x', '--min-available=50%'],
  ingress: ['ingress', 'ing', '--rule=foo.com/bar*=svc:8080,tls=my-cert'],
  priorityclass: ['priorityclass', 'high', '--value=1000', '--description=high priority'],
  serviceaccount: ['serviceaccount', 'sa'],
  clusterrolebinding: [
    'clusterrolebinding',
    'crb',
    '--clusterrole=view',
    '--user=alice',
    '--serviceaccount=default:sa',
  ],
};

function run(
  kubeconfig: string,
  args: string[],
  binary = kubectl,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      binary ?? 'kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      { timeout: 30_000, env: { ...process.env, HOME: dirname(kubeconfig) } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

interface Captured {
  method: string;
  url: string;
  contentType: string;
  body: Buffer;
}

if (!kubectl) {
  process.stderr.write('skipping kubectl protobuf tests: kubectl.1.33 not found next to kubectl\n');
  it.skip('real kubectl 1.33 (skipped: not found)', () => undefined);
} else {
  describe('kubectl 1.33 protobuf request bodies', () => {
    let server: Server;
    let dir: string;
    let kubeconfig: string;
    const captured: Captured[] = [];

    beforeAll(async () => {
      const handler = new DiscoveryHandler({
        registry: ResourceRegistry.withBuiltins(),
        serverAddress: () => `127.0.0.1:${(server.address() as AddressInfo).port}`,
      });
      server = createServer((req, res) => {
        const answer = handler.handle(req.method ?? 'GET', req.url ?? '/', req.headers.accept);
        if (answer) {
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
          return;
        }
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          const contentType = req.headers['content-type'] ?? '';
          captured.push({ method: req.method ?? '', url: req.url ?? '', contentType, body });
          try {
            const object = isProtobufContentType(contentType)
              ? decodeKubernetesProtobuf(body)
              : body.length
                ? (JSON.parse(body.toString()) as unknown)
                : {};
            let answer: unknown = object;
            if (req.method === 'GET')
              answer = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', namespace: 'default' } };
            if (req.method === 'DELETE')
              answer = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
            if (req.url?.includes('/token'))
              answer = {
                ...(object as object),
                status: { token: 'abc', expirationTimestamp: '2030-01-01T00:00:00Z' },
              };
            res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(answer));
          } catch (err) {
            res.writeHead(400, { 'Content-Type': 'application/json' });
            res.end(
              JSON.stringify({
                kind: 'Status',
                apiVersion: 'v1',
                status: 'Failure',
                message: String(err),
                code: 400,
              }),
            );
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      dir = mkdtempSync(join(tmpdir(), 'opkit-protobuf-'));
      kubeconfig = join(dir, 'config');
      const port = (server.address() as AddressInfo).port;
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          `clusters: [{name: local, cluster: {server: "http://127.0.0.1:${port}"}}]`,
          'users: [{name: local, user: {token: test}}]',
          'contexts: [{name: local, context: {cluster: local, user: local, namespace: default}}]',
          'current-context: local',
          '',
        ].join('\n'),
      );
      if (updateFixtures) mkdirSync(fixturesDir, { recursive: true });
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    });

    for (const [name, args] of Object.entries(COMMANDS)) {
      it(`create ${args[0]}: the decoded body is what --dry-run=client -o json prints`, async () => {
        const cache = ['--cache-dir', join(dir, 'cache')];
        // Flags first: a job's command follows `--`.
        const dryRun = await run(kubeconfig, ['create', '--dry-run=client', '-o', 'json', ...cache, ...args]);
        expect(dryRun.stderr).toBe('');
        const expected = JSON.parse(dryRun.stdout) as unknown;

        const before = captured.length;
        const created = await run(kubeconfig, ['create', '-o', 'json', ...cache, ...args]);
        expect(created.stderr).toBe('');
        expect(created.code).toBe(0);
        const post = captured.slice(before).find((c) => c.method === 'POST');
        expect(post?.contentType).toBe('application/vnd.kubernetes.protobuf');
        if (!post) return;
        expect(decodeKubernetesProtobuf(post.body)).toEqual(expected);
        // kubectl printed the server's answer, which is the decoded body.
        expect(JSON.parse(created.stdout)).toEqual(expected);

        if (updateFixtures) {
          writeFileSync(join(fixturesDir, `${name}.bin`), post.body);
          writeFileSync(join(fixturesDir, `${name}.json`), `${JSON.stringify(expected, null, 2)}\n`);
        }
      });
    }

    // kubectl 1.27-1.31 send typed bodies as JSON, 1.32+ as protobuf; either way the body is the dry-run object.
    for (const [version, binary] of olderKubectls) {
      it(`kubectl ${version} create deployment: the body (JSON or protobuf) is what --dry-run=client -o json prints`, async () => {
        const cache = ['--cache-dir', join(dir, `cache-${version}`)];
        const args = COMMANDS.deployment;
        const dryRun = await run(
          kubeconfig,
          ['create', '--dry-run=client', '-o', 'json', ...cache, ...args],
          binary,
        );
        expect(dryRun.stderr).toBe('');
        const before = captured.length;
        const created = await run(kubeconfig, ['create', ...cache, ...args], binary);
        expect(created.stderr).toBe('');
        const post = captured.slice(before).find((c) => c.method === 'POST');
        if (!post) throw new Error('no POST captured');
        const body = isProtobufContentType(post.contentType)
          ? decodeKubernetesProtobuf(post.body)
          : (JSON.parse(post.body.toString()) as unknown);
        expect(body).toEqual(JSON.parse(dryRun.stdout));
      });
    }

    it('create token: decodes the TokenRequest sent to the serviceaccounts/token subresource', async () => {
      const before = captured.length;
      const r = await run(kubeconfig, [
        'create',
        'token',
        'sa',
        '--duration=1h',
        '--audience=a',
        '--audience=b',
        '--bound-object-kind=Pod',
        '--bound-object-name=p',
        '--bound-object-uid=u1',
        '--cache-dir',
        join(dir, 'cache'),
      ]);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('abc');
      const post = captured.slice(before).find((c) => c.method === 'POST');
      expect(post?.url).toMatch(/^\/api\/v1\/namespaces\/default\/serviceaccounts\/sa\/token/);
      expect(post?.contentType).toBe('application/vnd.kubernetes.protobuf');
      const decoded = decodeKubernetesProtobuf(post?.body ?? Buffer.alloc(0));
      expect(decoded).toEqual({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: { creationTimestamp: null },
        spec: {
          audiences: ['a', 'b'],
          expirationSeconds: 3600,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u1' },
        },
        status: { token: '', expirationTimestamp: null },
      });
      if (updateFixtures && post) writeFileSync(join(fixturesDir, 'tokenrequest.bin'), post.body);
    });

    it('sends DeleteOptions of a delete as JSON (nothing to decode)', async () => {
      const before = captured.length;
      const deleted = await run(kubeconfig, [
        'delete',
        'configmap',
        'c',
        '--cascade=foreground',
        '--wait=false',
        '--cache-dir',
        join(dir, 'cache'),
      ]);
      expect(deleted.stderr).toBe('');
      expect(deleted.code).toBe(0);
      const request = captured.slice(before).find((c) => c.method === 'DELETE');
      expect(request?.contentType).toBe('application/json');
      expect(JSON.parse(request?.body.toString() ?? '{}')).toMatchObject({ propagationPolicy: 'Foreground' });
    });
  });
}
