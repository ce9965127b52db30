/**
 * The identity scheme of a member group: stable member names, ordinals, DNS names, peer lists and
 * seed selection, as the StatefulSet controller names pods (pkg/controller/statefulset/
 * stateful_set_utils.go) and cluster DNS names them (`<pod>.<svc>.<ns>.svc.<domain>`).
 */
import type { MemberGroupSpec, MemberSetSpec } from './spec.js';

/** The pod name of a set's member: `<set>-<ordinal>`. */
export function memberName(setName: string, ordinal: number): string {
  return `${setName}-${ordinal}`;
}

/** The ordinal of a pod of `setName` (`etcd-3` → 3); undefined when the name is not one of its pods. */
export function ordinalOf(podName: string, setName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** The PVC of a member: `<template>-<set>-<ordinal>`. */
export function claimName(template: string, setName: string, ordinal: number): string {
  return `${template}-${setName}-${ordinal}`;
}

/** The stable DNS name of a member pod. */
export function memberFqdn(
  podName: string,
  serviceName: string,
  namespace: string,
  clusterDomain = 'cluster.local',
): string {
  return `${podName}.${serviceName}.${namespace}.svc.${clusterDomain}`;
}

/** Options of {@link peerList}. */
export interface PeerListOptions {
  /** URL scheme, e.g. `https`; without it entries are `host:port`. */
  scheme?: string;
  port: number;
  /** Default `cluster.local`. */
  clusterDomain?: string;
  /** `name=url` pairs (etcd's --initial-cluster) instead of bare URLs. Default true. */
  named?: boolean;
}

/**
 * The peer list of members `ordinals` of a set, e.g. `etcd-0=https://etcd-0.etcd.ns.svc.cluster.local:2380,...`.
 */
export function peerList(
  setName: string,
  serviceName: string,
  namespace: string,
  ordinals: number[],
  opts: PeerListOptions,
): string {
  return ordinals
    .map((ordinal) => {
      const name = memberName(setName, ordinal);
      const host = `${memberFqdn(name, serviceName, namespace, opts.clusterDomain)}:${opts.port}`;
      const url = opts.scheme ? `${opts.scheme}://${host}` : host;
      return opts.named === false ? url : `${name}=${url}`;
    })
    .join(',');
}

/** One candidate for seed selection. */
export interface SeedCandidate {
  rack: string;
  name: string;
  ordinal: number;
  ready: boolean;
}

/**
 * Picks seeds: at most `max` (default 3), spread over racks round-robin (one per rack before a
 * second from any rack), ready members first, lowest ordinals first, as cass-operator picks seeds
 * per datacenter (pkg/reconciliation/construct_podtemplatespec.go, "seed" label logic).
 */
export function selectSeeds(candidates: SeedCandidate[], max = 3): SeedCandidate[] {
  const byRack = new Map<string, SeedCandidate[]>();
  for (const c of candidates) {
    const list = byRack.get(c.rack) ?? [];
    list.push(c);
    byRack.set(c.rack, list);
  }
  for (const list of byRack.values())
    list.sort((a, b) => Number(b.ready) - Number(a.ready) || a.ordinal - b.ordinal);
  const racks = [...byRack.keys()].sort();
  const seeds: SeedCandidate[] = [];
  // ready members of every rack go before unready ones of any rack
  for (const wantReady of [true, false]) {
    for (let round = 0; seeds.length < max; round++) {
      let picked = false;
      for (const rack of racks) {
        const pool = (byRack.get(rack) ?? []).filter((c) => c.ready === wantReady && !seeds.includes(c));
        if (pool.length > 0 && seeds.length < max && seedsInRack(seeds, rack) <= round) {
          seeds.push(pool[0]!);
          picked = true;
        }
      }
      if (!picked) break;
    }
  }
  return seeds;
}

function seedsInRack(seeds: SeedCandidate[], rack: string): number {
  return seeds.filter((s) => s.rack === rack).length;
}

/** The identity helpers bound to one group. */
export class GroupIdentity {
  readonly serviceName: string;
  readonly clusterDomain: string;

  constructor(
    private readonly spec: Pick<
      MemberGroupSpec,
      'name' | 'namespace' | 'serviceName' | 'clusterDomain' | 'sets'
    >,
  ) {
    this.serviceName = spec.serviceName ?? spec.name;
    this.clusterDomain = spec.clusterDomain ?? 'cluster.local';
  }

  /** The set named `setName`; throws when the group has none. */
  set(setName: string): MemberSetSpec {
    const set = this.spec.sets.find((s) => s.name === setName);
    if (!set) throw new Error(`member group ${this.spec.name} has no set ${setName}`);
    return set;
  }

  /** Member names of a set for `replicas` members (default: the spec's). */
  members(setName: string, replicas = this.set(setName).replicas): string[] {
    return Array.from({ length: replicas }, (_, i) => memberName(setName, i));
  }

  /** The FQDN of a member pod. */
  fqdn(podName: string): string {
    return memberFqdn(podName, this.serviceName, this.spec.namespace, this.clusterDomain);
  }

  /** The peer list of a set's first `replicas` members. */
  peers(setName: string, replicas: number, opts: Omit<PeerListOptions, 'clusterDomain'>): string {
    return peerList(
      setName,
      this.serviceName,
      this.spec.namespace,
      Array.from({ length: replicas }, (_, i) => i),
      {
        ...opts,
        clusterDomain: this.clusterDomain,
      },
    );
  }

  /** Which set and ordinal a pod name belongs to. */
  locate(podName: string): { set: string; ordinal: number } | undefined {
    // longest set name first: `db-rack-1` must not be read as set `db-rack`, ordinal... of `db-rack-1-0`
    for (const set of [...this.spec.sets].sort((a, b) => b.name.length - a.name.length)) {
      const ordinal = ordinalOf(podName, set.name);
      if (ordinal !== undefined) return { set: set.name, ordinal };
    }
    return undefined;
  }
}
