/**
 * Container logs: one file per container instance in the CRI logging format the kubelet reads
 * (`<RFC3339Nano> <stream> <F|P> <text>`, k8s.io/cri-api logging format), and {@link PodLogs}, which
 * serves them with the options of `GET pods/NAME/log` (pkg/kubelet/kuberuntime/logs/logs.go).
 */
import { EventEmitter } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { errors } from '../api/index.js';

/** RFC 3339 with nanoseconds, as CRI log lines carry it. */
function nanoTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** The log file of one container instance. */
export class ContainerLogFile {
  private readonly partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private readonly events = new EventEmitter();
  private closed = false;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) appendFileSync(path, '');
    this.events.setMaxListeners(0);
  }

  /** Appends output; complete lines are written at once, the rest waits for its newline. */
  append(stream: 'stdout' | 'stderr', chunk: string | Buffer): void {
    if (this.closed) return;
    const text = this.partial[stream] + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const lines = text.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.write(stream, 'F', line);
  }

  /** Flushes partial lines and tells followers the instance has ended. */
  close(): void {
    if (this.closed) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.write(stream, 'F', this.partial[stream]);
      this.partial[stream] = '';
    }
    this.closed = true;
    this.events.emit('end');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls `onLine` for each new raw line and `onEnd` when the instance ends; returns the unsubscribe. */
  follow(onLine: (raw: string) => void, onEnd: () => void): () => void {
    this.events.on('line', onLine);
    this.events.on('end', onEnd);
    return () => {
      this.events.off('line', onLine);
      this.events.off('end', onEnd);
    };
  }

  private write(stream: string, tag: string, line: string): void {
    const raw = `${nanoTime(new Date())} ${stream} ${tag} ${line}`;
    appendFileSync(this.path, `${raw}\n`);
    this.events.emit('line', raw);
  }
}

/** Where the log of one container is, as the kubelet knows it. */
export interface ContainerLogState {
  /** The current (or last) instance's log, absent before the first start. */
  current?: ContainerLogFile;
  /** The previous instance's log file (for `previous`). */
  previousPath?: string;
  /** The waiting reason while no instance has started (`ContainerCreating`, `PodInitializing`). */
  waitingReason?: string;
}

/** What {@link PodLogs} reads from: the kubelets' view of a pod's containers. */
export interface PodLogSource {
  /** The pod's containers in spec order, or undefined when no kubelet runs the pod. */
  containersOf(
    namespace: string,
    pod: string,
  ): { names: string[]; initNames: string[]; state(name: string): ContainerLogState | undefined } | undefined;
  /** Whether the pod exists in the API. */
  podExists(namespace: string, pod: string): boolean;
}

/** Options of a log read (core/v1 PodLogOptions). */
export interface PodLogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  previous?: boolean;
  limitBytes?: number;
  /** Ends a follow. */
  signal?: AbortSignal;
}

interface ParsedLine {
  time: string;
  text: string;
}

function parseLine(raw: string): ParsedLine | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/.exec(raw);
  if (!m) return undefined;
  return { time: m[1] ?? '', text: m[4] ?? '' };
}

/** Pod logs as `kubectl logs` reads them. */
export class PodLogs {
  constructor(private readonly source: PodLogSource) {}

  /**
   * A stream of the container's log. Errors as the API server's: 404 for a missing pod, 400 for a
   * container that is not named when it must be, is unknown, has not started, or has no previous
   * instance.
   */
  stream(namespace: string, pod: string, opts: PodLogOptions = {}): Readable {
    const { file, path } = this.locate(namespace, pod, opts);
    const since = opts.sinceTime
      ? Date.parse(opts.sinceTime)
      : opts.sinceSeconds !== undefined
        ? Date.now() - opts.sinceSeconds * 1000
        : undefined;
    const format = (raw: string): string | undefined => {
      const p = parseLine(raw);
      if (!p) return undefined;
      if (since !== undefined && Date.parse(p.time) < since) return undefined;
      return opts.timestamps ? `${p.time} ${p.text}\n` : `${p.text}\n`;
    };
    const content = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l);
    let lines = content.map(format).filter((l): l is string => l !== undefined);
    if (opts.tailLines !== undefined && opts.tailLines >= 0)
      lines = lines.slice(Math.max(0, lines.length - opts.tailLines));
    let budget = opts.limitBytes && opts.limitBytes > 0 ? opts.limitBytes : Infinity;
    const out = new Readable({ read() {} });
    const push = (s: string): boolean => {
      if (budget <= 0) return false;
      const buf = Buffer.from(s, 'utf8');
      const part = buf.length > budget ? buf.subarray(0, budget) : buf;
      budget -= part.length;
      out.push(part);
      return budget > 0;
    };
    for (const l of lines) if (!push(l)) break;
    const live = file && !opts.previous && opts.follow && !file.isClosed && budget > 0;
    if (!live) {
      out.push(null);
      return out;
    }
    let stop = (): void => {};
    const end = (): void => {
      stop();
      out.push(null);
    };
    stop = file.follow((raw) => {
      const l = format(raw);
      if (l !== undefined && !push(l)) end();
    }, end);
    opts.signal?.addEventListener('abort', end, { once: true });
    out.on('close', () => stop());
    return out;
  }

  /** The whole log (no follow) as text: a convenience for tests. */
  async read(namespace: string, pod: string, opts: Omit<PodLogOptions, 'follow'> = {}): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of this.stream(namespace, pod, { ...opts, follow: false })) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private locate(
    namespace: string,
    pod: string,
    opts: PodLogOptions,
  ): { file?: ContainerLogFile; path: string } {
    if (!this.source.podExists(namespace, pod)) throw errors.notFound({ group: '', resource: 'pods' }, pod);
    const containers = this.source.containersOf(namespace, pod);
    let name = opts.container;
    if (!name) {
      const names = containers?.names ?? [];
      if (names.length === 1) name = names[0];
      else if (containers) {
        // registry/core/pod/strategy.go LogLocation
        throw errors.badRequest(
          `a container name must be specified for pod ${pod}, choose one of: [${names.join(' ')}]${containers.initNames.length ? ` or one of the init containers: [${containers.initNames.join(' ')}]` : ''}`,
        );
      }
    }
    if (!containers || !name)
      throw errors.badRequest(
        `container "${name ?? ''}" in pod "${pod}" is waiting to start: ContainerCreating`,
      );
    if (!containers.names.includes(name) && !containers.initNames.includes(name)) {
      throw errors.badRequest(`container ${name} is not valid for pod ${pod}`);
    }
    const state = containers.state(name);
    if (opts.previous) {
      if (!state?.previousPath)
        throw errors.badRequest(`previous terminated container "${name}" in pod "${pod}" not found`);
      return { path: state.previousPath };
    }
    if (!state?.current) {
      throw errors.badRequest(
        `container "${name}" in pod "${pod}" is waiting to start: ${state?.waitingReason ?? 'ContainerCreating'}`,
      );
    }
    return { file: state.current, path: state.current.path };
  }
}
