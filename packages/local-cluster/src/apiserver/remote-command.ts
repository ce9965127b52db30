/**
 * `pods/NAME/exec` over WebSockets: the remote command channel protocol of
 * k8s.io/apimachinery/pkg/util/remotecommand as kube-apiserver serves it to kubectl ≥ 1.30
 * (k8s.io/apiserver/pkg/util/proxy/websocket.go) and as client-node's `Exec` speaks it.
 *
 * Every WebSocket message is binary: one channel byte, then data. Channels: 0 stdin, 1 stdout,
 * 2 stderr, 3 error (one JSON `Status` when the command ends), 4 terminal resize. Version 5 adds the
 * close signal `[255, channel]` a client sends when its stdin ends; version 4 has no way to say so.
 */
import type { WebSocket } from 'ws';
import { errors, type KubeObject } from '../api/index.js';
import type { PodExecOptions, PodExecSession } from './types.js';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/** The subprotocols served, best first. */
export const REMOTE_COMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

// pause the command's output while this much waits to go to a slow client; resume below the low mark
const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;

/** The first protocol the client offers that is served (the client lists them best first). */
export function pickRemoteCommandProtocol(offered: Iterable<string>): string | undefined {
  for (const p of offered) {
    if ((REMOTE_COMMAND_PROTOCOLS as readonly string[]).includes(p)) return p;
  }
  return undefined;
}

interface ContainerRef {
  name: string;
}

/**
 * The container an exec goes to, with kube-apiserver's errors (validateContainer and
 * streamLocation in pkg/registry/core/pod/strategy.go): the only container when none is named,
 * and a pod that no node runs is refused.
 */
export function execContainer(pod: KubeObject, container: string | undefined): string {
  const spec = (pod.spec ?? {}) as {
    containers?: ContainerRef[];
    initContainers?: ContainerRef[];
    ephemeralContainers?: ContainerRef[];
    nodeName?: string;
  };
  const name = pod.metadata.name ?? '';
  const containers = spec.containers ?? [];
  const all = [...(spec.initContainers ?? []), ...containers, ...(spec.ephemeralContainers ?? [])].map(
    (c) => c.name,
  );
  let chosen = container;
  if (!chosen) {
    if (containers.length === 0) throw errors.badRequest(`pod ${name} does not have a container`);
    if (containers.length > 1) {
      throw errors.badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`,
      );
    }
    chosen = (containers[0] as ContainerRef).name;
  } else if (!all.includes(chosen)) {
    throw errors.badRequest(`container ${chosen} is not valid for pod ${name}`);
  }
  if (!spec.nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  return chosen;
}

/**
 * The status the error channel carries when the command ends, as the kubelet's exec handler writes
 * it (pkg/kubelet/cri/streaming/remotecommand/exec.go): Success, or NonZeroExitCode with the code
 * as an `ExitCode` cause that clients turn into their own exit code.
 */
export function exitStatus(exitCode: number, command: string[]): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

function frame(channel: number, data?: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + (data?.length ?? 0));
  out[0] = channel;
  data?.copy(out, 1);
  return out;
}

/**
 * Runs one exec session over an open WebSocket: client stdin to the command, its output to the
 * client, then the exit status and a normal close. A client that goes away kills the command.
 * Resolves once the connection is done with.
 */
export async function serveRemoteCommand(
  ws: WebSocket,
  session: PodExecSession,
  opts: PodExecOptions,
): Promise<void> {
  const v5 = ws.protocol === 'v5.channel.k8s.io';
  let open = true;
  let finished = false;
  const paused = new Set<NodeJS.ReadableStream>();
  const resumeAll = (): void => {
    for (const s of paused) s.resume();
    paused.clear();
  };
  ws.on('close', () => {
    open = false;
    resumeAll();
    session.stdin?.end();
    if (!finished) session.kill();
  });
  ws.on('error', () => undefined);
  // the first (empty) message tells the client the streams are ready (createWebSocketStreams upstream)
  ws.send(frame(opts.stdout || opts.tty ? STDOUT : opts.stderr ? STDERR : ERROR));

  const stdin = session.stdin;
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (!isBinary || data.length === 0) return;
    const channel = data[0];
    if (channel === STDIN) {
      if (!stdin || stdin.writableEnded) return;
      // hold the client back while the command does not read its input
      if (!stdin.write(data.subarray(1))) {
        ws.pause();
        stdin.once('drain', () => ws.resume());
      }
    } else if (channel === CLOSE && v5 && data[1] === STDIN) {
      stdin?.end();
    } else if (channel === RESIZE) {
      // no pseudo-terminal behind the command: size changes have nothing to resize
    }
  });

  const forward = (stream: NodeJS.ReadableStream, channel: number, wanted: boolean): Promise<void> =>
    new Promise((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        if (!wanted || !open) return;
        ws.send(frame(channel, chunk), () => {
          if (ws.bufferedAmount < LOW_WATER) resumeAll();
        });
        if (ws.bufferedAmount > HIGH_WATER) {
          stream.pause();
          paused.add(stream);
        }
      });
      stream.once('end', resolve);
      stream.once('error', () => resolve());
    });
  // with a terminal both outputs are the terminal's: stderr shows on stdout (upstream drops stderr
  // with tty, where the pty has already merged it)
  await Promise.all([
    forward(session.stdout, STDOUT, opts.stdout || opts.tty),
    forward(session.stderr, opts.tty ? STDOUT : STDERR, opts.tty || opts.stderr),
  ]);
  const exitCode = await session.exited;
  finished = true;
  if (!open) return;
  ws.send(frame(ERROR, Buffer.from(JSON.stringify(exitStatus(exitCode, opts.command)))));
  // a normal closure: client-go then reads every stream to its end (readDemuxLoop)
  await new Promise<void>((resolve) => {
    ws.once('close', () => resolve());
    ws.close(1000);
  });
}
