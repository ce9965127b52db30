/**
 * HTTP(S) requests to the API server with the connection, TLS and credentials of a client-node
 * `KubeConfig` (via `applyToHTTPSOptions`, so token files and exec plugins are refreshed per
 * request). Node's http/https are used directly, with keep-alive agents, because the watch path
 * needs the raw byte stream.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { errorFromResponse } from './errors.js';

/** One request to the API server. */
export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute path below the server URL, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Socket idle timeout in ms. Default: 60 s for buffered requests, none for streams (watches may be quiet for minutes). */
  timeoutMs?: number;
}

/** A buffered response. */
export interface RestResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends requests to one API server. */
export interface RestTransport {
  /** Sends a request and buffers the response; throws the matching ApiStatusError on non-2xx. */
  request(req: RestRequest): Promise<RestResponse>;
  /** Sends a request and returns the open response body; throws on non-2xx. Destroy it to close. */
  stream(req: RestRequest): Promise<Readable>;
}

function buildPath(path: string, query: RestRequest['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** A {@link RestTransport} over the current context of a client-node `KubeConfig`. */
export class KubeConfigTransport implements RestTransport {
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  /** The config whose credentials and TLS material are applied (see {@link credentialsConfig}). */
  private readonly credentials: KubeConfig;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly userAgent = 'opkit/0.1',
  ) {
    this.credentials = credentialsConfig(kubeConfig);
  }

  async request(req: RestRequest): Promise<RestResponse> {
    // a half-open connection must not hang a list or a write forever
    const res = await this.open({ ...req, timeoutMs: req.timeoutMs ?? 60_000 });
    const body = await readAll(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      throw errorFromResponse(status, body.toString('utf8'), firstHeader(res.headers['retry-after']));
    }
    return { status, headers: res.headers, body };
  }

  async stream(req: RestRequest): Promise<IncomingMessage> {
    const res = await this.open(req);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const body = await readAll(res);
      throw errorFromResponse(status, body.toString('utf8'), firstHeader(res.headers['retry-after']));
    }
    return res;
  }

  /** Releases pooled connections. */
  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  private async open(req: RestRequest): Promise<IncomingMessage> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const base = new URL(cluster.server);
    const isHttps = base.protocol === 'https:';
    const headers: Record<string, string> = {
      Accept: req.accept ?? 'application/json',
      'User-Agent': this.userAgent,
    };
    if (req.contentType) headers['Content-Type'] = req.contentType;
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    const basePath = base.pathname.replace(/\/$/, '');
    const opts: https.RequestOptions = {
      method: req.method,
      hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port || (isHttps ? 443 : 80),
      path: basePath + buildPath(req.path, req.query),
      headers,
      agent: isHttps ? this.httpsAgent : this.httpAgent,
    };
    await this.credentials.applyToHTTPSOptions(opts);
    // client-node builds a fresh agent per call (no connection reuse); keep-alive agents of our own
    // matter for throughput. Proxy agents are kept as built.
    if (!cluster.proxyUrl) opts.agent = isHttps ? this.httpsAgent : this.httpAgent;
    req.signal?.throwIfAborted();
    return new Promise<IncomingMessage>((resolve, reject) => {
      const request = (isHttps ? https : http).request({ ...opts, signal: req.signal }, resolve);
      request.on('error', reject);
      if (req.timeoutMs !== undefined) {
        request.setTimeout(req.timeoutMs, () =>
          request.destroy(new Error(`request to ${req.path} timed out after ${req.timeoutMs} ms`)),
        );
      }
      request.end(req.body);
    });
  }
}

/**
 * client-node refuses `http:` servers unless skipTLSVerify is set (there is no TLS to verify, yet
 * it throws); kubectl accepts them. For such servers credentials are applied from a copy of the
 * current cluster and user with skipTLSVerify set, leaving the caller's KubeConfig untouched.
 */
function credentialsConfig(kc: KubeConfig): KubeConfig {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user || !cluster.server.startsWith('http:') || cluster.skipTLSVerify || cluster.proxyUrl)
    return kc;
  const copy = new KubeConfig();
  copy.loadFromClusterAndUser({ ...cluster, skipTLSVerify: true }, user);
  return copy;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
