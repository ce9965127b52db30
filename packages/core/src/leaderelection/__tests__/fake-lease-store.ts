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
  private gate: { applied: () => void; opened: Promise<void> } | undefined;

  /**
   * Holds back the reply to the next write: the write is applied (`applied` resolves), but its
   * answer waits for `open()`; if the caller's signal aborts meanwhile, the caller gets an abort
   * error — as an HTTP client that gave up on a request the server had already carried out.
   */
  holdNextWriteReply(): { applied: Promise<void>; open: () => void } {
    let open!: () => void;
    let applied!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const appliedP = new Promise<void>((r) => (applied = r));
    this.gate = { applied, opened };
    return { applied: appliedP, open };
  }

  clientFor(id: string): LeaseClient {
    // like an HTTP client, a request is not sent once its signal has aborted
    const guard = (signal?: AbortSignal): void => {
      signal?.throwIfAborted();
      if (this.partitioned.has(id)) throw new Error(`${id}: connection refused`);
    };
    return {
      get: async (namespace, name, signal) => {
        await Promise.resolve();
        guard(signal);
        const l = this.leases.get(`${namespace}/${name}`);
        return l ? structuredClone(l) : undefined;
      },
      create: async (lease, signal) => {
        await Promise.resolve();
        guard(signal);
        const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
        if (this.leases.has(key)) throw new Error('AlreadyExists');
        return this.reply(this.store(key, lease), signal);
      },
      replace: async (lease, signal) => {
        await Promise.resolve();
        guard(signal);
        const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
        const cur = this.leases.get(key);
        if (!cur) throw new Error('NotFound');
        if (cur.metadata.resourceVersion !== lease.metadata.resourceVersion) {
          throw new FakeConflictError(
            'Operation cannot be fulfilled on leases: the object has been modified',
          );
        }
        return this.reply(this.store(key, lease), signal);
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

  private async reply(stored: Lease, signal: AbortSignal | undefined): Promise<Lease> {
    const gate = this.gate;
    if (!gate) return stored;
    this.gate = undefined;
    gate.applied();
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason ?? new Error('aborted'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      void gate.opened.then(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
    return stored;
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
