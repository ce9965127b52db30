/**
 * The process runtime: a container's command and args run as a real local process, in its own
 * process group, with the pod's environment.
 *
 * A process cannot get its own network namespace or mounts without root, so two honest
 * substitutions stand in for them (documented in docs/local-cluster.md by the lead):
 * - volumes: each mounted volume's directory is exported as `OPKIT_VOLUME_<NAME>` and every
 *   occurrence of its mountPath (as a path prefix) in command, args, env values and workingDir is
 *   replaced by the directory;
 * - network: the pod listens on its own loopback address, so the "any"/loopback hosts `0.0.0.0`,
 *   `127.0.0.1` and `localhost` in command, args and env values are replaced by the pod's IP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename } from 'node:path';
import { bufferedExecSession } from './exec-session.js';
import { expandVariables } from './expansion.js';
import { imageMatches, type ImagePattern } from './registry.js';
import type {
  ContainerContext,
  ContainerExit,
  ContainerRuntime,
  ExecOptions,
  ExecResult,
  ExecSession,
  ExecStreamOptions,
  RunningContainer,
  VolumeDirectory,
} from './types.js';

/** How an image maps to local binaries. */
export interface ProcessImage {
  /** The image's ENTRYPOINT, used when the container has no command. */
  entrypoint?: string[];
  /** The image's CMD, used when the container has neither command nor args. */
  cmd?: string[];
  /** Executables of the image mapped to local ones (`/usr/local/bin/etcd` -> `etcd`). */
  binaries?: Record<string, string>;
}

/** Options of {@link ProcessRuntime}. */
export interface ProcessRuntimeOptions {
  /** Runtime name shown in containerIDs (default `process`). */
  name?: string;
  /** Image -> local binaries; the first match wins; defaults to {@link defaultProcessImages}. */
  images?: { pattern: ImagePattern; image: ProcessImage }[];
  /** Replace `0.0.0.0`, `127.0.0.1` and `localhost` by the pod IP (default true). */
  rewriteLoopback?: boolean;
}

/** Images that run as Debian's binaries out of the box (packages etcd-server, etcd-client, busybox/sh). */
export const defaultProcessImages: { pattern: ImagePattern; image: ProcessImage }[] = [
  {
    pattern: 'quay.io/coreos/etcd:v3.4*',
    image: {
      entrypoint: ['etcd'],
      binaries: { '/usr/local/bin/etcd': 'etcd', '/usr/local/bin/etcdctl': 'etcdctl', '/etcd': 'etcd' },
    },
  },
  { pattern: 'busybox*', image: { cmd: ['sh'] } },
];

/** `OPKIT_VOLUME_<NAME>`: a volume name as an environment variable name. */
export function volumeEnvName(volume: string): string {
  return `OPKIT_VOLUME_${volume.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces each mountPath (as a path prefix) by its volume's directory. */
export function rewriteMountPaths(value: string, volumes: readonly VolumeDirectory[]): string {
  const sorted = [...volumes].sort((a, b) => b.mountPath.length - a.mountPath.length);
  let out = value;
  for (const v of sorted) {
    const mount = v.mountPath.replace(/\/+$/, '') || '/';
    if (mount === '/') continue;
    const re = new RegExp(`(^|[^\\w./-])${escapeRegExp(mount)}(?=$|[/\\s:;,="'])`, 'g');
    out = out.replace(re, (_m, pre: string) => `${pre}${v.directory}`);
  }
  return out;
}

/** Replaces the hosts `0.0.0.0`, `127.0.0.1` and `localhost` by the pod's IP. */
export function rewriteLoopback(value: string, podIP: string): string {
  return value.replace(
    /(^|[\s/=,@[])(0\.0\.0\.0|127\.0\.0\.1|localhost)(?=$|[\s:/,\]])/g,
    (_m, pre: string) => `${pre}${podIP}`,
  );
}

function exitOf(code: number | null, signal: NodeJS.Signals | null): ContainerExit {
  if (signal) {
    const num = (osConstants.signals as Record<string, number>)[signal] ?? 9;
    return { exitCode: 128 + num, signal, reason: 'Error' };
  }
  const exitCode = code ?? 0;
  return { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** A runtime whose containers are local processes. */
export class ProcessRuntime implements ContainerRuntime {
  readonly name: string;
  private readonly images: { pattern: ImagePattern; image: ProcessImage }[];
  private readonly loopback: boolean;

  constructor(opts: ProcessRuntimeOptions = {}) {
    this.name = opts.name ?? 'process';
    this.images = opts.images ?? defaultProcessImages;
    this.loopback = opts.rewriteLoopback ?? true;
  }

  private imageOf(image: string): ProcessImage {
    return this.images.find((e) => imageMatches(e.pattern, image))?.image ?? {};
  }

  private executable(file: string, image: ProcessImage): string {
    const mapped = image.binaries?.[file];
    if (mapped) return mapped;
    // an image's absolute path that does not exist here: look its name up on PATH
    if (file.startsWith('/') && !existsSync(file)) return basename(file);
    return file;
  }

  private rewrite(ctx: ContainerContext, value: string): string {
    const v = rewriteMountPaths(value, ctx.volumes);
    return this.loopback ? rewriteLoopback(v, ctx.podIP) : v;
  }

  private environment(ctx: ContainerContext): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: process.env.HOME ?? '/root',
      HOSTNAME: ctx.hostname,
      OPKIT_POD_IP: ctx.podIP,
    };
    for (const v of ctx.volumes) env[volumeEnvName(v.name)] = v.directory;
    for (const [k, v] of Object.entries(ctx.env)) env[k] = this.rewrite(ctx, v);
    Object.assign(env, ctx.dnsEnv);
    return env;
  }

  private workingDirectory(ctx: ContainerContext, scratch: string): string {
    const wd = ctx.container.workingDir;
    if (wd) {
      const local = rewriteMountPaths(wd, ctx.volumes);
      if (existsSync(local)) return local;
    }
    return scratch;
  }

  async start(ctx: ContainerContext): Promise<RunningContainer> {
    const image = this.imageOf(ctx.container.image ?? '');
    const c = ctx.container;
    const lookup = (name: string): string | undefined => ctx.env[name];
    const expand = (s: string): string => this.rewrite(ctx, expandVariables(s, lookup));
    const command = (c.command?.length ? c.command : (image.entrypoint ?? [])).map(expand);
    const args = (c.args ?? (c.command?.length ? [] : (image.cmd ?? []))).map(expand);
    const argv = [...command, ...args];
    const env = this.environment(ctx);
    const cwd = this.workingDirectory(ctx, ctx.scratchDirectory);
    const [file, ...rest] = argv;
    if (!file) {
      return finished({ exitCode: 128, reason: 'StartError', message: 'no command specified' });
    }
    const exe = this.executable(file, image);
    const child = spawn(exe, rest, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => ctx.log('stdout', d));
    child.stderr?.on('data', (d: Buffer) => ctx.log('stderr', d));
    const exited = new Promise<ContainerExit>((resolve) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        resolve({
          exitCode: 128,
          reason: 'StartError',
          message: e.code === 'ENOENT' ? `exec: "${file}": executable file not found in $PATH` : e.message,
        });
      });
      child.once('exit', (code, signal) => {
        // when a container's main process ends, the rest of its processes end with it
        killGroup(child, 'SIGKILL');
        resolve(exitOf(code, signal));
      });
    });
    const rewrite = (value: string): string => this.rewrite(ctx, value);
    const resolveExecutable = (f: string): string => this.executable(f, image);
    return {
      exited,
      signal(signal) {
        killGroup(child, signal);
      },
      exec(cmd, opts) {
        return runCommand(cmd.map(rewrite), { env, cwd, ...opts }, resolveExecutable);
      },
      execStream(cmd, opts) {
        return streamCommand(cmd.map(rewrite), { env, cwd, ...opts }, resolveExecutable);
      },
    };
  }
}

function finished(exit: ContainerExit): RunningContainer {
  return {
    exited: Promise.resolve(exit),
    signal() {},
    async exec() {
      return { stdout: '', stderr: 'container is not running\n', exitCode: 126 };
    },
    execStream(_command, opts) {
      return bufferedExecSession(
        async () => ({ stdout: '', stderr: 'container is not running\n', exitCode: 126 }),
        opts,
      );
    },
  };
}

function runCommand(
  argv: string[],
  opts: ExecOptions & { env: Record<string, string>; cwd: string },
  resolveExecutable: (file: string) => string,
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const [file, ...rest] = argv;
    if (!file) {
      resolve({ stdout: '', stderr: 'no command\n', exitCode: 126 });
      return;
    }
    const child = spawn(resolveExecutable(file), rest, {
      env: opts.env,
      cwd: opts.cwd,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.stdin ?? '');
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          killGroup(child, 'SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      // exit code 127 as a shell reports a command that is not found
      resolve({
        stdout,
        stderr:
          stderr +
          (e.code === 'ENOENT' ? `exec: "${file}": executable file not found in $PATH\n` : `${e.message}\n`),
        exitCode: e.code === 'ENOENT' ? 127 : 126,
      });
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ stdout, stderr, exitCode: timedOut ? 137 : exitOf(code, signal).exitCode });
    });
  });
}

/**
 * Starts a command with its standard streams handed to the caller (`kubectl exec`). There is no
 * pseudo-terminal (that needs a native module): a `tty` exec runs on pipes too.
 */
function streamCommand(
  argv: string[],
  opts: ExecStreamOptions & { env: Record<string, string>; cwd: string },
  resolveExecutable: (file: string) => string,
): ExecSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const [file, ...rest] = argv;
  if (!file)
    return bufferedExecSession(async () => ({ stdout: '', stderr: 'no command\n', exitCode: 126 }), opts);
  const child = spawn(resolveExecutable(file), rest, {
    env: opts.env,
    cwd: opts.cwd,
    detached: true,
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(stdout, { end: false });
  child.stderr?.pipe(stderr, { end: false });
  const stdin = opts.stdin ? new PassThrough() : null;
  if (stdin && child.stdin) {
    // a command that exits without reading all its input must not fail the session
    child.stdin.on('error', () => undefined);
    stdin.pipe(child.stdin);
  }
  const exited = new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number, message?: string): void => {
      if (done) return;
      done = true;
      if (message) stderr.write(message);
      stdin?.unpipe();
      stdout.end();
      stderr.end();
      resolve(code);
    };
    child.once('error', (e: NodeJS.ErrnoException) => {
      // exit code 127 as a shell reports a command that is not found
      finish(
        e.code === 'ENOENT' ? 127 : 126,
        e.code === 'ENOENT' ? `exec: "${file}": executable file not found in $PATH\n` : `${e.message}\n`,
      );
    });
    // 'close' comes once the output pipes are drained as well
    child.once('close', (code, signal) => finish(exitOf(code, signal).exitCode));
  });
  return { stdin, stdout, stderr, exited, kill: () => killGroup(child, 'SIGKILL') };
}
