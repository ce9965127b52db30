/**
 * Cluster DNS for processes started by the local cluster's runtime: a hosts file per namespace,
 * rewritten when Services or Pods change, read through libnss_wrapper
 * (`LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_HOSTS=<file>`), which stands in for CoreDNS and the
 * pod's resolv.conf. nss_wrapper re-reads a hosts file whose inode or mtime changed, so files are
 * replaced atomically.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  lookup as dnsLookup,
  type LookupAddress,
  type LookupOneOptions,
  type LookupAllOptions,
} from 'node:dns';
import type { KubeObject } from '../api/index.js';
import type { ApiCore } from '../apiserver/index.js';
import { DnsRecords, type DnsRecord } from './records.js';

let nssWrapperCache: string | null | undefined;

/**
 * Where libnss_wrapper.so is (Debian package libnss-wrapper), or undefined. `OPKIT_NSS_WRAPPER`
 * overrides the search.
 */
export function findNssWrapper(): string | undefined {
  if (nssWrapperCache !== undefined) return nssWrapperCache ?? undefined;
  const triplet = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const candidates = [
    process.env.OPKIT_NSS_WRAPPER,
    `/usr/lib/${triplet}/libnss_wrapper.so`,
    '/usr/lib64/libnss_wrapper.so',
    '/usr/lib/libnss_wrapper.so',
  ].filter((p): p is string => !!p);
  let found = candidates.find((p) => existsSync(p));
  if (!found) {
    try {
      found = execFileSync('dpkg', ['-L', 'libnss-wrapper'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .split('\n')
        .find((l) => /libnss_wrapper\.so$/.test(l) && existsSync(l));
    } catch {
      found = undefined;
    }
  }
  nssWrapperCache = found ?? null;
  return found;
}

/** Options of {@link ClusterDns}. */
export interface ClusterDnsOptions {
  /** Where the hosts files are written. */
  directory: string;
  /** The cluster domain (default `cluster.local`). */
  clusterDomain?: string;
  /** Extra fixed records (node names). */
  extraRecords?: () => DnsRecord[];
}

/** Keeps the cluster's DNS records and hosts files current. */
export class ClusterDns {
  readonly domain: string;
  private current: DnsRecords;
  private readonly written = new Map<string, string>();
  private unsubscribe: (() => void) | undefined;
  private pending: NodeJS.Immediate | undefined;

  private constructor(
    private readonly core: ApiCore,
    private readonly opts: ClusterDnsOptions,
  ) {
    this.domain = opts.clusterDomain ?? 'cluster.local';
    this.current = new DnsRecords(this.domain);
    mkdirSync(opts.directory, { recursive: true });
  }

  /** Computes the records and follows changes of Services and Pods. */
  static start(core: ApiCore, opts: ClusterDnsOptions): ClusterDns {
    const dns = new ClusterDns(core, opts);
    dns.refresh();
    dns.unsubscribe = core.store.subscribe(
      (e) => {
        if (e.key.resource === '/pods' || e.key.resource === '/services' || e.key.resource === '/namespaces')
          dns.schedule();
      },
      { shared: true },
    );
    return dns;
  }

  /** The records as of the last refresh. */
  get records(): DnsRecords {
    return this.current;
  }

  /** The hosts file processes of `namespace` read (created on first use). */
  hostsFile(namespace: string): string {
    const file = join(this.opts.directory, `hosts.${namespace}`);
    if (!this.written.has(namespace)) this.writeHosts(namespace);
    return file;
  }

  /** Environment that makes cluster names resolve for a process of `namespace`; empty without nss_wrapper. */
  processEnv(namespace: string): Record<string, string> {
    const lib = findNssWrapper();
    if (!lib) return {};
    // Go binaries (etcd) use their own resolver unless told to go through libc
    return { LD_PRELOAD: lib, NSS_WRAPPER_HOSTS: this.hostsFile(namespace), GODEBUG: 'netdns=cgo' };
  }

  /** Recomputes the records and rewrites changed hosts files now. */
  refresh(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    const list = (resource: string): KubeObject[] => this.core.store.list(resource, {}).items;
    this.current = DnsRecords.compute(list('/services'), list('/pods'), this.domain);
    const namespaces = new Set([
      ...this.written.keys(),
      ...list('/namespaces').map((n) => n.metadata.name ?? ''),
    ]);
    for (const ns of namespaces) if (ns) this.writeHosts(ns);
  }

  /** Stops following changes. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.refresh();
    });
  }

  private writeHosts(namespace: string): void {
    const content = this.current.hostsFile(namespace, this.opts.extraRecords?.() ?? []);
    if (this.written.get(namespace) === content) return;
    const file = join(this.opts.directory, `hosts.${namespace}`);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, file);
    this.written.set(namespace, content);
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** Options of {@link ClusterResolver}. */
export interface ClusterResolverOptions {
  /** The namespace whose short names resolve (default `default`), as for a pod there. */
  namespace?: string;
}

/**
 * Resolves cluster names for Node.js code running outside the cluster (an operator under test):
 * `lookup('etcd-0.etcd.ns.svc.cluster.local')`, or `lookupFunction` as the `lookup` option of
 * `net.connect`/`http.request`, which falls back to the system resolver for other names.
 */
export class ClusterResolver {
  constructor(
    private readonly records: () => DnsRecords,
    private readonly opts: ClusterResolverOptions = {},
  ) {}

  /** The first address of a name, or undefined. */
  lookup(name: string): string | undefined {
    return this.lookupAll(name)[0];
  }

  /** Every address of a name. */
  lookupAll(name: string): string[] {
    return this.records().resolve(name, this.opts.namespace ?? 'default');
  }

  /** A `dns.lookup`-compatible function: cluster names first, then the system resolver. */
  readonly lookupFunction = (
    hostname: string,
    options: LookupOneOptions | LookupAllOptions | number | LookupCallback,
    callback?: LookupCallback,
  ): void => {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const o = typeof options === 'object' ? options : {};
    const found = this.lookupAll(hostname);
    if (!found.length) {
      dnsLookup(hostname, { ...(o as LookupAllOptions), all: true }, (err, addrs) => {
        if (err) return cb(err, []);
        if ((o as LookupAllOptions).all) return cb(null, addrs);
        const first = addrs[0];
        return cb(null, first?.address ?? '', first?.family ?? 4);
      });
      return;
    }
    if ((o as LookupAllOptions).all)
      cb(
        null,
        found.map((address) => ({ address, family: 4 })),
      );
    else cb(null, found[0] ?? '', 4);
  };
}
