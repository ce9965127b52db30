import type { Lease, LeaseClient } from '../lock.js';

/** Thrown by {@link FakeLeaseStore} writes with a stale resourceVersion (an HTTP 409). */
export class FakeConflictError extends Error {
  readonly code = 409;
}

/**
 * An in-memory Lease store with the API server's optimistic concurrency: every write bumps
 * resourceVersion; a replace with a stale one fails with a conflict; creating an existing Lease
 * fails. `clientFor(id)` gives each candidate a client that can be cut off (a partition or a hung
 * process) to test expiry.
 */
export class FakeLeaseStore {
  private readonly leases = new Map<string, Lease>();
  private rv = 0;
  /** Identities whose clients currently fail every call. */
  readonly partitioned = new Set<string>();
  /** Every successful write, in order. */
  readonly writes: Lease[] = [];

  clientFor(id: string): LeaseClient {
    const guard = (): void => {
      if (this.partitioned.has(id)) throw new Error(`${id}: connection refused`);
    };
    return {
      get: async (namespace, name) => {
        await Promise.resolve();
        guard();
        const l = this.leases.get(`${namespace}/${name}`);
        return l ? structuredClone(l) : undefined;
      },
      create: async (lease) => {
        await Promise.resolve();
        guard();
        const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
        if (this.leases.has(key)) throw new Error('AlreadyExists');
        return this.store(key, lease);
      },
      replace: async (lease) => {
        await Promise.resolve();
        guard();
        const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
        const cur = this.leases.get(key);
        if (!cur) throw new Error('NotFound');
        if (cur.metadata.resourceVersion !== lease.metadata.resourceVersion) {
          throw new FakeConflictError(
            'Operation cannot be fulfilled on leases: the object has been modified',
          );
        }
        return this.store(key, lease);
      },
    };
  }

  current(namespace = 'ns', name = 'lock'): Lease | undefined {
    return this.leases.get(`${namespace}/${name}`);
  }

  /** Writes a Lease directly (another party). */
  put(lease: Lease): void {
    this.store(`${lease.metadata.namespace}/${lease.metadata.name}`, lease);
  }

  private store(key: string, lease: Lease): Lease {
    const stored = structuredClone({
      ...lease,
      metadata: { ...lease.metadata, resourceVersion: String(++this.rv) },
    });
    this.leases.set(key, stored);
    this.writes.push(structuredClone(stored));
    return structuredClone(stored);
  }
}
