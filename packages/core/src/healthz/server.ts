import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { silentLogger, type Logger } from '../log/index.js';
import { HealthChecks, type HealthCheck, type ProbeResponse } from './checks.js';

/** Options of {@link ProbeServer}; every field has a default. */
export interface ProbeServerOptions {
  /**
   * `host:port` for /healthz and /readyz (`:8081` listens on every interface, `127.0.0.1:0` on a
   * free port, `0` disables it). Default `:8081`, as controller-runtime's scaffolding uses.
   */
  healthProbeBindAddress?: string;
  /** `host:port` for /metrics; `0` disables it; may equal the probe address. Default `:8080`. */
  metricsBindAddress?: string;
  /** Served at /metrics. Without a registry, /metrics is not served. */
  registry?: Registry;
  /** Longest a single check may take before it counts as failed (ms). Default 10 000. */
  checkTimeoutMs?: number;
  logger?: Logger;
}

/** The addresses a started {@link ProbeServer} listens on (`host:port`). */
export interface ProbeServerAddresses {
  healthProbe?: string;
  metrics?: string;
}

type Route = (url: URL, request: IncomingMessage) => Promise<ProbeResponse>;

/**
 * The manager's HTTP endpoints (controller-runtime's health probe and metrics servers): /healthz
 * and /readyz with named checks, and /metrics from a prom-client registry.
 */
export class ProbeServer {
  /** Liveness checks, served at /healthz. */
  readonly healthz: HealthChecks;
  /** Readiness checks, served at /readyz. */
  readonly readyz: HealthChecks;
  private readonly servers: Server[] = [];
  private readonly logger: Logger;
  private bound: ProbeServerAddresses = {};

  constructor(private readonly options: ProbeServerOptions = {}) {
    this.healthz = new HealthChecks(options.checkTimeoutMs);
    this.readyz = new HealthChecks(options.checkTimeoutMs);
    this.logger = options.logger ?? silentLogger();
  }

  /** Adds a liveness check. */
  addHealthzCheck(name: string, check: HealthCheck): void {
    this.healthz.add(name, check);
  }

  /** Adds a readiness check. */
  addReadyzCheck(name: string, check: HealthCheck): void {
    this.readyz.add(name, check);
  }

  /** The bound addresses (after {@link start}). */
  get addresses(): ProbeServerAddresses {
    return { ...this.bound };
  }

  /** Starts listening; resolves once bound. */
  async start(): Promise<ProbeServerAddresses> {
    const probe = this.options.healthProbeBindAddress ?? ':8081';
    const metrics = this.options.registry ? (this.options.metricsBindAddress ?? ':8080') : '0';
    const probeRoutes: Record<string, Route> = {
      '/healthz': (url, req) => this.healthz.serve(url, '', req),
      '/readyz': (url, req) => this.readyz.serve(url, '', req),
    };
    const metricsRoutes: Record<string, Route> = { '/metrics': () => this.renderMetrics() };
    // one server when both name the same fixed port; `:0` twice means two ephemeral ports
    if (probe !== '0' && probe === metrics && parseBindAddress(probe).port !== 0) {
      const addr = await this.listen(probe, { ...probeRoutes, ...metricsRoutes });
      this.bound = { healthProbe: addr, metrics: addr };
    } else {
      if (probe !== '0') this.bound.healthProbe = await this.listen(probe, probeRoutes);
      if (metrics !== '0') this.bound.metrics = await this.listen(metrics, metricsRoutes);
    }
    return this.addresses;
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    this.bound = {};
  }

  private async renderMetrics(): Promise<ProbeResponse & { contentType?: string }> {
    const registry = this.options.registry!;
    return { status: 200, body: await registry.metrics(), contentType: registry.contentType };
  }

  private async listen(address: string, routes: Record<string, Route>): Promise<string> {
    const { host, port } = parseBindAddress(address);
    const server = createServer((req, res) => void this.handle(routes, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
    const info = server.address() as AddressInfo;
    const bound = `${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`;
    this.logger.info('Serving', { address: bound, paths: Object.keys(routes) });
    return bound;
  }

  private async handle(
    routes: Record<string, Route>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://probe');
      const [, first = '', ...rest] = url.pathname.split('/');
      const base = `/${first}`;
      const route = routes[base];
      let answer: ProbeResponse & { contentType?: string };
      if (!route || (base === '/metrics' && rest.length > 0))
        answer = { status: 404, body: '404 page not found\n' };
      else if (req.method !== 'GET' && req.method !== 'HEAD')
        answer = { status: 405, body: 'method not allowed\n' };
      else if (base === '/healthz' || base === '/readyz')
        answer = await (base === '/healthz' ? this.healthz : this.readyz).serve(url, rest.join('/'), req);
      else answer = await route(url, req);
      res.writeHead(answer.status, {
        'Content-Type': answer.contentType ?? 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : answer.body);
    } catch (err) {
      this.logger.error('probe request failed', { error: String(err) });
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('internal server error\n');
    }
  }
}

/** Splits `host:port`, `:port` or `[v6]:port`; an empty host means every interface. */
export function parseBindAddress(address: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new Error(`invalid bind address "${address}": want host:port`);
  const host = m[1] ?? m[2];
  return { host: host ? host : undefined, port: Number(m[3]) };
}
