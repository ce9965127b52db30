import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import https from 'node:https';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { KubeObject } from '../api/index.js';
import { ProcessRuntime, RuntimeRegistry, SimulatedRuntime } from '../runtime/index.js';
import { LocalCluster } from './index.js';

// `kubectl exec` (WebSockets, v5.channel.k8s.io) and client-node's Exec against a whole LocalCluster:
// busybox pods run as local processes, a simulated image answers through its behaviour's exec hook.

const onPath = (process.env.PATH ?? '')
  .split(delimiter)
  .map((d) => join(d, 'kubectl'))
  .find((p) => existsSync(p));
const kubectlDir = onPath ? dirname(realpathSync(onPath)) : undefined;
function kubectlAt(version: string): string | undefined {
  const path = kubectlDir ? join(kubectlDir, `kubectl.${version}`) : undefined;
  return path && existsSync(path) ? path : undefined;
}
const kubectls: [string, string | undefined][] = [
  ['1.30', kubectlAt('1.30')],
  ['1.31', kubectlAt('1.31')],
  ['1.32 (/usr/bin/kubectl)', existsSync('/usr/bin/kubectl') ? '/usr/bin/kubectl' : undefined],
  ['1.33', kubectlAt('1.33')],
];
const kubectl127 = kubectlAt('1.27');
const missing = [...kubectls, ['1.27', kubectl127] as const].filter(([, p]) => !p).map(([v]) => v);
if (missing.length) {
  if (process.env.CI === 'true')
    throw new Error(`kubectl ${missing.join(', ')} not installed (required under CI)`);
  console.log(`skipping the exec tests of kubectl ${missing.join(', ')}: not installed`);
}

let cluster: LocalCluster;
let dir: string;
let kc: KubeConfig;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['--kubeconfig', join(dir, 'kubeconfig'), ...args], {
      env: { ...process.env, HOME: dir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdin.end(input ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pod(
  name: string,
  containers: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'x' },
    spec: { containers, ...extra },
  } as KubeObject;
}

async function running(name: string): Promise<void> {
  const pods = cluster.api.typeOf('', 'v1', 'pods');
  await until(async () => {
    const p = await cluster.api.get(pods, 'x', name);
    const statuses =
      (p.status as { containerStatuses?: { state?: { running?: unknown } }[] }).containerStatuses ?? [];
    return statuses.length > 0 && statuses.every((s) => s.state?.running);
  });
}

function collect(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => chunks.push(d));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** client-node's Exec, resolved with the status and output once the server closes the socket. */
async function clientExec(
  podName: string,
  container: string,
  command: string[],
  opts: { stdin?: string; tty?: boolean } = {},
): Promise<{ status: V1Status | undefined; stdout: string; stderr: string }> {
  const out = collect();
  const err = collect();
  let stdin: PassThrough | null = null;
  if (opts.stdin !== undefined) stdin = new PassThrough();
  let status: V1Status | undefined;
  const ws = await new Exec(kc).exec(
    'x',
    podName,
    container,
    command,
    out.stream,
    err.stream,
    stdin,
    opts.tty ?? false,
    (s) => {
      status = s;
    },
  );
  if (stdin) stdin.end(opts.stdin);
  await new Promise<void>((resolve) => {
    if (ws.readyState === ws.CLOSED) resolve();
    else ws.on('close', () => resolve());
  });
  return { status, stdout: out.text(), stderr: err.text() };
}

/** One raw HTTPS request (no client library), answered without an upgrade. */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${cluster.url}${path}`, { method, headers, ca: cluster.caCert }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', () => reject(new Error('unexpected upgrade')));
    req.on('error', reject);
    req.end();
  });
}

describe('exec against LocalCluster', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opkit-exec-'));
    const echo = new SimulatedRuntime({
      behaviour: () => ({
        async start() {},
        stop() {},
        async exec(command, o) {
          return {
            stdout: `simulated ${command.join(' ')} <${o?.stdin ?? ''}>\n`,
            stderr: '',
            exitCode: command[0] === 'fail' ? 4 : 0,
          };
        },
      }),
    });
    const runtimes = new RuntimeRegistry(new SimulatedRuntime())
      .register('busybox*', new ProcessRuntime())
      .register('example.com/echo*', echo);
    cluster = await LocalCluster.start({
      kubeconfigPath: join(dir, 'kubeconfig'),
      nodes: { nodes: 1, runtimes, timings: { containerCreatingSeconds: 0.02 } },
    });
    kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    const api = cluster.api;
    await api.create(api.typeOf('', 'v1', 'namespaces'), '', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'x' },
    });
    const pods = api.typeOf('', 'v1', 'pods');
    const sleeper = (name: string): Record<string, unknown> => ({
      name,
      image: 'busybox:1.36',
      command: ['sleep', '3600'],
    });
    await api.create(pods, 'x', pod('bb', [sleeper('bb')]));
    await api.create(
      pods,
      'x',
      pod('two', [sleeper('first'), { ...sleeper('second'), env: [{ name: 'WHO', value: 'second' }] }]),
    );
    await api.create(pods, 'x', pod('sim', [{ name: 'sim', image: 'example.com/echo:1' }]));
    await api.create(pods, 'x', pod('nohook', [{ name: 'nohook', image: 'nginx:1.27' }]));
    // never scheduled: no node has this label
    await api.create(pods, 'x', pod('pending', [sleeper('p')], { nodeSelector: { nowhere: 'true' } }));
    await Promise.all(['bb', 'two', 'sim', 'nohook'].map(running));
  }, 30_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [version, bin] of kubectls) {
    (bin ? describe : describe.skip)(`kubectl ${version}`, () => {
      it('streams output and returns the exit code', async () => {
        const r = await run(bin as string, [
          'exec',
          'bb',
          '-n',
          'x',
          '--',
          'sh',
          '-c',
          'echo hi; echo oops >&2; exit 3',
        ]);
        expect(r.stdout).toBe('hi\n');
        expect(r.stderr).toContain('oops');
        expect(r.stderr).toContain('command terminated with exit code 3');
        expect(r.code).toBe(3);
      });

      it('passes stdin through with -i', async () => {
        const r = await run(bin as string, ['exec', '-i', 'bb', '-n', 'x', '--', 'cat'], 'data\nmore data\n');
        expect(r).toMatchObject({ code: 0, stdout: 'data\nmore data\n' });
      });
    });
  }

  (kubectls[3]?.[1] ? describe : describe.skip)('kubectl 1.33 details', () => {
    const bin = (): string => kubectls[3]?.[1] as string;

    it('picks the container with -c and runs in its environment', async () => {
      const r = await run(bin(), [
        'exec',
        'two',
        '-n',
        'x',
        '-c',
        'second',
        '--',
        'sh',
        '-c',
        'echo $WHO $HOSTNAME',
      ]);
      expect(r).toMatchObject({ code: 0, stdout: 'second two\n' });
    });

    it('carries large output whole', async () => {
      const r = await run(bin(), [
        'exec',
        'bb',
        '-n',
        'x',
        '--',
        'sh',
        '-c',
        'i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done',
      ]);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(20000);
      expect(lines[19999]).toBe('line-19999');
    });

    it('answers as kube-apiserver does when it cannot exec', async () => {
      const missingPod = await run(bin(), ['exec', 'nope', '-n', 'x', '--', 'true']);
      expect(missingPod.code).toBe(1);
      expect(missingPod.stderr).toContain('pods "nope" not found');
      const pending = await run(bin(), ['exec', 'pending', '-n', 'x', '--', 'true']);
      expect(pending.code).toBe(1);
      expect(pending.stderr).toContain('pod pending does not have a host assigned');
      const badContainer = await run(bin(), ['exec', 'bb', '-n', 'x', '-c', 'nope', '--', 'true']);
      expect(badContainer.stderr).toContain('container nope is not valid for pod bb');
      const noHook = await run(bin(), ['exec', 'nohook', '-n', 'x', '--', 'true']);
      expect(noHook.stderr).toContain('has no exec hook');
      const notFoundCommand = await run(bin(), ['exec', 'bb', '-n', 'x', '--', 'no-such-command']);
      expect(notFoundCommand.code).toBe(127);
    });

    it('runs a simulated container through its exec hook', async () => {
      const r = await run(bin(), ['exec', '-i', 'sim', '-n', 'x', '--', 'hello', 'there'], 'input');
      expect(r).toMatchObject({ code: 0, stdout: 'simulated hello there <input>\n' });
      expect((await run(bin(), ['exec', 'sim', '-n', 'x', '--', 'fail'])).code).toBe(4);
    });
  });

  (kubectl127 ? it : it.skip)('refuses SPDY (kubectl 1.27) with an error that names the fix', async () => {
    const r = await run(kubectl127 as string, ['exec', 'bb', '-n', 'x', '--', 'echo', 'hi']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('use kubectl 1.30 or newer');
    // the pod checks still come first
    expect((await run(kubectl127 as string, ['exec', 'nope', '-n', 'x', '--', 'true'])).stderr).toContain(
      'pods "nope" not found',
    );
  });

  it('answers upgrade requests over plain HTTP: auth, SPDY refusal, other paths served as usual', async () => {
    const exec = '/api/v1/namespaces/x/pods/bb/exec?command=true&stdout=true';
    const spdy = {
      Connection: 'Upgrade',
      Upgrade: 'SPDY/3.1',
      'X-Stream-Protocol-Version': 'v4.channel.k8s.io',
    };
    const auth = { Authorization: `Bearer ${cluster.token}` };
    expect((await rawRequest('POST', exec, spdy)).code).toBe(401);
    const refused = await rawRequest('POST', exec, { ...spdy, ...auth });
    expect(refused.code).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message: expect.stringContaining('kubectl 1.30'),
    });
    const noStreams = await rawRequest('POST', '/api/v1/namespaces/x/pods/bb/exec?command=true', {
      ...spdy,
      ...auth,
    });
    expect(JSON.parse(noStreams.body).message).toBe('you must specify at least 1 of stdin, stdout, stderr');
    expect((await rawRequest('POST', exec, auth)).body).toContain('Upgrade request required');
    const list = await rawRequest('GET', '/api/v1/namespaces/x/pods', {
      Connection: 'Upgrade',
      Upgrade: 'h2c',
      ...auth,
    });
    expect(list.code).toBe(200);
    expect(JSON.parse(list.body).kind).toBe('PodList');
  });

  describe("client-node's Exec", () => {
    it('reports the exit code in the status', async () => {
      const r = await clientExec('bb', 'bb', ['sh', '-c', 'echo hi; echo oops >&2; exit 3']);
      expect(r.stdout).toBe('hi\n');
      expect(r.stderr).toBe('oops\n');
      expect(r.status).toMatchObject({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      });
      expect((await clientExec('bb', 'bb', ['true'])).status).toEqual({ metadata: {}, status: 'Success' });
    });

    it('sends stdin and its end (v5 close signal)', async () => {
      const r = await clientExec('bb', 'bb', ['sh', '-c', 'cat; echo done'], { stdin: 'piped\n' });
      expect(r.stdout).toBe('piped\ndone\n');
      expect(r.status?.status).toBe('Success');
    });

    it('with tty, shows stderr on stdout (no pseudo-terminal)', async () => {
      const r = await clientExec('bb', 'bb', ['sh', '-c', 'echo out; echo err >&2'], { tty: true });
      expect(r.stdout).toContain('out\n');
      expect(r.stdout).toContain('err\n');
    });

    it('runs a simulated container through its exec hook', async () => {
      const r = await clientExec('sim', 'sim', ['hi'], { stdin: 'x' });
      expect(r.stdout).toBe('simulated hi <x>\n');
    });

    it('fails the upgrade with the Status of a missing pod', async () => {
      await expect(clientExec('nope', 'nope', ['true'])).rejects.toBeDefined();
    });
  });
});
