/**
 * A small in-memory API server over HTTP for client tests: discovery, and list/watch/get/create/
 * update/merge-patch/delete for registered resources. Not a Kubernetes implementation: just
 * enough wire behaviour to exercise the client's transport, paths, headers and streaming.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../types.js';

export interface FakeResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  subresources?: string[];
}

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Watcher {
  resource: string;
  namespace: string;
  res: http.ServerResponse;
}

export const TOKEN = 'test-token';

export class FakeApiServer {
  rev = 1000;
  readonly resources: FakeResource[] = [
    { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true },
    { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false },
    {
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
      kind: 'Deployment',
      namespaced: true,
      subresources: ['status', 'scale'],
    },
  ];
  /** resource path key (`/configmaps`) → `ns/name` → object. */
  readonly objects = new Map<string, Map<string, KubeObject>>();
  readonly requests: RecordedRequest[] = [];
  private readonly watchers = new Set<Watcher>();
  /** While set, watch events are queued instead of sent. */
  holdWatchEvents = false;
  private held: { resource: string; namespace: string; line: string }[] = [];
  /** Every event sent, for watches that resume from a resourceVersion. */
  private history: { rev: number; resource: string; namespace: string; line: string }[] = [];
  private server!: http.Server;
  url = '';

  static async start(): Promise<FakeApiServer> {
    const s = new FakeApiServer();
    s.server = http.createServer((req, res) => void s.handle(req, res));
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: this.url }],
      users: [{ name: 'u', token: TOKEN }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u', namespace: 'team-a' }],
      currentContext: 'x',
    });
    return kc;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Resolves once at least `n` watches are open. */
  async waitForWatches(n = 1): Promise<void> {
    while (this.watchers.size < n) await new Promise((r) => setTimeout(r, 2));
  }

  /** Closes every open watch (as a server restart or a cut connection would). */
  cutWatches(): void {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
  }

  releaseWatchEvents(): void {
    this.holdWatchEvents = false;
    const held = this.held;
    this.held = [];
    for (const h of held) this.deliver(h.resource, h.namespace, h.line);
  }

  private key(r: FakeResource): string {
    return `${r.group}/${r.resource}`;
  }

  store(r: FakeResource): Map<string, KubeObject> {
    let m = this.objects.get(this.key(r));
    if (!m) this.objects.set(this.key(r), (m = new Map()));
    return m;
  }

  /** Writes an object directly (no watch event when quiet). */
  put(resource: string, obj: KubeObject, quiet = false): KubeObject {
    const r = this.resources.find((x) => x.resource === resource)!;
    const k = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const existed = this.store(r).has(k);
    const stored = {
      ...obj,
      metadata: {
        ...obj.metadata,
        resourceVersion: String(++this.rev),
        uid: obj.metadata.uid ?? `uid-${this.rev}`,
      },
    };
    this.store(r).set(k, stored);
    if (!quiet) this.emit(r, existed ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  private emit(r: FakeResource, type: string, obj: KubeObject): void {
    const line = JSON.stringify({ type, object: obj }) + '\n';
    const ns = obj.metadata.namespace ?? '';
    if (this.holdWatchEvents) this.held.push({ resource: this.key(r), namespace: ns, line });
    else this.deliver(this.key(r), ns, line);
  }

  private deliver(resource: string, namespace: string, line: string): void {
    this.history.push({ rev: this.rev, resource, namespace, line });
    for (const w of this.watchers)
      if (w.resource === resource && (!w.namespace || w.namespace === namespace)) w.res.write(line);
  }

  private status(res: http.ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        reason,
        message,
        code,
      }),
    );
  }

  private json(res: http.ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const url = new URL(req.url!, this.url);
    this.requests.push({ method: req.method!, url, headers: req.headers, body });
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    const p = url.pathname;
    if (p === '/api') return this.json(res, 200, { kind: 'APIVersions', versions: ['v1'] });
    if (p === '/apis') {
      const groups = [...new Set(this.resources.filter((r) => r.group).map((r) => r.group))];
      return this.json(res, 200, {
        kind: 'APIGroupList',
        groups: groups.map((g) => {
          const versions = [...new Set(this.resources.filter((r) => r.group === g).map((r) => r.version))];
          return {
            name: g,
            versions: versions.map((v) => ({ groupVersion: `${g}/${v}`, version: v })),
            preferredVersion: { groupVersion: `${g}/${versions[0]}`, version: versions[0] },
          };
        }),
      });
    }
    const m =
      /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?(?:\/([^/]+))?(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
        p,
      );
    if (!m) return this.status(res, 404, 'NotFound', '404 page not found');
    const group = m[2] ?? '';
    const version = m[1] ?? m[3]!;
    const namespace = m[4] ?? '';
    const [resource, name, sub] = [m[5], m[6], m[7]];
    if (!resource) {
      const rs = this.resources.filter((r) => r.group === group && r.version === version);
      if (rs.length === 0)
        return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
      return this.json(res, 200, {
        kind: 'APIResourceList',
        groupVersion: group ? `${group}/${version}` : version,
        resources: rs.flatMap((r) => [
          {
            name: r.resource,
            singularName: r.kind.toLowerCase(),
            namespaced: r.namespaced,
            kind: r.kind,
            verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
          },
          ...(r.subresources ?? []).map((s) => ({
            name: `${r.resource}/${s}`,
            singularName: '',
            namespaced: r.namespaced,
            kind: s === 'scale' ? 'Scale' : r.kind,
            verbs: ['get', 'update', 'patch'],
          })),
        ]),
      });
    }
    const r = this.resources.find(
      (x) => x.group === group && x.version === version && x.resource === resource,
    );
    if (!r) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const store = this.store(r);
    const apiVersion = group ? `${group}/${version}` : version;
    if (!name) {
      if (req.method === 'GET' && url.searchParams.get('watch') === 'true')
        return this.watch(r, namespace, url, res);
      if (req.method === 'GET') {
        const all = [...store.entries()]
          .filter(([k]) => !namespace || k.startsWith(`${namespace}/`))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([, o]) => o);
        const limit = Number(url.searchParams.get('limit') ?? 0) || all.length;
        const cont = url.searchParams.get('continue');
        const [snapshot, offset] = cont
          ? [cont.split(':')[0]!, Number(cont.split(':')[1])]
          : [String(this.rev), 0];
        const items = all.slice(offset, offset + limit);
        const more = offset + limit < all.length;
        const meta = (req.headers.accept ?? '').includes('as=PartialObjectMetadataList');
        return this.json(res, 200, {
          kind: meta ? 'PartialObjectMetadataList' : `${r.kind}List`,
          apiVersion: meta ? 'meta.k8s.io/v1' : apiVersion,
          metadata: {
            resourceVersion: snapshot,
            ...(more
              ? { continue: `${snapshot}:${offset + limit}`, remainingItemCount: all.length - offset - limit }
              : {}),
          },
          items: meta
            ? items.map((o) => ({ metadata: o.metadata }))
            : items.map((o) => ({ ...o, apiVersion: undefined, kind: undefined })),
        });
      }
      if (req.method === 'POST') {
        const obj = JSON.parse(body) as KubeObject;
        obj.metadata.namespace = r.namespaced ? namespace : undefined;
        if (store.has(`${namespace}/${obj.metadata.name}`))
          return this.status(res, 409, 'AlreadyExists', `${resource} "${obj.metadata.name}" already exists`);
        if (url.searchParams.get('dryRun') === 'All') return this.json(res, 201, obj);
        return this.json(res, 201, this.put(resource, obj));
      }
      return this.status(res, 405, 'MethodNotAllowed', 'no');
    }
    const k = `${namespace}/${name}`;
    const existing = store.get(k);
    if (!existing) return this.status(res, 404, 'NotFound', `${resource} "${name}" not found`);
    if (req.method === 'GET') {
      if (sub === 'scale')
        return this.json(res, 200, {
          apiVersion: 'autoscaling/v1',
          kind: 'Scale',
          metadata: { name, namespace },
          spec: { replicas: (existing.spec as { replicas?: number } | undefined)?.replicas ?? 1 },
        });
      return this.json(res, 200, existing);
    }
    if (req.method === 'PUT') {
      const obj = JSON.parse(body) as KubeObject;
      if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== existing.metadata.resourceVersion)
        return this.status(
          res,
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified`,
        );
      return this.json(
        res,
        200,
        this.put(resource, { ...obj, metadata: { ...obj.metadata, namespace: existing.metadata.namespace } }),
      );
    }
    if (req.method === 'PATCH') {
      const patch = JSON.parse(body) as Record<string, unknown>;
      if (sub === 'scale') {
        const replicas = (patch.spec as { replicas: number }).replicas;
        const updated = this.put(resource, { ...existing, spec: { ...(existing.spec as object), replicas } });
        return this.json(res, 200, {
          apiVersion: 'autoscaling/v1',
          kind: 'Scale',
          metadata: { name, namespace, resourceVersion: updated.metadata.resourceVersion },
          spec: { replicas },
        });
      }
      const merged = {
        ...existing,
        ...patch,
        metadata: { ...existing.metadata, ...(patch.metadata as object | undefined) },
      } as KubeObject;
      return this.json(res, 200, this.put(resource, merged));
    }
    if (req.method === 'DELETE') {
      const opts = body
        ? (JSON.parse(body) as { preconditions?: { resourceVersion?: string }; dryRun?: string[] })
        : {};
      if (
        opts.preconditions?.resourceVersion &&
        opts.preconditions.resourceVersion !== existing.metadata.resourceVersion
      )
        return this.status(res, 409, 'Conflict', 'precondition failed');
      if (opts.dryRun) return this.json(res, 200, existing);
      store.delete(k);
      const gone = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.rev) } };
      this.emit(r, 'DELETED', gone);
      return this.json(res, 200, gone);
    }
    return this.status(res, 405, 'MethodNotAllowed', 'no');
  }

  private watch(r: FakeResource, namespace: string, url: URL, res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const w: Watcher = { resource: this.key(r), namespace, res };
    const rv = url.searchParams.get('resourceVersion');
    if (!rv) {
      for (const o of this.store(r).values())
        if (!namespace || o.metadata.namespace === namespace)
          res.write(JSON.stringify({ type: 'ADDED', object: o }) + '\n');
    } else {
      for (const h of this.history) {
        if (h.rev > Number(rv) && h.resource === w.resource && (!namespace || h.namespace === namespace))
          res.write(h.line);
      }
    }
    this.watchers.add(w);
    res.on('close', () => this.watchers.delete(w));
  }

  /** Sends a raw line to every watch of a resource. */
  sendRaw(resource: string, line: string): void {
    for (const w of this.watchers) if (w.resource.endsWith(`/${resource}`)) w.res.write(line);
  }
}
