/**
 * The cluster's DNS records, computed from Services and Pods as CoreDNS's kubernetes plugin serves
 * them (https://github.com/kubernetes/dns/blob/master/docs/specification.md):
 * - `<svc>.<ns>.svc.<domain>` -> the clusterIP, or for a headless Service the IPs of its endpoints
 *   (ready pods, or all pods with an IP when publishNotReadyAddresses);
 * - `<hostname>.<subdomain>.<ns>.svc.<domain>` for a pod with hostname and subdomain behind the
 *   headless Service named like the subdomain;
 * - `<a-b-c-d>.<ns>.pod.<domain>` for every pod IP.
 */
import type { KubeObject } from '../api/index.js';

/** One name and its addresses; `namespace` is set for names that resolve only inside it (search path). */
export interface DnsRecord {
  name: string;
  addresses: string[];
}

interface ServiceView {
  metadata: { name: string; namespace: string };
  spec: {
    clusterIP?: string;
    selector?: Record<string, string>;
    publishNotReadyAddresses?: boolean;
    type?: string;
  };
}

interface PodView {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { hostname?: string; subdomain?: string; nodeName?: string };
  status?: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] };
}

function isReady(pod: PodView): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The records of a cluster, by fully-qualified name (lowercase, no trailing dot). */
export class DnsRecords {
  /** FQDN -> addresses. */
  readonly byName = new Map<string, string[]>();
  /** Namespace -> short names resolvable there through the search path (`<svc>`, `<hostname>`). */
  readonly shortNames = new Map<string, Map<string, string[]>>();

  constructor(readonly domain: string) {}

  /** Computes the records of these Services and Pods. */
  static compute(services: readonly KubeObject[], pods: readonly KubeObject[], domain: string): DnsRecords {
    const records = new DnsRecords(domain);
    const live = (pods as unknown as PodView[]).filter(
      (p) => p.status?.podIP && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed',
    );
    for (const p of live) {
      const ip = p.status?.podIP ?? '';
      records.add(`${ip.replace(/\./g, '-')}.${p.metadata.namespace}.pod.${domain}`, ip);
    }
    for (const s of services as unknown as ServiceView[]) {
      const ns = s.metadata.namespace;
      const svc = s.metadata.name;
      const fqdn = `${svc}.${ns}.svc.${domain}`;
      if (s.spec.type === 'ExternalName') continue;
      if (s.spec.clusterIP && s.spec.clusterIP !== 'None') {
        records.add(fqdn, s.spec.clusterIP);
        records.addShort(ns, svc, s.spec.clusterIP);
        continue;
      }
      // headless: the endpoints controller's choice of pods (ShouldPodBeInEndpoints)
      const members = live.filter(
        (p) =>
          p.metadata.namespace === ns &&
          selects(s.spec.selector, p.metadata.labels) &&
          (s.spec.publishNotReadyAddresses === true || (isReady(p) && !p.metadata.deletionTimestamp)),
      );
      for (const p of members) {
        const ip = p.status?.podIP ?? '';
        records.add(fqdn, ip);
        records.addShort(ns, svc, ip);
        if (p.spec.hostname && p.spec.subdomain === svc) records.add(`${p.spec.hostname}.${fqdn}`, ip);
      }
    }
    return records;
  }

  private add(name: string, ip: string): void {
    const key = name.toLowerCase();
    const list = this.byName.get(key) ?? [];
    if (!list.includes(ip)) list.push(ip);
    this.byName.set(key, list);
  }

  private addShort(namespace: string, name: string, ip: string): void {
    let names = this.shortNames.get(namespace);
    if (!names) this.shortNames.set(namespace, (names = new Map()));
    const list = names.get(name) ?? [];
    if (!list.includes(ip)) list.push(ip);
    names.set(name, list);
  }

  /**
   * Resolves a name as a pod of `namespace` would, with the search path
   * `<ns>.svc.<domain> svc.<domain> <domain>` (the kubelet's resolv.conf for ClusterFirst pods).
   */
  resolve(name: string, namespace = 'default'): string[] {
    const n = name.toLowerCase().replace(/\.$/, '');
    const candidates = [
      n,
      `${n}.${namespace}.svc.${this.domain}`,
      `${n}.svc.${this.domain}`,
      `${n}.${this.domain}`,
    ];
    for (const c of candidates) {
      const hit = this.byName.get(c);
      if (hit?.length) return [...hit];
    }
    return [...(this.shortNames.get(namespace)?.get(n) ?? [])];
  }

  /**
   * A hosts file for processes of `namespace`: every FQDN, the names the search path makes
   * resolvable (`<svc>.<ns>`, `<svc>.<ns>.svc`, `<hostname>.<subdomain>`...) and the namespace's
   * short Service names. One line per address, so a headless name lists every member.
   */
  hostsFile(namespace: string, extra: readonly DnsRecord[] = []): string {
    const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
    for (const r of extra) for (const ip of r.addresses) lines.push(`${ip}\t${r.name}`);
    const svcLocal = `.${namespace}.svc.${this.domain}`;
    const svcAny = `.svc.${this.domain}`;
    const domainSuffix = `.${this.domain}`;
    const names = [...this.byName.keys()].sort();
    for (const name of names) {
      const aliases: string[] = [];
      if (name.endsWith(svcLocal)) aliases.push(name.slice(0, -svcLocal.length));
      if (name.endsWith(svcAny)) aliases.push(name.slice(0, -svcAny.length));
      if (name.endsWith(domainSuffix)) aliases.push(name.slice(0, -domainSuffix.length));
      for (const ip of this.byName.get(name) ?? []) lines.push([ip, name, ...aliases].join('\t'));
    }
    return `${lines.join('\n')}\n`;
  }
}
