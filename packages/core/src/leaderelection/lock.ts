import type { KubeClient, KubeObject } from '../client/index.js';
import { isNotFound } from '../client/index.js';

/**
 * What a leader election lock stores (client-go tools/leaderelection/resourcelock
 * LeaderElectionRecord). Times are RFC 3339 strings with microseconds (metav1.MicroTime).
 */
export interface LeaderElectionRecord {
  /** The current leader; `''` when nobody holds the lock (after a release). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaderTransitions: number;
}

/** What {@link ResourceLock.get} returns: the record and its serialized form, to detect changes. */
export interface ObservedLock {
  record: LeaderElectionRecord;
  /** Equal raw strings mean an unchanged record (client-go compares the raw bytes). */
  raw: string;
}

/**
 * The storage behind leader election (client-go resourcelock.Interface). `update` must fail when
 * the lock changed since this lock last read or wrote it (optimistic concurrency).
 */
export interface ResourceLock {
  /** This candidate's identity, unique among candidates (e.g. hostname + random suffix). */
  readonly identity: string;
  /** Names the lock in logs (`namespace/name`). */
  describe(): string;
  /** The current record, or undefined when the lock object does not exist yet. */
  get(signal?: AbortSignal): Promise<ObservedLock | undefined>;
  /** Creates the lock object holding `record`; fails if it exists. */
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** Replaces the record; fails on a conflicting change. */
  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
}

/** coordination.k8s.io/v1 LeaseSpec. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

/** coordination.k8s.io/v1 Lease. */
export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** The Lease operations a {@link LeaseLock} needs; adapt any client to it. */
export interface LeaseClient {
  /** The Lease, or undefined when it does not exist. */
  get(namespace: string, name: string, signal?: AbortSignal): Promise<Lease | undefined>;
  /** Creates the Lease; rejects if it exists. */
  create(lease: Lease, signal?: AbortSignal): Promise<Lease>;
  /** Replaces the Lease (PUT); rejects with a conflict when `metadata.resourceVersion` is stale. */
  replace(lease: Lease, signal?: AbortSignal): Promise<Lease>;
}

const LEASE_GVK = { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' };

/** A {@link LeaseClient} over opkit's {@link KubeClient}. */
export function leaseClientFor(client: KubeClient): LeaseClient {
  return {
    async get(namespace, name, signal) {
      try {
        return await client.get<Lease>(LEASE_GVK, name, { namespace, signal });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    create: (lease, signal) => client.create(lease, { signal }),
    replace: (lease, signal) => client.update(lease, { signal }),
  };
}

/** Options of {@link LeaseLock}. */
export interface LeaseLockOptions {
  namespace: string;
  name: string;
  identity: string;
  client: LeaseClient;
  /** Labels for a Lease this lock creates. */
  labels?: Record<string, string>;
}

/**
 * A {@link ResourceLock} on a coordination.k8s.io/v1 Lease (client-go resourcelock.LeaseLock).
 * Updates write over the Lease last read or written, so a concurrent change fails with a conflict.
 */
export class LeaseLock implements ResourceLock {
  readonly identity: string;
  private lease: Lease | undefined;

  constructor(private readonly options: LeaseLockOptions) {
    if (!options.identity) throw new Error('Lock identity is empty');
    this.identity = options.identity;
  }

  describe(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  async get(signal?: AbortSignal): Promise<ObservedLock | undefined> {
    const lease = await this.options.client.get(this.options.namespace, this.options.name, signal);
    if (!lease) return undefined;
    this.lease = lease;
    const record = recordFromLeaseSpec(lease.spec ?? {});
    return { record, raw: JSON.stringify(record) };
  }

  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    this.lease = await this.options.client.create(
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.options.name,
          namespace: this.options.namespace,
          ...(this.options.labels ? { labels: this.options.labels } : {}),
        },
        spec: leaseSpecFromRecord(record),
      },
      signal,
    );
  }

  async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    if (!this.lease) throw new Error('lease not initialized, call get or create first');
    this.lease = await this.options.client.replace(
      { ...this.lease, spec: { ...this.lease.spec, ...leaseSpecFromRecord(record) } },
      signal,
    );
  }
}

// as client-go resourcelock.LeaseSpecToLeaderElectionRecord; fixed key order keeps `raw` comparable
function recordFromLeaseSpec(spec: LeaseSpec): LeaderElectionRecord {
  const record: LeaderElectionRecord = {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    leaderTransitions: spec.leaseTransitions ?? 0,
  };
  if (spec.acquireTime) record.acquireTime = spec.acquireTime;
  if (spec.renewTime) record.renewTime = spec.renewTime;
  return record;
}

// as client-go resourcelock.LeaderElectionRecordToLeaseSpec
function leaseSpecFromRecord(record: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime,
    renewTime: record.renewTime,
    leaseTransitions: record.leaderTransitions,
  };
}

/** Formats epoch milliseconds as a metav1.MicroTime (`2006-01-02T15:04:05.000000Z`). */
export function formatMicroTime(epochMs: number): string {
  const wholeMs = Math.floor(epochMs);
  const micros = Math.floor((epochMs - wholeMs) * 1000);
  const iso = new Date(wholeMs).toISOString(); // ...SS.mmmZ
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}
