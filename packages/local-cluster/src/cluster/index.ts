/**
 * `LocalCluster`: the embedded Kubernetes API server with its controllers, started from code.
 *
 * ```ts
 * const cluster = await LocalCluster.start();
 * const kc = new KubeConfig(); kc.loadFromString(cluster.kubeconfig);
 * // ... use any Kubernetes client ...
 * await cluster.stop();
 * ```
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { errors } from '../api/index.js';
import {
  ApiCore,
  startApiServer,
  type PodExecutor,
  type PodLogStreamer,
  type RequestAttributes,
  type UserInfo,
} from '../apiserver/index.js';
import { startControllers, type RunningControllers } from '../controllers/index.js';
import { GarbageCollector } from '../gc/index.js';
import { startNodeAgents, type Faults, type NodeAgentOptions, type NodeAgents } from '../kubelet/index.js';
import { renderKubeconfig, writeKubeconfig } from '../kubeconfig/index.js';
import { silentLogger, type Logger } from '../logging/index.js';
import { ResourceRegistry } from '../registry/index.js';
import { ObjectStore } from '../storage/index.js';
import { createServingCertificates, type ServingCertificates } from '../tls/index.js';
import { FAULTS_PATH, faultsEndpoint } from './faults-endpoint.js';

export { FAULTS_PATH, type FaultName, type FaultRequests, type FaultResult } from './faults-endpoint.js';

/** Options of {@link LocalCluster.start}; every field has a default. */
export interface LocalClusterOptions {
  /** Address to listen on. Only loopback addresses are accepted. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** HTTPS with a self-signed CA (default true). Plain HTTP only when set to false. */
  tls?: boolean;
  /**
   * Persist objects (and the CA and token, so kubeconfigs stay valid) in this directory; a later start
   * with the same directory finds every object and resourceVersion. Default: in memory only.
   */
  dataDir?: string;
  /** Also write the kubeconfig to this file (mode 0600). */
  kubeconfigPath?: string;
  /** Bearer token clients must send. Default: random (or the persisted one with `dataDir`). */
  token?: string;
  /** Watch history kept for resuming watches; older resourceVersions get 410 Gone. Default 10,000 events. */
  historySize?: number;
  /**
   * How many events a watch may fall behind (a client reading slower than the cluster changes) before
   * the server ends it and the client must re-watch, as kube-apiserver's cacher does with unresponsive
   * watchers. Default 10,000.
   */
  watchBufferSize?: number;
  /** Where the cluster logs. Default: silent. */
  logger?: Logger;
  /**
   * The simulated nodes, scheduler and kubelets that run pods (see docs/local-cluster.md): options, or
   * `false` for an API server with controllers but no nodes (pods then stay Pending). Default: 3 nodes.
   */
  nodes?: Omit<NodeAgentOptions, 'dataDir'> | false;
  /**
   * The authorizer of every request (kube-apiserver's authorizer.Authorizer seam): return false to refuse
   * with 403. Default: allow every authenticated request. Tests use it to record what an operator does
   * (for example to check generated RBAC rules against the requests an operator really makes).
   */
  authorize?: (user: UserInfo, attributes: RequestAttributes) => boolean;
}

interface Identity {
  token: string;
  certs?: ServingCertificates;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

async function loadOrCreateIdentity(opts: LocalClusterOptions, host: string): Promise<Identity> {
  const file = opts.dataDir ? path.join(opts.dataDir, 'identity.json') : undefined;
  if (file) {
    try {
      const stored = JSON.parse(await readFile(file, 'utf8')) as Identity;
      if (stored.token && (!opts.tls || stored.certs))
        return { token: opts.token ?? stored.token, certs: stored.certs };
    } catch {
      // First start with this directory.
    }
  }
  const identity: Identity = {
    token: opts.token ?? randomBytes(24).toString('base64url'),
    certs:
      opts.tls === false
        ? undefined
        : await createServingCertificates([...new Set([host, '127.0.0.1', 'localhost'])]),
  };
  if (file) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(identity), { mode: 0o600 });
  }
  return identity;
}

/** A running local cluster. */
export class LocalCluster {
  private constructor(
    /** Server URL, e.g. `https://127.0.0.1:41234`. */
    readonly url: string,
    /** A kubeconfig (YAML) for this cluster: server, CA and token. */
    readonly kubeconfig: string,
    /** The bearer token clients send. */
    readonly token: string,
    /** The CA certificate (PEM) clients trust; undefined with plain HTTP. */
    readonly caCert: string | undefined,
    /** The in-process API (what controllers and tests may call directly). */
    readonly api: ApiCore,
    private readonly closeServer: () => Promise<void>,
    private readonly gc: GarbageCollector,
    private readonly controllers: RunningControllers,
    private readonly agents: NodeAgents | undefined,
    private readonly store: ObjectStore,
    /** A temporary directory to remove on stop (volumes of an in-memory cluster). */
    private readonly scratchDir: string | undefined,
  ) {}

  /** Starts the API server and its controllers. */
  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const host = options.host ?? '127.0.0.1';
    if (!LOOPBACK.test(host)) {
      throw new Error(
        `the local cluster listens on loopback addresses only (127.0.0.0/8, ::1, localhost); got "${host}"`,
      );
    }
    const logger = options.logger ?? silentLogger();
    const identity = await loadOrCreateIdentity(options, host);
    const store = await ObjectStore.open({
      dataDir: options.dataDir ? path.join(options.dataDir, 'store') : undefined,
      historySize: options.historySize,
      watchBufferSize: options.watchBufferSize,
    });
    const registry = ResourceRegistry.withBuiltins();
    const api = new ApiCore({ store, registry, logger });
    await api.bootstrap();
    // the node agents start after the server; until then (and with nodes: false) logs are empty
    const started: { agents?: NodeAgents } = {};
    const podLogs: PodLogStreamer = {
      stream: (namespace, pod, opts) =>
        started.agents ? started.agents.logs.stream(namespace, pod, opts) : Readable.from([]),
    };
    const podExec: PodExecutor = {
      exec: (namespace, pod, opts) => {
        if (!started.agents) throw errors.badRequest(`pod ${pod} does not have a host assigned`);
        return started.agents.execStream(namespace, pod, opts.container, opts.command, { stdin: opts.stdin });
      },
      check: (namespace, pod, opts) => {
        if (!started.agents) throw errors.badRequest(`pod ${pod} does not have a host assigned`);
        started.agents.checkExec(namespace, pod, opts.container);
      },
    };
    const server = await startApiServer({
      core: api,
      host,
      port: options.port ?? 0,
      tls: identity.certs ? { cert: identity.certs.cert, key: identity.certs.key } : undefined,
      tokens: [identity.token],
      ...(options.authorize ? { authorize: options.authorize } : {}),
      logger,
      ...(options.nodes === false ? {} : { podLogs, podExec }),
      nonResourceHandlers: { [FAULTS_PATH]: faultsEndpoint(api, () => started.agents?.faults) },
    });
    const gc = new GarbageCollector(api, { logger });
    await gc.start();
    // Volumes (hostPath PVs) live beside the data when it persists; in a scratch dir otherwise.
    const scratchDir = options.dataDir ? undefined : await mkdtemp(path.join(os.tmpdir(), 'opkit-cluster-'));
    const stateDir = options.dataDir ?? scratchDir ?? os.tmpdir();
    const controllers = await startControllers(api, {
      volumesDir: path.join(stateDir, 'volumes'),
      logger,
      ...(identity.certs ? { rootCaCert: identity.certs.caCert } : {}),
    });
    const agents =
      options.nodes === false
        ? undefined
        : await startNodeAgents(api, { ...options.nodes, dataDir: path.join(stateDir, 'kubelet') });
    started.agents = agents;
    const kubeconfigInput = { server: server.url, token: identity.token, caCert: identity.certs?.caCert };
    if (options.kubeconfigPath) await writeKubeconfig(options.kubeconfigPath, kubeconfigInput);
    logger.info('local cluster started', { url: server.url, persistent: Boolean(options.dataDir) });
    return new LocalCluster(
      server.url,
      renderKubeconfig(kubeconfigInput),
      identity.token,
      identity.certs?.caCert,
      api,
      server.close,
      gc,
      controllers,
      agents,
      store,
      scratchDir,
    );
  }

  /** Writes this cluster's kubeconfig to a file (mode 0600). */
  async writeKubeconfig(file: string): Promise<void> {
    await writeKubeconfig(file, { server: this.url, token: this.token, caCert: this.caCert });
  }

  /** Fault injection (kill a pod's process, make it unready, lose a node, wipe a volume, slow a start). */
  get faults(): Faults {
    return this.requireAgents().faults;
  }

  /** The simulated nodes' kubelets: pod logs, exec, cluster DNS and a resolver for code outside the cluster. */
  get nodes(): NodeAgents {
    return this.requireAgents();
  }

  private requireAgents(): NodeAgents {
    if (!this.agents) throw new Error('this local cluster was started with nodes: false, so it runs no pods');
    return this.agents;
  }

  /** Resolves once the garbage collector has nothing left to do (useful in tests). */
  async settled(): Promise<void> {
    await this.gc.idle();
    await this.controllers.idle();
    await this.gc.idle();
  }

  /** Stops serving (open watches end), stops the controllers and flushes storage. */
  async stop(): Promise<void> {
    await this.closeServer();
    await this.agents?.stop();
    await this.controllers.stop();
    await this.gc.stop();
    await this.store.close();
    if (this.scratchDir) await rm(this.scratchDir, { recursive: true, force: true });
  }
}
