/**
 * The local cluster runs each etcd member (image `quay.io/coreos/etcd:v3.4*`) as a local `etcd`
 * process, resolving the members' DNS names through libnss_wrapper. Without those binaries the pods
 * never start and the operator would wait forever; this check says, before anything else, exactly
 * what to install — and installs it when it can (root with apt-get).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The Debian/Ubuntu packages the local cluster's etcd members need. */
export const ETCD_PACKAGES = ['etcd-server', 'etcd-client', 'libnss-wrapper'] as const;

/** The command a human runs to get them. */
export const ETCD_INSTALL_COMMAND = `apt-get install ${ETCD_PACKAGES.join(' ')}`;

/** The executable `name` on `PATH`, or undefined. */
export function findOnPath(name: string, pathVariable: string | undefined): string | undefined {
  for (const dir of (pathVariable ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Where libnss_wrapper.so may be (`OPKIT_NSS_WRAPPER` first, as the local cluster looks). */
function nssWrapperCandidates(env: Readonly<Record<string, string | undefined>>): string[] {
  const triplet = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  return [
    env.OPKIT_NSS_WRAPPER,
    `/usr/lib/${triplet}/libnss_wrapper.so`,
    '/usr/lib64/libnss_wrapper.so',
    '/usr/lib/libnss_wrapper.so',
  ].filter((p): p is string => !!p);
}

/** What is missing for etcd members on the local cluster: `etcd`, `etcdctl`, `libnss_wrapper.so`. */
export function missingEtcdBinaries(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  const missing: string[] = [];
  for (const bin of ['etcd', 'etcdctl']) if (!findOnPath(bin, env.PATH)) missing.push(bin);
  if (!nssWrapperCandidates(env).some((p) => existsSync(p))) missing.push('libnss_wrapper.so');
  return missing;
}

/** The message for a human when binaries are missing. */
export function missingEtcdMessage(missing: readonly string[]): string {
  return [
    `etcd is not installed here (missing: ${missing.join(', ')}).`,
    "The local cluster runs every etcd member as a local etcd 3.4 process, and needs etcdctl and libnss_wrapper (for the members' DNS names).",
    'Install them (Debian/Ubuntu), then start again:',
    `  sudo ${ETCD_INSTALL_COMMAND}`,
    'Elsewhere: put etcd and etcdctl v3.4 from https://github.com/etcd-io/etcd/releases on PATH and set OPKIT_NSS_WRAPPER to libnss_wrapper.so.',
  ].join('\n');
}

/** Runs a command, handing its output over line by line; resolves to its exit code. */
export type CommandRunner = (
  command: string,
  args: readonly string[],
  output: (line: string) => void,
) => Promise<number>;

const runCommand: CommandRunner = (command, args, output) =>
  new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const relay = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) output(line);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', (err) => {
      output(`${command}: ${err.message}`);
      resolve(127);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });

/** Options of {@link ensureEtcdBinaries}; every field has a default. */
export interface EnsureEtcdBinariesOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Whether this process may install packages. Default: running as root. */
  isRoot?: boolean;
  /** Install when possible. Default true; `ETCD_OPERATOR_INSTALL_ETCD=false` turns it off. */
  install?: boolean;
  run?: CommandRunner;
  /** Progress and the final message, one line at a time. */
  log: (line: string) => void;
}

/**
 * True when etcd, etcdctl and libnss_wrapper are present — after installing them with apt-get when
 * running as root with apt-get on PATH. Otherwise logs {@link missingEtcdMessage} and returns false.
 */
export async function ensureEtcdBinaries(opts: EnsureEtcdBinariesOptions): Promise<boolean> {
  const env = opts.env ?? process.env;
  let missing = missingEtcdBinaries(env);
  if (missing.length === 0) return true;
  const isRoot = opts.isRoot ?? process.getuid?.() === 0;
  const install = (opts.install ?? true) && env.ETCD_OPERATOR_INSTALL_ETCD !== 'false';
  const aptGet = findOnPath('apt-get', env.PATH);
  if (isRoot && install && aptGet) {
    const run = opts.run ?? runCommand;
    opts.log(`etcd is missing (${missing.join(', ')}): running ${ETCD_INSTALL_COMMAND} -y`);
    const args = ['install', '-y', '--no-install-recommends', ...ETCD_PACKAGES];
    if ((await run(aptGet, args, opts.log)) !== 0) {
      // a fresh image has no package lists yet
      opts.log('apt-get install failed; running apt-get update and trying again');
      await run(aptGet, ['update'], opts.log);
      await run(aptGet, args, opts.log);
    }
    missing = missingEtcdBinaries(env);
    if (missing.length === 0) {
      opts.log('etcd installed');
      return true;
    }
  }
  opts.log(missingEtcdMessage(missing));
  return false;
}

/**
 * Whether the kubeconfig in use points at opkit's local cluster (its context is named `opkit-local`),
 * the one place etcd members run as local processes. Read without a YAML parser: only the
 * `current-context` line matters.
 */
export function targetsLocalCluster(
  env: Readonly<Record<string, string | undefined>> = process.env,
  kubeconfigPath?: string,
): boolean {
  if (env.KUBERNETES_SERVICE_HOST) return false;
  const file = kubeconfigPath ?? env.KUBECONFIG?.split(path.delimiter).find((f) => f && existsSync(f));
  if (!file) return false;
  try {
    const current = /^current-context:\s*["']?([^"'\s]+)/m.exec(readFileSync(file, 'utf8'))?.[1];
    return current?.startsWith('opkit-local') === true;
  } catch {
    return false;
  }
}
