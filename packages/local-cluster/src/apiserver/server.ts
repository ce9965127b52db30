/**
 * The HTTP(S) face of the local API server: authentication, routing of the REST paths of
 * kube-apiserver (k8s.io/apiserver/pkg/endpoints/installer.go), content negotiation, request
 * decoding and the watch stream. Every resource request ends in {@link ApiCore}.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import {
  ApiError,
  errors,
  parseMediaRanges,
  type JsonObject,
  type KubeObject,
  type Status,
} from '../api/index.js';
import { DiscoveryHandler } from '../discovery/index.js';
import type { Logger } from '../logging/index.js';
import type { ResourceType } from '../registry/index.js';
import * as peer from './collaborators.js';
import type { IncludeObject } from './collaborators.js';
import type { ApiCore } from './core.js';
import { execContainer, pickRemoteCommandProtocol, serveRemoteCommand } from './remote-command.js';
import { ServiceAccountTokens } from './service-account-tokens.js';
import { decodeKubernetesProtobuf, type ExpectedType } from '../protobuf/index.js';
import type {
  DeleteOptions,
  FieldValidation,
  KubeList,
  NonResourceHandler,
  PodExecOptions,
  PodExecutor,
  PodLogStreamer,
  PodLogStreamOptions,
  RequestAttributes,
  UserInfo,
  WatchEvent,
  WriteOptions,
} from './types.js';

/** How {@link startApiServer} serves. */
export interface ApiServerOptions {
  core: ApiCore;
  /** PEM serving certificate and key: HTTPS when given, plain HTTP otherwise. */
  tls?: { cert: string; key: string };
  /** Accepted bearer tokens. */
  tokens: string[];
  /** Extra authentication (client certificates, ...) tried when the bearer token does not match. */
  authenticate?: (req: http.IncomingMessage) => UserInfo | undefined;
  /** The authorizer (RBAC seam); default: allow everything an authenticated user asks. */
  authorize?: (user: UserInfo, attributes: RequestAttributes) => boolean;
  /** Largest accepted request body; default 3 MiB as kube-apiserver's MaxRequestBodyBytes. */
  maxBodyBytes?: number;
  /** Serves discovery and OpenAPI; default one built from the core's registry. */
  discovery?: DiscoveryHandler;
  /** Where the server logs (default: the core's logger). */
  logger?: Logger;
  /**
   * Serves `GET pods/NAME/log` from the kubelets (LocalCluster passes its node agents' `PodLogs`).
   * Without it the log of every pod is empty.
   */
  podLogs?: PodLogStreamer;
  /**
   * Runs `pods/NAME/exec` (LocalCluster passes its node agents). Without it exec is refused with a
   * 400 that says no kubelet runs pods here.
   */
  podExec?: PodExecutor;
  /**
   * Extra non-resource paths, by path prefix (e.g. `/opkit/v1/faults`): served after authentication
   * and authorized as kube-apiserver authorizes non-resource requests (verb = the lower-case HTTP
   * method, the request path), never listed in discovery. LocalCluster serves its faults here.
   */
  nonResourceHandlers?: Record<string, NonResourceHandler>;
}

/** A running server. */
export interface RunningApiServer {
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  close(): Promise<void>;
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const DELETE_OPTIONS: ExpectedType = { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions' };
const TOKEN_REQUEST: ExpectedType = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest' };
const DEFAULT_MAX_BODY = 3 * 1024 * 1024;
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);
const TOKEN_USER: UserInfo = { username: 'opkit-admin', groups: ['system:masters', 'system:authenticated'] };
// the watch timeout kube-apiserver picks when the client sets none: MinRequestTimeout (1800 s) × [1, 2)
const MIN_REQUEST_TIMEOUT_S = 1800;
const SPDY_REFUSED =
  'this local cluster serves exec over WebSockets only (v5.channel.k8s.io, v4.channel.k8s.io), not SPDY: use kubectl 1.30 or newer';

/** Starts the API server; resolves once it listens. */
export function startApiServer(
  opts: ApiServerOptions & { host?: string; port?: number },
): Promise<RunningApiServer> {
  const handler = new RequestHandler(opts);
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void handler.handle(req, res);
  };
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, listener)
    : http.createServer(listener);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    s.setNoDelay(true);
  });
  // streaming requests (exec) arrive as upgrades; any other request with an Upgrade header too
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    void handler.handleUpgrade(req, socket, head);
  });
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
      handler.serverAddress = `${host}:${port}`;
      resolve({
        url,
        close: () =>
          new Promise<void>((done) => {
            handler.close();
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}

/** A resource request's place in the URL space. */
interface ResourceRoute {
  group: string;
  version: string;
  namespace: string;
  resource: string;
  name?: string;
  subresource?: string;
  watchPrefix: boolean;
}

/** What the client accepts for a resource response. */
type Output =
  | { kind: 'object'; yaml: boolean }
  | { kind: 'table'; apiVersion: string }
  | { kind: 'metadata'; list: boolean; apiVersion: string };

/**
 * Output negotiation as k8s.io/apiserver/pkg/endpoints/handlers/negotiation: the first acceptable
 * range wins; Table and PartialObjectMetadata are JSON with `as=...;g=meta.k8s.io;v=...`.
 * Protobuf is not served (clients send it with a JSON fallback).
 */
function negotiateOutput(accept: string | undefined): Output {
  const ranges = parseMediaRanges(accept);
  if (ranges.length === 0) return { kind: 'object', yaml: false };
  for (const r of ranges) {
    const jsonLike = r.type === 'application/json' || r.type === 'application/*' || r.type === '*/*';
    const yaml = r.type === 'application/yaml';
    if (!jsonLike && !yaml) continue;
    const as = r.params.as;
    if (!as) return { kind: 'object', yaml };
    if (yaml || r.params.g !== 'meta.k8s.io' || (r.params.v !== 'v1' && r.params.v !== 'v1beta1')) continue;
    const apiVersion = `meta.k8s.io/${r.params.v}`;
    if (as === 'Table') return { kind: 'table', apiVersion };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      return { kind: 'metadata', list: as === 'PartialObjectMetadataList', apiVersion };
    }
  }
  throw errors.notAcceptable(
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
  );
}

function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** PodLogOptions from the query, validated as ValidatePodLogOptions does (pkg/apis/core/validation). */
function podLogOptions(q: URLSearchParams): PodLogStreamOptions {
  const opts: PodLogStreamOptions = {};
  const container = q.get('container');
  if (container) opts.container = container;
  for (const f of ['follow', 'timestamps', 'previous'] as const) {
    if (flag(q, f)) opts[f] = true;
  }
  const causes: { reason: string; field: string; message: string }[] = [];
  const tailLines = intParam(q, 'tailLines');
  if (tailLines !== undefined) {
    if (tailLines < 0)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'tailLines',
        message: `Invalid value: ${tailLines}: must be greater than or equal to 0`,
      });
    else opts.tailLines = tailLines;
  }
  const limitBytes = intParam(q, 'limitBytes');
  if (limitBytes !== undefined) {
    if (limitBytes < 1)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'limitBytes',
        message: `Invalid value: ${limitBytes}: must be greater than 0`,
      });
    else opts.limitBytes = limitBytes;
  }
  const sinceSeconds = intParam(q, 'sinceSeconds');
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) {
    causes.push({
      reason: 'FieldValueForbidden',
      field: '',
      message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  }
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'sinceSeconds',
        message: `Invalid value: ${sinceSeconds}: must be greater than 0`,
      });
    else opts.sinceSeconds = sinceSeconds;
  }
  if (sinceTime) {
    if (Number.isNaN(Date.parse(sinceTime)))
      throw errors.badRequest(`parsing time "${sinceTime}" as RFC3339 failed`);
    opts.sinceTime = sinceTime;
  }
  if (causes.length) throw errors.invalid('PodLogOptions', '', '', causes);
  return opts;
}

function warningHeader(text: string): string {
  // RFC 7234 warn-text: a quoted string with " and \ escaped (k8s.io/apiserver/pkg/warning)
  return `299 - "${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function flag(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return v === '' || v === 'true' || v === '1';
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw errors.badRequest(`invalid value for ${name}: ${v}`);
  return n;
}

function dryRunParam(q: URLSearchParams, kind: string): boolean {
  const values = q.getAll('dryRun').filter((v) => v !== '');
  for (const v of values) {
    if (v !== 'All') {
      throw errors.invalid(kind, 'meta.k8s.io', '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'dryRun',
          message: `Unsupported value: ${JSON.stringify(v)}: supported values: "All"`,
        },
      ]);
    }
  }
  return values.length > 0;
}

function fieldValidationParam(q: URLSearchParams, kind: string): FieldValidation | undefined {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return undefined;
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.invalid(kind, 'meta.k8s.io', '', [
    {
      reason: 'FieldValueNotSupported',
      field: 'fieldValidation',
      message: `Unsupported value: ${JSON.stringify(v)}: supported values: "Ignore", "Strict", "Warn"`,
    },
  ]);
}

function rvMatch(q: URLSearchParams): 'NotOlderThan' | 'Exact' | undefined {
  const v = q.get('resourceVersionMatch');
  if (!v) return undefined;
  if (v === 'NotOlderThan' || v === 'Exact') return v;
  throw errors.invalid('ListOptions', 'meta.k8s.io', '', [
    {
      reason: 'FieldValueNotSupported',
      field: 'resourceVersionMatch',
      message: `Unsupported value: ${JSON.stringify(v)}: supported values: "Exact", "NotOlderThan"`,
    },
  ]);
}

class RequestHandler {
  private readonly core: ApiCore;
  private readonly tokens: Set<string>;
  private readonly maxBody: number;
  private readonly discovery: DiscoveryHandler;
  /** Tokens issued through serviceaccounts/NAME/token, accepted as bearer tokens. */
  private readonly serviceAccountTokens = new ServiceAccountTokens();
  private readonly ownDiscovery: boolean;
  private readonly logger: Logger;
  /** Speaks WebSocket on upgraded exec connections; the subprotocol was checked before the upgrade. */
  private readonly webSockets = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => pickRemoteCommandProtocol(offered) ?? false,
  });
  serverAddress = '127.0.0.1:6443';

  constructor(private readonly opts: ApiServerOptions) {
    this.core = opts.core;
    this.tokens = new Set(opts.tokens);
    this.maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.logger = opts.logger ?? opts.core.logger;
    this.ownDiscovery = !opts.discovery;
    this.discovery =
      opts.discovery ??
      new DiscoveryHandler({
        registry: this.core.registry,
        serverAddress: () => this.serverAddress,
        customSchema: (type) => this.core.customResourceOpenApi(type),
      });
  }

  close(): void {
    if (this.ownDiscovery) this.discovery.close();
    this.webSockets.close();
  }

  /**
   * A request with an Upgrade header: `pods/NAME/exec` becomes a WebSocket session; every other
   * path is served as an ordinary request on the connection, which then closes.
   */
  async handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    let route: ResourceRoute | undefined;
    try {
      route = this.route(path);
    } catch {
      route = undefined;
    }
    const exec =
      route &&
      route.group === '' &&
      route.resource === 'pods' &&
      route.subresource === 'exec' &&
      route.name !== undefined;
    if (!route || !exec) {
      const res = new http.ServerResponse(req);
      res.assignSocket(socket as Socket);
      res.shouldKeepAlive = false;
      res.on('finish', () => socket.end());
      await this.handle(req, res);
      return;
    }
    try {
      const user = this.authenticate(req);
      if (!user) throw errors.unauthorized();
      await this.serveExec(req, socket, head, route, url.searchParams, user);
    } catch (e) {
      this.writeUpgradeError(socket, e);
    }
  }

  /** An error answer to an upgrade request: the Status as an ordinary HTTP response, then close. */
  private writeUpgradeError(socket: Duplex, e: unknown): void {
    const status: Status = e instanceof ApiError ? e.status : errors.internal(e).status;
    if (!(e instanceof ApiError))
      this.logger.error('internal error serving an upgrade request', {
        error: e instanceof Error ? e.stack : String(e),
      });
    if (socket.destroyed || !socket.writable) return;
    const body = JSON.stringify(status);
    socket.end(
      `HTTP/1.1 ${status.code} ${http.STATUS_CODES[status.code] ?? ''}\r\n` +
        `Audit-Id: ${randomUUID()}\r\nCache-Control: no-cache, private\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  /**
   * `GET|POST pods/NAME/exec` (pkg/registry/core/pod/rest/subresources.go ExecREST): the pod and
   * container checks of kube-apiserver, then the command runs and streams over a WebSocket.
   * SPDY (kubectl < 1.30) is refused after the same checks, so a client falling back to it from a
   * failed WebSocket upgrade still shows the real error.
   */
  private async serveExec(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    route: ResourceRoute,
    q: URLSearchParams,
    user: UserInfo,
  ): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'POST') {
      throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    }
    const type = this.core.typeOf('', 'v1', 'pods');
    const name = route.name ?? '';
    // exec is `create` on pods/exec, for a WebSocket GET as well (AuthorizePodWebsocketUpgradeCreatePermission, 1.31)
    const attrs: RequestAttributes = {
      verb: 'create',
      path: req.url ?? '',
      resourceRequest: true,
      apiGroup: '',
      apiVersion: 'v1',
      resource: 'pods',
      subresource: 'exec',
      namespace: route.namespace,
      name,
    };
    if (!this.authorized(user, attrs)) {
      throw errors.forbidden(
        type,
        name,
        `User "${user.username}" cannot create resource "pods/exec" in API group "" in the namespace "${route.namespace}"`,
      );
    }
    const pod = await this.core.get(type, route.namespace, name);
    const container = execContainer(pod, q.get('container') ?? undefined);
    const command = q.getAll('command');
    const opts: PodExecOptions = {
      container,
      command,
      stdin: flag(q, 'stdin') === true,
      stdout: flag(q, 'stdout') === true,
      stderr: flag(q, 'stderr') === true,
      tty: flag(q, 'tty') === true,
    };
    // the kubelet's checks (k8s.io/kubelet/pkg/cri/streaming/remotecommand NewOptions)
    if (command.length === 0) throw errors.badRequest('you must specify at least 1 command');
    if (!opts.stdin && !opts.stdout && !opts.stderr) {
      throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
    }
    if (!this.opts.podExec)
      throw errors.badRequest('no kubelet runs pods in this cluster, so nothing can exec into them');
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    if (upgrade !== 'websocket') {
      // kubectl ≥ 1.30 retries over SPDY after a failed WebSocket upgrade: the kubelet's error goes first
      await this.opts.podExec.check?.(route.namespace, name, opts);
      throw errors.badRequest(SPDY_REFUSED);
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    if (!pickRemoteCommandProtocol(offered)) {
      throw errors.badRequest(
        `none of the offered WebSocket subprotocols [${offered.join(', ')}] is served: use v5.channel.k8s.io or v4.channel.k8s.io`,
      );
    }
    const session = await this.opts.podExec.exec(route.namespace, name, opts);
    let upgraded = false;
    // a failed handshake never reaches the callback: the command must not outlive it
    socket.once('close', () => {
      if (!upgraded) session.kill();
    });
    this.webSockets.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      void serveRemoteCommand(ws, session, opts).catch((e: unknown) => {
        this.logger.error('exec session failed', { error: e instanceof Error ? e.stack : String(e) });
        session.kill();
        ws.terminate();
      });
    });
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('Audit-Id', randomUUID());
    res.setHeader('Cache-Control', 'no-cache, private');
    const warnings: string[] = [];
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
      const method = (req.method ?? 'GET').toUpperCase();
      if (
        path === '/healthz' ||
        path === '/livez' ||
        path === '/readyz' ||
        path.startsWith('/healthz/') ||
        path.startsWith('/livez/') ||
        path.startsWith('/readyz/')
      ) {
        res.writeHead(200, {
          'Content-Type': 'text/plain; charset=utf-8',
          'X-Content-Type-Options': 'nosniff',
        });
        res.end('ok');
        return;
      }
      const user = this.authenticate(req);
      if (!user && !PUBLIC_PATHS.has(path)) throw errors.unauthorized();
      const discovery = this.discovery.handle(method, `${path}${url.search}`, req.headers.accept, {
        ifNoneMatch: req.headers['if-none-match'],
      });
      if (discovery) {
        if (user && !this.authorized(user, { verb: 'get', path, resourceRequest: false }))
          throw this.forbiddenPath(user, path, method);
        res.writeHead(discovery.status, discovery.headers);
        res.end(method === 'HEAD' ? undefined : discovery.body);
        return;
      }
      if (!user) throw errors.unauthorized();
      const extra = this.nonResourceHandler(path);
      if (extra) {
        await this.serveNonResource(req, res, method, path, url.searchParams, user, extra);
        return;
      }
      const route = this.route(path);
      if (!route) throw errors.noRoute();
      await this.serveResource(req, res, method, route, url.searchParams, user, warnings);
    } catch (e) {
      this.sendError(res, e, warnings);
    }
  }

  private nonResourceHandler(path: string): NonResourceHandler | undefined {
    for (const [prefix, handler] of Object.entries(this.opts.nonResourceHandlers ?? {})) {
      if (path === prefix || path.startsWith(`${prefix}/`)) return handler;
    }
    return undefined;
  }

  private async serveNonResource(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
    query: URLSearchParams,
    user: UserInfo,
    handler: NonResourceHandler,
  ): Promise<void> {
    // a non-resource request's verb is the lower-case HTTP method (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go)
    if (!this.authorized(user, { verb: method.toLowerCase(), path, resourceRequest: false }))
      throw this.forbiddenPath(user, path, method);
    const body = method === 'GET' || method === 'HEAD' ? {} : this.parseJson(await this.readBody(req));
    const result = await handler({ method, path, query, body, user });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(result ?? {}));
  }

  private authenticate(req: http.IncomingMessage): UserInfo | undefined {
    const auth = req.headers.authorization;
    if (auth && /^bearer /i.test(auth)) {
      const token = auth.slice(7).trim();
      if (this.tokens.has(token)) return TOKEN_USER;
      const serviceAccount = this.serviceAccountTokens.authenticate(
        token,
        (namespace, name) =>
          this.core.store.get({ resource: '/serviceaccounts', namespace, name })?.metadata.uid,
      );
      if (serviceAccount) return serviceAccount;
    }
    return this.opts.authenticate?.(req);
  }

  private authorized(user: UserInfo, attrs: RequestAttributes): boolean {
    return this.opts.authorize ? this.opts.authorize(user, attrs) : true;
  }

  private forbiddenPath(user: UserInfo, path: string, method: string): ApiError {
    return new ApiError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `forbidden: User "${user.username}" cannot ${method.toLowerCase()} path "${path}"`,
      reason: 'Forbidden',
      details: {},
      code: 403,
    });
  }

  /** Parses `/api/v1/...` and `/apis/G/V/...` into a resource route (undefined: not a resource path). */
  private route(path: string): ResourceRoute | undefined {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 3) {
      group = '';
      version = parts[1] as string;
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 4) {
      group = parts[1] as string;
      version = parts[2] as string;
      rest = parts.slice(3);
    } else {
      return undefined;
    }
    let watchPrefix = false;
    if (rest[0] === 'watch') {
      watchPrefix = true;
      rest = rest.slice(1);
    }
    let namespace = '';
    // `namespaces/NS/RESOURCE...` unless it is the namespace object itself (or its subresource)
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const candidate = this.core.registry.get(group, version, rest[2] as string);
      if (candidate?.namespaced || group !== '' || !['status', 'finalize'].includes(rest[2] as string)) {
        namespace = rest[1] as string;
        rest = rest.slice(2);
      }
    }
    if (rest.length === 0 || rest.length > 3) return undefined;
    const [resource, name, subresource] = rest as [string, string | undefined, string | undefined];
    return { group, version, namespace, resource, name, subresource, watchPrefix };
  }

  private async readBody(req: http.IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers['content-length'] ?? '0');
    const tooLarge = errors.tooLarge(`Request entity too large: limit is ${this.maxBody}`);
    if (declared > this.maxBody) {
      req.resume();
      throw tooLarge;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > this.maxBody) {
        req.resume();
        throw tooLarge;
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  private async serveResource(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    route: ResourceRoute,
    q: URLSearchParams,
    user: UserInfo,
    warnings: string[],
  ): Promise<void> {
    const type = this.core.registry.get(route.group, route.version, route.resource);
    if (!type) throw errors.noRoute();
    if (type.namespaced !== Boolean(route.namespace) && route.name !== undefined && type.namespaced)
      throw errors.noRoute();
    if (!type.namespaced && route.namespace) throw errors.noRoute();
    const watch = route.watchPrefix || flag(q, 'watch') === true;
    const verb = this.verbOf(method, route, watch);
    const attrs: RequestAttributes = {
      verb,
      path: req.url ?? '',
      resourceRequest: true,
      apiGroup: type.group,
      apiVersion: type.version,
      resource: type.resource,
      ...(route.subresource ? { subresource: route.subresource } : {}),
      ...(route.namespace ? { namespace: route.namespace } : {}),
      ...(route.name ? { name: route.name } : {}),
    };
    // a streaming subresource asked for without an upgrade (as the upgrade-aware proxy answers)
    if (type.group === '' && type.resource === 'pods' && route.subresource === 'exec') {
      throw errors.badRequest('Upgrade request required');
    }
    this.checkVerb(type, route, method, verb);
    if (!this.authorized(user, attrs)) {
      const on = route.subresource ? `${type.resource}/${route.subresource}` : type.resource;
      const scope = route.namespace
        ? ` in the namespace "${route.namespace}"`
        : type.namespaced
          ? ''
          : ' at the cluster scope';
      throw errors.forbidden(
        type,
        route.name ?? '',
        `User "${user.username}" cannot ${verb} resource "${on}" in API group "${type.group}"${scope}`,
      );
    }
    const output = negotiateOutput(req.headers.accept);
    const ns = route.namespace;
    const name = route.name ?? '';
    const userAgent = req.headers['user-agent'];
    if (type.group === 'authorization.k8s.io' && type.resource === 'selfsubjectaccessreviews') {
      const review = await this.readObjectBody(req);
      return this.send(res, 201, this.reviewAccess(review, user), output, warnings);
    }
    if (route.subresource === 'eviction' || route.subresource === 'binding') {
      const parsed = await this.readObjectBody(req);
      const status =
        route.subresource === 'eviction'
          ? await this.core.evict(ns, name, parsed)
          : await this.core.bind(ns, name, parsed, { userAgent });
      return this.send(res, 201, status, output, warnings);
    }
    if (route.subresource === 'log') return this.serveLog(req, res, ns, name, q);
    if (route.subresource === 'token') {
      const request = await this.readObjectBody(req, TOKEN_REQUEST);
      // the service account must exist (404 otherwise), and its uid binds the token to it
      const serviceAccount = await this.core.get(type, ns, name);
      const answer = this.serviceAccountTokens.issue(serviceAccount, request, {
        dryRun: dryRunParam(q, 'CreateOptions'),
      });
      return this.send(res, 201, answer, output, warnings);
    }

    if (verb === 'watch') {
      // a watch of one named object (legacy /watch/.../NAME) is a watch with metadata.name=NAME
      if (route.name !== undefined) {
        const selector = q.get('fieldSelector');
        q.set('fieldSelector', `metadata.name=${route.name}${selector ? `,${selector}` : ''}`);
      }
      return this.serveWatch(res, type, ns, q, output);
    }
    if (verb === 'list') {
      const list = await this.core.list(type, ns, {
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        limit: intParam(q, 'limit'),
        continue: q.get('continue') ?? undefined,
        resourceVersion: q.get('resourceVersion') ?? undefined,
        resourceVersionMatch: rvMatch(q),
      });
      return this.send(res, 200, this.renderList(type, list, output, q), output, warnings);
    }
    if (verb === 'get') {
      const obj =
        route.subresource === 'scale'
          ? await this.core.getScale(type, ns, name)
          : await this.core.get(type, ns, name);
      return this.send(res, 200, this.renderObject(type, obj, output, q), output, warnings);
    }
    if (verb === 'create' || verb === 'update') {
      const raw = await this.readBody(req);
      const sent = this.bodyContentType(req);
      // kubectl's typed generators and client-go send protobuf: decoded here, it is JSON from then on.
      // A subresource body (Scale, ...) is not the resource's kind, so only the envelope names it.
      const body =
        sent === PROTOBUF
          ? decodeKubernetesProtobuf(
              raw,
              route.subresource ? undefined : { apiVersion: apiVersionOf(type), kind: type.kind },
            )
          : raw;
      const contentType = sent === PROTOBUF ? 'application/json' : sent;
      const write: WriteOptions & { subresource?: string } = {
        dryRun: dryRunParam(q, verb === 'create' ? 'CreateOptions' : 'UpdateOptions'),
        fieldManager: q.get('fieldManager') ?? undefined,
        fieldValidation: fieldValidationParam(q, verb === 'create' ? 'CreateOptions' : 'UpdateOptions'),
        warnings,
        userAgent,
        contentType,
        ...(route.subresource ? { subresource: route.subresource } : {}),
      };
      if (verb === 'create') {
        const created = await this.core.create(type, ns, body, write);
        return this.send(res, 201, this.renderObject(type, created, output, q), output, warnings);
      }
      const updated = await this.core.update(type, ns, name, body, write);
      return this.send(res, 200, this.renderObject(type, updated, output, q), output, warnings);
    }
    if (verb === 'patch') {
      const body = await this.readBody(req);
      const force = flag(q, 'force');
      const { object, created } = await this.core.patchWithOutcome(
        type,
        ns,
        name,
        body,
        req.headers['content-type'] ?? '',
        {
          dryRun: dryRunParam(q, 'PatchOptions'),
          fieldManager: q.get('fieldManager') ?? undefined,
          fieldValidation: fieldValidationParam(q, 'PatchOptions'),
          warnings,
          userAgent,
          ...(force !== undefined ? { force } : {}),
          ...(route.subresource ? { subresource: route.subresource } : {}),
        },
      );
      return this.send(
        res,
        created ? 201 : 200,
        this.renderObject(type, object, output, q),
        output,
        warnings,
      );
    }
    // delete / deletecollection: options from the query, overridden by a DeleteOptions body
    const options = this.deleteOptions(q, await this.readObjectBody(req, DELETE_OPTIONS));
    if (verb === 'delete') {
      const result = await this.core.deleteWithOutcome(type, ns, name, options);
      const rendered =
        result.body.kind === 'Status'
          ? result.body
          : this.renderObject(type, result.body as KubeObject, output, q);
      return this.send(res, 200, rendered, output, warnings);
    }
    const list = await this.core.deleteCollection(type, ns, {
      ...options,
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
    });
    return this.send(res, 200, this.renderList(type, list, output, q), output, warnings);
  }

  private verbOf(method: string, route: ResourceRoute, watch: boolean): string {
    const named = route.name !== undefined;
    switch (method) {
      case 'GET':
      case 'HEAD':
        if (watch) return 'watch';
        return named ? 'get' : 'list';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return named ? 'delete' : 'deletecollection';
      default:
        throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  }

  private checkVerb(type: ResourceType, route: ResourceRoute, method: string, verb: string): void {
    const notAllowed = (): never => {
      throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    };
    if (route.subresource) {
      const sub = route.subresource;
      const isNamespace = type.group === '' && type.resource === 'namespaces';
      const podSub =
        ['eviction', 'binding', 'log', 'token'].includes(sub) &&
        type.subresources[sub as 'eviction' | 'binding' | 'log' | 'token'];
      const known =
        (sub === 'status' && type.subresources.status) ||
        (sub === 'scale' && type.subresources.scale) ||
        (sub === 'finalize' && isNamespace) ||
        podSub;
      if (!known) throw errors.noRoute();
      const allowed =
        sub === 'finalize'
          ? ['update']
          : sub === 'log'
            ? ['get']
            : podSub
              ? ['create']
              : ['get', 'update', 'patch'];
      if (!allowed.includes(verb)) notAllowed();
      return;
    }
    if (verb === 'create' && route.name !== undefined) notAllowed();
    // the all-namespaces path of a namespaced resource only lists and watches (installer.go)
    if (type.namespaced && !route.namespace && !['list', 'watch'].includes(verb)) notAllowed();
    if (verb === 'update' || verb === 'patch') {
      if (route.name === undefined) notAllowed();
    }
    if (!type.verbs.includes(verb)) notAllowed();
    void method;
  }

  private bodyContentType(req: http.IncomingMessage): string {
    const ct = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
    if (ct === '' || ct === 'application/json' || ct === '*/*') return 'application/json';
    if (ct === 'application/yaml') return 'application/yaml';
    if (ct === PROTOBUF) return PROTOBUF;
    throw new ApiError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
      reason: 'UnsupportedMediaType',
      code: 415,
    });
  }

  /**
   * Reads a JSON, YAML or protobuf body into an object (an empty body reads as `{}`); `expected`
   * names the type when a protobuf envelope leaves it out.
   */
  private async readObjectBody(req: http.IncomingMessage, expected?: ExpectedType): Promise<unknown> {
    const raw = await this.readBody(req);
    if (raw.toString('utf8').trim() === '') return {};
    const contentType = this.bodyContentType(req);
    if (contentType === PROTOBUF) return decodeKubernetesProtobuf(raw, expected);
    if (contentType === 'application/yaml') {
      try {
        return (parseYaml(raw.toString('utf8')) as unknown) ?? {};
      } catch (e) {
        throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message}`);
      }
    }
    return this.parseJson(raw);
  }

  private parseJson(body: Buffer): unknown {
    const text = body.toString('utf8').trim();
    if (!text) return {};
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
  }

  /** SelfSubjectAccessReview (`kubectl auth can-i`): the authorizer's answer for the caller. */
  private reviewAccess(body: unknown, user: UserInfo): unknown {
    const review = body as {
      spec?: {
        resourceAttributes?: Record<string, string>;
        nonResourceAttributes?: { path?: string; verb?: string };
      };
    };
    const ra = review.spec?.resourceAttributes;
    const nra = review.spec?.nonResourceAttributes;
    const attrs: RequestAttributes = ra
      ? {
          verb: ra.verb ?? '',
          path: '',
          resourceRequest: true,
          apiGroup: ra.group ?? '',
          apiVersion: ra.version ?? '',
          resource: ra.resource ?? '',
          ...(ra.subresource ? { subresource: ra.subresource } : {}),
          ...(ra.namespace ? { namespace: ra.namespace } : {}),
          ...(ra.name ? { name: ra.name } : {}),
        }
      : { verb: nra?.verb ?? '', path: nra?.path ?? '', resourceRequest: false };
    const allowed = this.authorized(user, attrs);
    return {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: review.spec ?? {},
      status: { allowed, ...(allowed && !this.opts.authorize ? { reason: 'allow-all authorizer' } : {}) },
    };
  }

  private deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
    const opts: DeleteOptions = {};
    const grace = intParam(q, 'gracePeriodSeconds');
    if (grace !== undefined) opts.gracePeriodSeconds = grace;
    const policy = q.get('propagationPolicy');
    if (policy) opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
    const orphan = flag(q, 'orphanDependents');
    if (orphan !== undefined) opts.orphanDependents = orphan;
    if (dryRunParam(q, 'DeleteOptions')) opts.dryRun = true;
    {
      if (body && typeof body === 'object') {
        const b = body as {
          gracePeriodSeconds?: number;
          propagationPolicy?: string;
          orphanDependents?: boolean;
          preconditions?: DeleteOptions['preconditions'];
          dryRun?: string[];
        };
        if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null)
          opts.gracePeriodSeconds = b.gracePeriodSeconds;
        if (b.propagationPolicy)
          opts.propagationPolicy = b.propagationPolicy as DeleteOptions['propagationPolicy'];
        if (b.orphanDependents !== undefined && b.orphanDependents !== null)
          opts.orphanDependents = b.orphanDependents;
        if (b.preconditions) opts.preconditions = b.preconditions;
        if (Array.isArray(b.dryRun) && b.dryRun.includes('All')) opts.dryRun = true;
      }
    }
    if (opts.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)) {
      throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'propagationPolicy',
          message: `Unsupported value: ${JSON.stringify(opts.propagationPolicy)}: supported values: "Foreground", "Background", "Orphan", "nil"`,
        },
      ]);
    }
    if (opts.propagationPolicy && opts.orphanDependents !== undefined) {
      throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueInvalid',
          field: 'propagationPolicy',
          message: `Invalid value: ${JSON.stringify(opts.propagationPolicy)}: orphanDependents and deletionPropagation cannot be both set`,
        },
      ]);
    }
    return opts;
  }

  private includeObject(q: URLSearchParams): IncludeObject {
    const v = q.get('includeObject');
    return v === 'None' || v === 'Object' ? v : 'Metadata';
  }

  private renderObject(type: ResourceType, obj: KubeObject, output: Output, q: URLSearchParams): unknown {
    if (output.kind === 'object') return obj;
    if (output.kind === 'metadata') return peer.partialObjectMetadata(obj, output.apiVersion);
    if (obj.kind === 'Scale') return obj;
    return peer.toTable(type, [obj], {
      includeObject: this.includeObject(q),
      apiVersion: output.apiVersion,
      listMeta: { resourceVersion: obj.metadata.resourceVersion ?? '' },
      now: new Date(),
    });
  }

  private renderList(type: ResourceType, list: KubeList, output: Output, q: URLSearchParams): unknown {
    if (output.kind === 'object') return list;
    if (output.kind === 'metadata') {
      return {
        kind: 'PartialObjectMetadataList',
        apiVersion: output.apiVersion,
        metadata: list.metadata,
        items: list.items.map((o) => peer.partialObjectMetadata(o, output.apiVersion)),
      };
    }
    return peer.toTable(type, list.items, {
      includeObject: this.includeObject(q),
      apiVersion: output.apiVersion,
      listMeta: list.metadata as unknown as JsonObject,
      now: new Date(),
    });
  }

  private send(
    res: http.ServerResponse,
    code: number,
    body: unknown,
    output: Output,
    warnings: string[],
  ): void {
    if (warnings.length) res.setHeader('Warning', warnings.map(warningHeader));
    const yaml = output.kind === 'object' && output.yaml;
    res.writeHead(code, { 'Content-Type': yaml ? 'application/yaml' : 'application/json' });
    res.end(yaml ? toYaml(body) : JSON.stringify(body));
  }

  private sendError(res: http.ServerResponse, e: unknown, warnings: string[]): void {
    const status: Status = e instanceof ApiError ? e.status : errors.internal(e).status;
    if (!(e instanceof ApiError))
      this.logger.error('internal error serving a request', {
        error: e instanceof Error ? e.stack : String(e),
      });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (warnings.length) res.setHeader('Warning', warnings.map(warningHeader));
    res.writeHead(status.code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(status));
  }

  /**
   * `GET pods/NAME/log`: the container's log as text/plain (pkg/registry/core/pod/rest/log.go);
   * with follow=true the response streams until the container ends or the client goes away.
   */
  private async serveLog(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    namespace: string,
    name: string,
    q: URLSearchParams,
  ): Promise<void> {
    const options = podLogOptions(q);
    // a missing pod is a 404 whether or not anything runs it
    await this.core.get(this.core.typeOf('', 'v1', 'pods'), namespace, name);
    if (!this.opts.podLogs) {
      // no kubelet runs pods here: logs are empty
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : '');
      return;
    }
    const ac = new AbortController();
    const stream = this.opts.podLogs.stream(namespace, name, { ...options, signal: ac.signal });
    const stop = (): void => ac.abort();
    res.on('close', stop);
    try {
      let started = false;
      for await (const chunk of stream) {
        if (!started) {
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
          started = true;
        }
        if (res.destroyed) break;
        // honour backpressure from a slow client
        if (!res.write(chunk as Buffer))
          await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
      }
      if (!started) res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end();
    } finally {
      res.off('close', stop);
      ac.abort();
      stream.destroy();
    }
  }

  private async serveWatch(
    res: http.ServerResponse,
    type: ResourceType,
    namespace: string,
    q: URLSearchParams,
    output: Output,
  ): Promise<void> {
    const ac = new AbortController();
    const events = this.core.watch(
      type,
      namespace,
      {
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        resourceVersion: q.get('resourceVersion') ?? undefined,
        resourceVersionMatch: rvMatch(q),
        allowWatchBookmarks: flag(q, 'allowWatchBookmarks') === true,
        ...(flag(q, 'sendInitialEvents') !== undefined
          ? { sendInitialEvents: flag(q, 'sendInitialEvents') }
          : {}),
      },
      ac.signal,
    );
    const timeoutSeconds = intParam(q, 'timeoutSeconds');
    const timeoutMs =
      (timeoutSeconds && timeoutSeconds > 0 ? timeoutSeconds : MIN_REQUEST_TIMEOUT_S * (1 + Math.random())) *
      1000;
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    // the response closes when the client goes away: that releases the store's watcher
    const stop = (): void => ac.abort();
    res.on('close', stop);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    let first = true;
    try {
      for await (const ev of events) {
        if (ac.signal.aborted) break;
        const line = JSON.stringify(this.renderEvent(type, ev, output, q, first)) + '\n';
        if (ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') first = false;
        // Backpressure: a client that reads slowly makes events wait in the store's per-watcher queue,
        // which ends a watcher that falls too far behind (as the cacher's cache_watcher does), instead of
        // piling up without bound in this response's buffer.
        if (!res.write(line)) await waitForDrain(res, ac.signal);
        if (ev.type === 'ERROR') break;
      }
    } catch (e) {
      if (!ac.signal.aborted) {
        const status = e instanceof ApiError ? e.status : errors.internal(e).status;
        res.write(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
      }
    } finally {
      clearTimeout(timer);
      res.off('close', stop);
      ac.abort();
      res.end();
    }
  }

  private renderEvent(
    type: ResourceType,
    ev: WatchEvent,
    output: Output,
    q: URLSearchParams,
    first: boolean,
  ): WatchEvent | { type: string; object: unknown } {
    if (ev.type === 'ERROR' || output.kind === 'object') return ev;
    const obj = ev.object as KubeObject;
    if (output.kind === 'metadata')
      return { type: ev.type, object: peer.partialObjectMetadata(obj, output.apiVersion) };
    if (ev.type === 'BOOKMARK') return ev;
    // only the first event of a Table watch carries the column definitions (as kube-apiserver's watch encoder)
    const table = peer.toTable(type, [obj], {
      includeObject: this.includeObject(q),
      apiVersion: output.apiVersion,
      listMeta: { resourceVersion: obj.metadata.resourceVersion ?? '' },
      now: new Date(),
      noHeaders: !first,
    });
    return { type: ev.type, object: table };
  }
}

/** Resolves when `res` can take more data, or when it closes or the watch ends. */
function waitForDrain(res: http.ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    if (signal.aborted) return resolve();
    res.once('drain', done);
    res.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
