/**
 * SimDb: a test database for this package's tests only. Each member is a simulated container on the
 * local cluster's runtime that listens on its pod IP and speaks a small HTTP membership protocol:
 *
 *   GET  /status              → { members: { name: { state, voter } }, leader }
 *   POST /add?name=<pod>      → announce a new member (one join at a time)
 *   POST /promote?name=<pod>  → make a caught-up member a voter (409 until caught up)
 *   POST /leave?name=<pod>    → the member leaves (LEFT after `leaveMs`)
 *
 * A joining member is caught up (and ready) `joinMs` after it is both announced and running.
 * Every broken rule is recorded in `violations` (the tests assert it stays empty) and answered 500.
 * A member on a version in `brokenVersions` runs but never reports ready (a bad image or config).
 */
import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { SimulatedRuntime } from '@opkit/local-cluster';

// @opkit/local-cluster exports the SimulatedRuntime class but not its option types: derive them
type SimulatedRuntimeOptions = NonNullable<ConstructorParameters<typeof SimulatedRuntime>[0]>;
type SimulatedContainerContext = Parameters<NonNullable<SimulatedRuntimeOptions['behaviour']>>[0];
type SimulatedBehaviour = ReturnType<NonNullable<SimulatedRuntimeOptions['behaviour']>>;

export const SIMDB_PORT = 7000;

/** The database (StatefulSet) a member pod belongs to: its name without the ordinal. */
function dbOf(pod: string): string {
  return pod.replace(/-\d+$/, '');
}

function sameDb(a: string, b: string): boolean {
  return dbOf(a) === dbOf(b);
}

type State = 'joining' | 'member' | 'leaving' | 'left';

interface Member {
  state: State;
  voter: boolean;
  addedAt: number;
  leftAt?: number;
}

interface Running {
  version: string;
  startedAt: number;
}

export class SimDb {
  readonly members = new Map<string, Member>();
  readonly running = new Map<string, Running>();
  readonly violations: string[] = [];
  /** Protocol and lifecycle history: `add x`, `promote x`, `leave x`, `start x v2`. */
  readonly history: string[] = [];
  /** The leader's pod name per database (set name), updated last in rolling updates. */
  readonly leaders = new Map<string, string>();
  /** Stop checking rules (cluster teardown). */
  closing = false;
  /** Versions (image tags) whose members start but never become ready: a bad template. */
  readonly brokenVersions = new Set<string>();

  constructor(readonly opts: { joinMs: number; leaveMs: number }) {}

  private rule(ok: boolean, message: string): boolean {
    if (!ok && !this.closing) this.violations.push(message);
    return ok;
  }

  /** Refreshes time-driven states (joins catching up, leaves completing). */
  private tick(): void {
    const now = Date.now();
    for (const [, m] of this.members)
      if (m.state === 'leaving' && m.leftAt !== undefined && now >= m.leftAt) m.state = 'left';
  }

  caughtUp(name: string): boolean {
    this.tick();
    const m = this.members.get(name);
    const r = this.running.get(name);
    if (!m || !r || m.state === 'left' || m.state === 'leaving') return false;
    if (m.state === 'member') return true;
    return Date.now() - Math.max(m.addedAt, r.startedAt) >= this.opts.joinMs;
  }

  ready(name: string): boolean {
    return this.caughtUp(name);
  }

  state(name: string): State | undefined {
    this.tick();
    return this.members.get(name)?.state;
  }

  /** The rule the StatefulSet must follow: a member whose pod goes away for good must have left. */
  checkReplicas(set: string, replicas: number): void {
    this.tick();
    for (const [name, m] of this.members) {
      const ordinal = Number(name.slice(set.length + 1));
      if (name.startsWith(`${set}-`) && ordinal >= replicas && m.state !== 'left') {
        this.rule(
          false,
          `StatefulSet ${set} shrank to ${replicas} while ${name} is still ${m.state} (leave not announced)`,
        );
      }
    }
  }

  private handle(method: string, path: string, name: string): { code: number; body: unknown } {
    this.tick();
    if (method === 'GET' && path === '/status') {
      return {
        code: 200,
        body: {
          leaders: Object.fromEntries(this.leaders),
          members: Object.fromEntries(
            [...this.members].map(([n, m]) => [n, { state: m.state, voter: m.voter }]),
          ),
        },
      };
    }
    if (method !== 'POST') return { code: 405, body: {} };
    const member = this.members.get(name);
    if (path === '/add') {
      if (member && member.state !== 'left') return { code: 200, body: { note: 'already a member' } };
      const joining = [...this.members].filter(
        ([n, m]) => m.state === 'joining' && n !== name && sameDb(n, name),
      );
      if (
        !this.rule(
          joining.length === 0,
          `add ${name} while ${joining.map(([n]) => n).join(',')} is still joining (one join at a time)`,
        )
      )
        return { code: 500, body: {} };
      this.members.set(name, { state: 'joining', voter: false, addedAt: Date.now() });
      this.history.push(`add ${name}`);
      return { code: 200, body: {} };
    }
    if (path === '/promote') {
      if (!member) return { code: 404, body: { error: 'no such member' } };
      if (member.voter) return { code: 200, body: {} };
      if (!this.caughtUp(name))
        return { code: 409, body: { error: 'can only promote a member which is in sync with leader' } };
      member.voter = true;
      member.state = 'member';
      this.history.push(`promote ${name}`);
      return { code: 200, body: {} };
    }
    if (path === '/leave') {
      if (!member) return { code: 404, body: { error: 'no such member' } };
      if (member.state === 'leaving' || member.state === 'left') return { code: 200, body: {} };
      const others = [...this.members].filter(
        ([n, m]) => n !== name && sameDb(n, name) && m.state !== 'left' && m.state !== 'leaving',
      );
      if (
        !this.rule(
          others.every(([n]) => this.caughtUp(n)),
          `leave ${name} while another member is not healthy`,
        )
      )
        return { code: 500, body: {} };
      member.state = 'leaving';
      member.leftAt = Date.now() + this.opts.leaveMs;
      this.history.push(`leave ${name}`);
      return { code: 200, body: {} };
    }
    return { code: 404, body: {} };
  }

  /** The behaviour of one simulated member container. */
  behaviour(ctx: SimulatedContainerContext): SimulatedBehaviour {
    let server: Server | undefined;
    const name = ctx.podName;
    const version = (ctx.container.image ?? '').split(':')[1] ?? '?';
    return {
      start: async () => {
        const dataDir = ctx.volumes.find((v) => v.mountPath === '/data')?.directory;
        const idFile = dataDir ? join(dataDir, 'identity') : undefined;
        const initial = (ctx.env.INITIAL_MEMBERS ?? '').split(',').filter(Boolean);
        if (initial.includes(name) && !initial.some((n) => this.members.has(n))) {
          // bootstrap: the initial members named in INITIAL_MEMBERS form the cluster
          for (const n of initial) this.members.set(n, { state: 'member', voter: true, addedAt: 0 });
          this.leaders.set(dbOf(name), initial[1] ?? initial[0]!);
        }
        const m = this.members.get(name);
        if (idFile && existsSync(idFile)) {
          const previous = readFileSync(idFile, 'utf8');
          this.rule(
            m !== undefined && m.state !== 'left' && previous === `${name}@${m.addedAt}`,
            `${name} started on the data of a removed member (${previous})`,
          );
        }
        this.rule(m !== undefined && m.state !== 'left', `${name} started before being added to the cluster`);
        // a member restarting while another member is unhealthy risks quorum
        const wasRunning = [...this.history].reverse().find((h) => h.startsWith(`start ${name} `));
        if (wasRunning) {
          const unhealthy = [...this.members]
            .filter(
              ([n, mm]) =>
                n !== name &&
                sameDb(n, name) &&
                (mm.state === 'member' || mm.state === 'joining') &&
                !this.caughtUp(n),
            )
            .map(([n]) => n);
          this.rule(
            unhealthy.length === 0 || this.closing,
            `${name} restarted while ${unhealthy.join(',')} unhealthy`,
          );
        }
        if (idFile && m) {
          mkdirSync(dataDir!, { recursive: true });
          writeFileSync(idFile, `${name}@${m.addedAt}`);
        }
        this.running.set(name, { version, startedAt: Date.now() });
        this.history.push(`start ${name} ${version}`);
        server = createServer((req, res) => {
          const url = new URL(req.url ?? '/', 'http://x');
          const out = this.handle(req.method ?? 'GET', url.pathname, url.searchParams.get('name') ?? '');
          res.writeHead(out.code, { 'content-type': 'application/json' });
          res.end(JSON.stringify(out.body));
        });
        await new Promise<void>((resolve, reject) => {
          server!.once('error', reject);
          server!.listen(SIMDB_PORT, ctx.podIP, () => resolve());
        });
      },
      ready: () => !this.brokenVersions.has(version) && this.ready(name),
      stop: async () => {
        this.running.delete(name);
        this.history.push(`stop ${name}`);
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        server?.closeAllConnections();
      },
    };
  }
}

/** Calls a member's protocol endpoint. */
export async function simDbCall(
  ip: string,
  method: 'GET' | 'POST',
  path: string,
): Promise<{ code: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://${ip}:${SIMDB_PORT}${path}`, { method });
  return { code: res.status, body: (await res.json()) as Record<string, unknown> };
}
