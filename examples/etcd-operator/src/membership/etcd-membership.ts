/**
 * `EtcdMembership`: etcd's cluster-membership and maintenance API (the `etcd3` npm client over gRPC),
 * shaped for an operator: one call per runbook action, idempotent where etcd allows it, member IDs
 * as decimal strings (uint64 does not fit a JS number), and every member reachable by its DNS name
 * through a resolver when the operator runs outside the cluster.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { noop } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';
import { assessQuorum, type QuorumAssessment } from './quorum.js';

/** One member as the member list shows it. */
export interface EtcdMember {
  /** Member ID, decimal. */
  id: string;
  /** Empty until the member has started and published its name. */
  name: string;
  peerURLs: string[];
  /** Empty until the member has started. */
  clientURLs: string[];
  learner: boolean;
}

/** `etcdctl endpoint status` of one member (a serializable Maintenance.Status call; learners answer it too). */
export interface EndpointStatus {
  endpoint: string;
  memberId: string;
  clusterId: string;
  /** `0` while the member knows no leader. */
  leaderId: string;
  version: string;
  dbSizeBytes: number;
  raftTerm: string;
  raftIndex: string;
  raftAppliedIndex: string;
  learner: boolean;
  /** Alarms and errors the member reports (e.g. `NOSPACE`). */
  errors: string[];
}

/** A member's health as the operator judges it. */
export interface MemberHealth {
  member: EtcdMember;
  status?: EndpointStatus;
  /** Answered its status, knows a leader and reports no errors. */
  healthy: boolean;
  leader: boolean;
  /** Why it is not healthy. */
  reason?: string;
}

/** The cluster's health: every member's and the quorum position of the voters. */
export interface ClusterHealth extends QuorumAssessment {
  members: MemberHealth[];
  clusterId?: string;
  leaderId?: string;
}

/** TLS material for reaching members (PEM). */
export interface EtcdClientTLS {
  ca: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
}

/** Options of {@link EtcdMembership}; `endpoints` is required, the rest has defaults. */
export interface EtcdMembershipOptions {
  /** Client URLs of (some of) the members, e.g. `http://etcd-0.etcd.ns.svc.cluster.local:2379`. */
  endpoints: string[];
  /**
   * Host name → IP for names the operator's own resolver does not know, e.g. `cluster.nodes.resolver.lookup`
   * of the local cluster, or a Service-DNS-less environment. Undefined or no answer: the name is used as is.
   */
  resolve?: (hostname: string) => string | undefined;
  tls?: EtcdClientTLS;
  /** Deadline of one call (ms). Default 5000. */
  timeoutMs?: number;
  /** Client port used to reach a member that has not published client URLs yet (derived from its peer URL). Default 2379. */
  clientPort?: number;
  /**
   * Called after every membership call returns successfully (before its result reaches the caller). A
   * hook that throws makes the call throw although etcd applied it: crash tests use that to stop the
   * operator between a membership change and its record.
   */
  afterChange?: (change: EtcdMembershipChange) => void | Promise<void>;
}

/** One membership call that returned, as {@link EtcdMembershipOptions.afterChange} sees it. */
export interface EtcdMembershipChange {
  call: 'memberAdd' | 'memberPromote' | 'memberRemove';
  /** The member's ID (decimal string). */
  id: string;
  /** memberAdd: the added peer URL. */
  peerURL?: string;
  /** Whether this call changed etcd (false: it found the change already made, e.g. by a lost earlier attempt). */
  changed: boolean;
}

/** A membership call that failed: etcd's answer (or the transport's) as the message, the operation named. */
export class EtcdMembershipError extends Error {
  constructor(
    message: string,
    /** What was asked, e.g. `memberPromote`. */
    readonly operation: string,
    /** The underlying error (becomes `cause`). */
    underlying?: unknown,
  ) {
    super(message, underlying === undefined ? undefined : { cause: underlying });
    this.name = 'EtcdMembershipError';
  }
}

const NOT_IN_SYNC = /can only promote a learner member which is in sync with leader/;
const MEMBER_NOT_FOUND = /member not found/i;
const PEER_URL_EXISTS = /peerURL exists/i;
const MEMBER_NOT_LEARNER = /can only promote a learner member|member is not a learner/i;
const UNHEALTHY_CLUSTER = /unhealthy cluster/i;
/** etcd could not confirm a proposal in time; it may or may not have been applied. */
const PROPOSAL_NOT_CONFIRMED = /request timed out|leader changed|unhealthy cluster/i;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Options of calls that retry a transient refusal. */
export interface RetryOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** Pause between attempts (ms). Default 200. */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** etcd's membership and maintenance API for one cluster; see the module comment. */
export class EtcdMembership {
  private readonly endpoints: string[];
  private readonly timeoutMs: number;
  private readonly clientPort: number;

  constructor(private readonly opts: EtcdMembershipOptions) {
    if (opts.endpoints.length === 0) throw new Error('EtcdMembership needs at least one endpoint');
    this.endpoints = [...opts.endpoints];
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.clientPort = opts.clientPort ?? 2379;
  }

  /** A client of exactly one endpoint, closed after `fn`: a member that is down costs one failed call, no circuit-breaker state. */
  private async withEndpoint<T>(
    endpoint: string,
    fn: (client: Etcd3) => Promise<T>,
    deadlineMs = this.timeoutMs,
  ): Promise<T> {
    const url = new URL(endpoint);
    const host = url.hostname;
    const ip = this.opts.resolve?.(host);
    const options: IOptions = {
      hosts: `${url.protocol}//${ip ?? host}:${url.port || this.clientPort}`,
      dialTimeout: Math.min(deadlineMs, 3000),
      defaultCallOptions: () => ({ deadline: Date.now() + deadlineMs }),
      // one attempt per call: the operator's reconcile loop is the retry policy
      faultHandling: { host: () => noop, global: noop },
    };
    if (this.opts.tls) {
      options.credentials = {
        rootCertificate: Buffer.from(this.opts.tls.ca),
        ...(this.opts.tls.key ? { privateKey: Buffer.from(this.opts.tls.key) } : {}),
        ...(this.opts.tls.cert ? { certChain: Buffer.from(this.opts.tls.cert) } : {}),
      };
      // certificates name the member's DNS name, not the IP it was resolved to
      if (ip) options.grpcOptions = { 'grpc.ssl_target_name_override': host, 'grpc.default_authority': host };
    }
    const client = new Etcd3(options);
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  }

  /** Tries each endpoint in turn until one answers (members may be down or be learners). */
  private async withAnyEndpoint<T>(
    operation: string,
    fn: (client: Etcd3) => Promise<T>,
    accept?: (err: unknown) => boolean,
  ): Promise<T> {
    let last: unknown;
    for (const endpoint of this.endpoints) {
      try {
        return await this.withEndpoint(endpoint, fn);
      } catch (err) {
        // an answer from etcd itself (not a transport failure) is the cluster's answer
        if (accept?.(err)) throw err;
        last = err;
      }
    }
    throw new EtcdMembershipError(
      `${operation}: no endpoint answered (${this.endpoints.join(', ')}): ${messageOf(last)}`,
      operation,
      last,
    );
  }

  /** `etcdctl member list`. */
  async memberList(): Promise<EtcdMember[]> {
    const res = await this.withAnyEndpoint('memberList', (c) => c.cluster.memberList({}));
    return (res.members ?? []).map(toMember);
  }

  /** `etcdctl member list` with the cluster ID of the answer's header. */
  async memberListWithCluster(): Promise<{ clusterId: string; members: EtcdMember[] }> {
    const res = await this.withAnyEndpoint('memberList', (c) => c.cluster.memberList({}));
    return { clusterId: res.header.cluster_id, members: (res.members ?? []).map(toMember) };
  }

  /**
   * `etcdctl member add --learner --peer-urls=<peerURL>`. Idempotent: when a member with this peer URL
   * is already listed (an earlier attempt whose answer was lost), that member is returned.
   * Retries "unhealthy cluster" (refused right after a start or a removal) for `retry.timeoutMs` (default 10 s).
   */
  async memberAddAsLearner(
    peerURL: string,
    retry: RetryOptions = {},
  ): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    const existing = (await this.memberList()).find((m) => m.peerURLs.includes(peerURL));
    if (existing) {
      const members = await this.memberList();
      await this.opts.afterChange?.({ call: 'memberAdd', id: existing.id, peerURL, changed: false });
      return { member: existing, members };
    }
    const res = await this.retrying('memberAddAsLearner', retry, 10_000, UNHEALTHY_CLUSTER, async () => {
      try {
        return await this.withAnyEndpoint(
          'memberAdd',
          (c) => c.cluster.memberAdd({ peerURLs: [peerURL], isLearner: true }),
          isEtcdAnswer,
        );
      } catch (err) {
        if (PEER_URL_EXISTS.test(messageOf(err))) return undefined;
        throw err;
      }
    });
    const members = res ? (res.members ?? []).map(toMember) : await this.memberList();
    const member = members.find((m) => m.peerURLs.includes(peerURL));
    if (!member)
      throw new EtcdMembershipError(
        `memberAddAsLearner: ${peerURL} is not in the member list after adding it`,
        'memberAddAsLearner',
      );
    await this.opts.afterChange?.({ call: 'memberAdd', id: member.id, peerURL, changed: res !== undefined });
    return { member, members };
  }

  /**
   * `etcdctl member promote <id>`: retried while etcd answers "can only promote a learner member which
   * is in sync with leader" (the learner is catching up), for `retry.timeoutMs` (default 30 s).
   * Idempotent: promoting a member that is already a voter succeeds.
   */
  async memberPromote(id: string, retry: RetryOptions = {}): Promise<void> {
    const current = (await this.memberList()).find((m) => m.id === id);
    if (!current) throw new EtcdMembershipError(`memberPromote: member ${id} not found`, 'memberPromote');
    if (!current.learner) {
      await this.opts.afterChange?.({ call: 'memberPromote', id, changed: false });
      return;
    }
    await this.retrying('memberPromote', retry, 30_000, NOT_IN_SYNC, async () => {
      try {
        await this.withAnyEndpoint('memberPromote', (c) => c.cluster.memberPromote({ ID: id }), isEtcdAnswer);
      } catch (err) {
        // a lost answer to an earlier promote: it is a voter now
        if (MEMBER_NOT_LEARNER.test(messageOf(err)) && !NOT_IN_SYNC.test(messageOf(err))) {
          const after = (await this.memberList()).find((m) => m.id === id);
          if (after && !after.learner) return;
        }
        throw err;
      }
    });
    await this.opts.afterChange?.({ call: 'memberPromote', id, changed: true });
  }

  /**
   * `etcdctl member remove <id>`. Returns false when the member was not there (already removed).
   * A proposal that timed out ("request timed out", "leader changed": the cluster was busy or electing)
   * may still have been applied, so it is retried for `retry.timeoutMs` (default 10 s), and a retry that
   * finds the member gone counts as this call's removal.
   */
  async memberRemove(id: string, retry: RetryOptions = {}): Promise<boolean> {
    const removed = await this.memberRemoveOnce(id, retry);
    await this.opts.afterChange?.({ call: 'memberRemove', id, changed: removed });
    return removed;
  }

  private async memberRemoveOnce(id: string, retry: RetryOptions): Promise<boolean> {
    let timedOut = false;
    try {
      await this.retrying('memberRemove', retry, 10_000, PROPOSAL_NOT_CONFIRMED, async () => {
        try {
          await this.withAnyEndpoint('memberRemove', (c) => c.cluster.memberRemove({ ID: id }), isEtcdAnswer);
        } catch (err) {
          if (PROPOSAL_NOT_CONFIRMED.test(messageOf(err))) timedOut = true;
          throw err;
        }
      });
      return true;
    } catch (err) {
      if (MEMBER_NOT_FOUND.test(messageOf(err))) return timedOut;
      throw err;
    }
  }

  /** The client URL the operator reaches a member at: its published one, else derived from its peer URL. */
  clientURLOf(member: EtcdMember): string | undefined {
    if (member.clientURLs[0]) return member.clientURLs[0];
    const peer = member.peerURLs[0];
    if (!peer) return undefined;
    const u = new URL(peer);
    u.port = String(this.clientPort);
    return u.toString().replace(/\/$/, '');
  }

  /** `etcdctl endpoint status` of one endpoint. */
  async endpointStatus(endpoint: string): Promise<EndpointStatus> {
    const s = await this.withEndpoint(endpoint, (c) => c.maintenance.status());
    return {
      endpoint,
      memberId: s.header.member_id,
      clusterId: s.header.cluster_id,
      leaderId: s.leader,
      version: s.version,
      dbSizeBytes: Number(s.dbSize),
      raftTerm: s.raftTerm,
      raftIndex: s.raftIndex,
      raftAppliedIndex: s.raftAppliedIndex,
      learner: Boolean(s.isLearner),
      errors: s.errors ?? [],
    };
  }

  /** Every listed member's status and health, and the quorum of the voters. */
  async health(): Promise<ClusterHealth> {
    const { clusterId, members } = await this.memberListWithCluster();
    const results = await Promise.all(
      members.map(async (member): Promise<MemberHealth> => {
        const endpoint = this.clientURLOf(member);
        if (!member.name || !endpoint)
          return { member, healthy: false, leader: false, reason: 'not started' };
        try {
          const status = await this.endpointStatus(endpoint);
          const reason = status.errors.length
            ? status.errors.join('; ')
            : status.leaderId === '0'
              ? 'no leader'
              : undefined;
          return {
            member,
            status,
            healthy: !reason,
            leader: status.leaderId === member.id,
            ...(reason ? { reason } : {}),
          };
        } catch (err) {
          return { member, healthy: false, leader: false, reason: messageOf(err) };
        }
      }),
    );
    // the leader as the healthy majority sees it (a partitioned member may still believe in an old one)
    const votes = new Map<string, number>();
    for (const r of results)
      if (r.healthy && r.status) votes.set(r.status.leaderId, (votes.get(r.status.leaderId) ?? 0) + 1);
    const leaderId = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    for (const r of results) r.leader = r.member.id === leaderId;
    return {
      ...assessQuorum(results.map((r) => ({ learner: r.member.learner, healthy: r.healthy }))),
      members: results,
      clusterId,
      ...(leaderId ? { leaderId } : {}),
    };
  }

  /** The leader as the members report it, or undefined when none is known. */
  async leader(): Promise<EtcdMember | undefined> {
    const h = await this.health();
    return h.members.find((m) => m.leader)?.member;
  }

  /**
   * `etcdctl move-leader <id>`: hands leadership to a voter (sent to the current leader, which is the
   * only member that can transfer it). A no-op when the target already leads.
   */
  async moveLeader(targetId: string): Promise<void> {
    const h = await this.health();
    const leader = h.members.find((m) => m.leader);
    if (!leader) throw new EtcdMembershipError('moveLeader: the cluster has no leader', 'moveLeader');
    if (leader.member.id === targetId) return;
    const target = h.members.find((m) => m.member.id === targetId);
    if (!target) throw new EtcdMembershipError(`moveLeader: member ${targetId} not found`, 'moveLeader');
    if (target.member.learner)
      throw new EtcdMembershipError(`moveLeader: member ${targetId} is a learner`, 'moveLeader');
    const endpoint = this.clientURLOf(leader.member);
    if (!endpoint) throw new EtcdMembershipError('moveLeader: the leader has no client URL', 'moveLeader');
    await this.withEndpoint(endpoint, (c) => c.maintenance.moveLeader({ targetID: targetId }));
  }

  /**
   * `etcdctl snapshot save <file>`: streams a snapshot from one member (the first endpoint that
   * answers, or `endpoint`) to `file`, through a temporary file renamed at the end so a crash never
   * leaves a partial snapshot under the final name.
   */
  async snapshot(
    file: string,
    opts: { endpoint?: string; timeoutMs?: number } = {},
  ): Promise<{ file: string; sizeBytes: number; revision?: string }> {
    const endpoints = opts.endpoint ? [opts.endpoint] : this.endpoints;
    const partial = `${file}.part`;
    let last: unknown;
    for (const endpoint of endpoints) {
      try {
        let revision: string | undefined;
        try {
          revision = await this.withEndpoint(endpoint, (c) =>
            c.maintenance.status().then((r) => r.header.revision),
          );
        } catch {
          // the revision is informative only
        }
        const sizeBytes = await this.withEndpoint(
          endpoint,
          (c) => streamSnapshot(c, partial),
          opts.timeoutMs ?? 120_000,
        );
        await rename(partial, file);
        return { file, sizeBytes, ...(revision ? { revision } : {}) };
      } catch (err) {
        last = err;
        await rm(partial, { force: true });
      }
    }
    throw new EtcdMembershipError(
      `snapshot: no endpoint could stream a snapshot: ${messageOf(last)}`,
      'snapshot',
      last,
    );
  }

  private async retrying<T>(
    operation: string,
    retry: RetryOptions,
    defaultTimeoutMs: number,
    transient: RegExp,
    fn: () => Promise<T>,
  ): Promise<T> {
    const end = Date.now() + (retry.timeoutMs ?? defaultTimeoutMs);
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!transient.test(messageOf(err)) || Date.now() >= end) {
          throw err instanceof EtcdMembershipError
            ? err
            : new EtcdMembershipError(`${operation}: ${messageOf(err)}`, operation, err);
        }
        await sleep(retry.intervalMs ?? 200, retry.signal);
      }
    }
  }
}

/** Whether an error is etcd's own answer (so another endpoint would answer the same), not a transport failure. */
function isEtcdAnswer(err: unknown): boolean {
  const m = messageOf(err);
  // a learner refuses most RPCs ("rpc not supported for learner"): a voter will answer, so try the next
  if (/not supported for learner/i.test(m)) return false;
  return /etcdserver:|member not found|peerURL exists|learner/i.test(m);
}

function toMember(m: {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner?: boolean;
}): EtcdMember {
  return {
    id: String(m.ID),
    name: m.name ?? '',
    peerURLs: [...(m.peerURLs ?? [])],
    clientURLs: [...(m.clientURLs ?? [])],
    learner: Boolean(m.isLearner),
  };
}

function streamSnapshot(client: Etcd3, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    let size = 0;
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      out.destroy();
      reject(err);
    };
    out.on('error', fail);
    client.maintenance.snapshot().then((stream) => {
      stream.on('data', (chunk) => {
        size += chunk.blob.length;
        out.write(chunk.blob);
      });
      stream.on('error', fail);
      stream.on('end', () => {
        if (failed) return;
        out.end(() => resolve(size));
      });
    }, fail);
  });
}
