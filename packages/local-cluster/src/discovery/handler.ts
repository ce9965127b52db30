import type { ResourceRegistry } from '../registry/index.js';
import { builtinTypes, type TypeSet } from '../schema/index.js';
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  versionInfo,
  type AggregatedVersion,
  type VersionInfo,
} from './documents.js';
import { encodeOpenApiV2Protobuf } from './gnostic.js';
import {
  openApiDocumentHash,
  openApiV2Document,
  openApiV3Document,
  openApiV3PathKey,
  type CustomSchemaSource,
} from './openapi-documents.js';
import { parseMediaRanges } from '../api/index.js';

/** What the HTTP layer sends for a discovery request. */
export interface DiscoveryResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** How a {@link DiscoveryHandler} is set up; everything but the registry has a default. */
export interface DiscoveryOptions {
  registry: ResourceRegistry;
  /** The built-in schema (default: schema/'s `builtinTypes`). */
  types?: TypeSet;
  /**
   * The `openAPIV3Schema` of a custom resource version. Default: the type's own `openAPIV3Schema`
   * (without one, a custom kind is published as an object preserving unknown fields).
   */
  customSchema?: CustomSchemaSource;
  /** `host:port` clients reach the server at, for `/api`'s serverAddressByClientCIDRs. */
  serverAddress?: string | (() => string);
  /** Overrides of the `/version` document. */
  version?: Partial<VersionInfo>;
}

/** Request headers that change a discovery answer. */
export interface DiscoveryRequestHeaders {
  ifNoneMatch?: string;
}

const JSON_TYPE = 'application/json';
/**
 * Clients ask for `...spec.v2@v1.0+protobuf`, but Go's mime parser rejects the `@`, so the answer
 * names the dotted variant, as k8s.io/kube-openapi/pkg/handler does.
 */
const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * Picks aggregated discovery when the first acceptable media range asks for it, in the client's
 * order (client-go sends v2, then v2beta1, then plain JSON; kubectl 1.27 sends v2beta1 first).
 * Protobuf ranges are skipped: this server answers discovery in JSON only.
 */
export function negotiateDiscovery(accept: string | undefined): AggregatedVersion | undefined {
  for (const range of parseMediaRanges(accept)) {
    const jsonLike = range.type === JSON_TYPE || range.type === 'application/*' || range.type === '*/*';
    if (!jsonLike) continue;
    if (range.params.g === undefined && range.params.as === undefined) return undefined;
    if (
      range.params.g === 'apidiscovery.k8s.io' &&
      range.params.as === 'APIGroupDiscoveryList' &&
      (range.params.v === 'v2' || range.params.v === 'v2beta1')
    ) {
      return range.params.v;
    }
  }
  return undefined;
}

function jsonResponse(body: unknown, extra: Record<string, string> = {}): DiscoveryResponse {
  return { status: 200, headers: { 'Content-Type': JSON_TYPE, ...extra }, body: JSON.stringify(body) };
}

interface CachedDocument {
  body: string | Buffer;
  hash: string;
}

/**
 * Serves `/version`, `/api`, `/apis` (plain and aggregated), `/api/v1`, `/apis/<g>[/<v>]`,
 * `/openapi/v2` (JSON and gnostic protobuf) and `/openapi/v3[/<gv>]`, built from the registry
 * and cached until the registry changes.
 */
export class DiscoveryHandler {
  private readonly registry: ResourceRegistry;
  private readonly types: TypeSet;
  private readonly customSchema: CustomSchemaSource;
  private readonly serverAddress: () => string;
  private readonly version: Partial<VersionInfo>;
  private readonly cache = new Map<string, CachedDocument>();
  private readonly stop: () => void;

  constructor(options: DiscoveryOptions) {
    this.registry = options.registry;
    this.types = options.types ?? builtinTypes;
    this.customSchema = options.customSchema ?? ((type) => type.openAPIV3Schema);
    const address = options.serverAddress ?? '127.0.0.1:6443';
    this.serverAddress = typeof address === 'function' ? address : () => address;
    this.version = options.version ?? {};
    this.stop = this.registry.onChange(() => this.invalidate());
  }

  /** Drops every cached document (the registry's changes do this by themselves). */
  invalidate(): void {
    this.cache.clear();
  }

  /** Stops listening to the registry. */
  close(): void {
    this.stop();
  }

  /**
   * Answers a discovery or OpenAPI request, or returns undefined when the path is not one of
   * them (or the method is not GET/HEAD) so the caller routes it elsewhere. `path` may carry a query.
   */
  handle(
    method: string,
    path: string,
    accept?: string,
    headers: DiscoveryRequestHeaders = {},
  ): DiscoveryResponse | undefined {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const url = new URL(path, 'http://discovery.invalid');
    const pathname = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const parts = pathname.split('/').filter(Boolean);

    if (pathname === '/version') return jsonResponse(versionInfo(this.version));
    if (pathname === '/api') return this.discoveryRoot('api', accept);
    if (pathname === '/apis') return this.discoveryRoot('apis', accept);
    if (parts[0] === 'api' && parts.length === 2) {
      const doc = apiResourceList(this.registry, '', parts[1] as string);
      return doc && parts[1] === 'v1' ? jsonResponse(doc) : undefined;
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const doc = apiGroup(this.registry, parts[1] as string);
      return doc ? jsonResponse(doc) : undefined;
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const doc = apiResourceList(this.registry, parts[1] as string, parts[2] as string);
      return doc ? jsonResponse(doc) : undefined;
    }
    if (pathname === '/openapi/v2') return this.openApiV2(accept, headers);
    if (pathname === '/openapi/v3')
      return jsonResponse(this.openApiV3Index(), { 'Cache-Control': 'no-cache, private' });
    if (parts[0] === 'openapi' && parts[1] === 'v3' && parts.length > 2) {
      return this.openApiV3(parts.slice(2).join('/'), url.searchParams.get('hash'), headers);
    }
    return undefined;
  }

  private discoveryRoot(which: 'api' | 'apis', accept: string | undefined): DiscoveryResponse {
    const aggregated = negotiateDiscovery(accept);
    if (!aggregated) {
      return jsonResponse(which === 'api' ? apiVersions(this.serverAddress()) : apiGroupList(this.registry), {
        Vary: 'Accept',
      });
    }
    const doc = this.cached(`aggregated:${which}:${aggregated}`, () =>
      JSON.stringify(aggregatedDiscovery(this.registry, which, aggregated)),
    );
    return {
      status: 200,
      headers: {
        // client-go checks these parameters to tell the aggregated document from the plain one.
        'Content-Type': `${JSON_TYPE};g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`,
        Vary: 'Accept',
        ETag: `"${doc.hash}"`,
      },
      body: doc.body,
    };
  }

  private openApiV2(accept: string | undefined, headers: DiscoveryRequestHeaders): DiscoveryResponse {
    const wantsProtobuf = parseMediaRanges(accept).some((r) =>
      r.type.startsWith('application/com.github.proto-openapi.spec.v2'),
    );
    const json = this.cached('openapi:v2:json', () =>
      JSON.stringify(openApiV2Document(this.registry.all(), this.types, this.customSchema)),
    );
    const doc = wantsProtobuf
      ? this.cached('openapi:v2:protobuf', () => encodeOpenApiV2Protobuf(JSON.parse(json.body as string)))
      : json;
    const etag = `"${doc.hash}"`;
    const common = { ETag: etag, Vary: 'Accept', 'Cache-Control': 'no-cache, private' };
    if (headers.ifNoneMatch === etag) return { status: 304, headers: common, body: '' };
    return {
      status: 200,
      headers: { 'Content-Type': wantsProtobuf ? V2_PROTOBUF : JSON_TYPE, ...common },
      body: doc.body,
    };
  }

  private groupVersions(): { group: string; version: string }[] {
    const seen = new Set<string>();
    const out: { group: string; version: string }[] = [];
    for (const t of this.registry.all()) {
      const key = openApiV3PathKey(t.group, t.version);
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ group: t.group, version: t.version });
      }
    }
    return out;
  }

  private v3Document(key: string): CachedDocument | undefined {
    const gv = this.groupVersions().find((g) => openApiV3PathKey(g.group, g.version) === key);
    if (!gv) return undefined;
    return this.cached(`openapi:v3:${key}`, () => {
      const types = this.registry.all().filter((t) => t.group === gv.group && t.version === gv.version);
      return JSON.stringify(openApiV3Document(types, this.types, this.customSchema));
    });
  }

  private openApiV3Index(): Record<string, unknown> {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const gv of this.groupVersions()) {
      const key = openApiV3PathKey(gv.group, gv.version);
      const doc = this.v3Document(key) as CachedDocument;
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
    }
    return { paths };
  }

  private openApiV3(
    key: string,
    hash: string | null,
    headers: DiscoveryRequestHeaders,
  ): DiscoveryResponse | undefined {
    const doc = this.v3Document(key);
    if (!doc) return undefined;
    const etag = `"${doc.hash}"`;
    if (hash !== null && hash !== doc.hash) {
      // A stale link: kube-openapi's handler3 redirects to the current hash.
      return {
        status: 301,
        headers: { Location: `/openapi/v3/${key}?hash=${doc.hash}`, 'Cache-Control': 'no-cache, private' },
        body: '',
      };
    }
    const caching: Record<string, string> =
      hash !== null
        ? {
            'Cache-Control': 'public, immutable',
            Expires: new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString(),
          }
        : { 'Cache-Control': 'no-cache, private' };
    if (headers.ifNoneMatch === etag) return { status: 304, headers: { ETag: etag, ...caching }, body: '' };
    return { status: 200, headers: { 'Content-Type': JSON_TYPE, ETag: etag, ...caching }, body: doc.body };
  }

  private cached(key: string, build: () => string | Buffer): CachedDocument {
    let doc = this.cache.get(key);
    if (!doc) {
      const body = build();
      doc = { body, hash: openApiDocumentHash(body) };
      this.cache.set(key, doc);
    }
    return doc;
  }
}
