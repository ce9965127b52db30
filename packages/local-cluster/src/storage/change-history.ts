import type { KubeObject } from '../api/index.js';
import type { StoreKey, WatchEventType } from './types.js';

/** One committed write, as kept in the history and handed to watchers (never mutated). */
export interface Change {
  revision: number;
  type: WatchEventType;
  /** Frozen. */
  key: StoreKey;
  /** `namespace/name` (or `name` when cluster-scoped): the etcd key below the resource prefix. */
  id: string;
  /** The object after the change; for DELETED the last state carrying the delete's resourceVersion. */
  object: KubeObject;
  /** The stored object before the change (absent for ADDED). */
  prev?: KubeObject;
}

/**
 * A bounded ring of the most recent changes. Revisions are consecutive (every write takes exactly
 * the next one), so the change at revision r sits at offset r - oldest: no search needed.
 */
export class ChangeHistory {
  private ring: (Change | undefined)[];
  private start = 0;
  private count = 0;
  /** The highest revision whose change is no longer retained (0 while nothing was dropped). */
  compactedRevision: number;

  constructor(
    readonly capacity: number,
    compactedRevision = 0,
  ) {
    this.ring = new Array<Change | undefined>(capacity);
    this.compactedRevision = compactedRevision;
  }

  get size(): number {
    return this.count;
  }

  push(change: Change): void {
    if (this.count < this.capacity) {
      this.ring[(this.start + this.count) % this.capacity] = change;
      this.count++;
      return;
    }
    const dropped = this.ring[this.start];
    if (dropped) this.compactedRevision = dropped.revision;
    this.ring[this.start] = change;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The changes with a revision greater than `revision`, oldest first. */
  *since(revision: number): IterableIterator<Change> {
    if (this.count === 0) return;
    const oldest = this.ring[this.start]!.revision;
    const skip = Math.max(0, revision + 1 - oldest);
    for (let i = skip; i < this.count; i++) yield this.ring[(this.start + i) % this.capacity]!;
  }

  /** Every retained change, oldest first. */
  all(): IterableIterator<Change> {
    return this.since(0);
  }
}
