import type { IncomingMessage } from 'node:http';

/** A named check: resolve for healthy, throw (or reject) for unhealthy (controller-runtime healthz.Checker). */
export type HealthCheck = (request?: IncomingMessage) => void | Promise<void>;

/** A check that always passes (healthz.Ping). */
export const ping: HealthCheck = () => undefined;

/** An HTTP answer, independent of the server that sends it. */
export interface ProbeResponse {
  status: number;
  body: string;
}

interface CheckStatus {
  name: string;
  healthy: boolean;
  excluded: boolean;
}

/**
 * A set of named checks served as one endpoint, with controller-runtime's output format
 * (pkg/healthz/healthz.go): `ok`, or with `?verbose` one `[+]name ok` line per check and
 * `healthz check passed`; failures always list every check (`[-]name failed: reason withheld`)
 * and answer 500. `?exclude=name` skips a check; `/<endpoint>/<name>` runs one check.
 */
export class HealthChecks {
  private readonly checks = new Map<string, HealthCheck>();

  constructor(private readonly checkTimeoutMs = 10_000) {}

  /** Adds a check; names are unique. */
  add(name: string, check: HealthCheck): void {
    if (!name || name.includes('/')) throw new Error(`invalid health check name "${name}"`);
    if (this.checks.has(name)) throw new Error(`health check "${name}" already exists`);
    this.checks.set(name, check);
  }

  /** Names of the checks. */
  names(): string[] {
    return [...this.checks.keys()].sort();
  }

  /** Runs every check (or the one named by `subpath`) and renders the answer. */
  async serve(url: URL, subpath: string, request?: IncomingMessage): Promise<ProbeResponse> {
    if (subpath) {
      const check = this.checks.get(subpath);
      if (!check) return { status: 404, body: '404 page not found\n' };
      try {
        await this.run(check, request);
        return { status: 200, body: 'ok' };
      } catch (err) {
        return {
          status: 500,
          body: `internal server error: ${err instanceof Error ? err.message : String(err)}\n`,
        };
      }
    }
    const excluded = new Set(
      url.searchParams
        .getAll('exclude')
        .flatMap((e) => e.split(','))
        .filter(Boolean),
    );
    const entries = [...this.checks.entries()];
    const parts: CheckStatus[] = await Promise.all(
      entries.map(async ([name, check]): Promise<CheckStatus> => {
        if (excluded.has(name)) return { name, healthy: true, excluded: true };
        try {
          await this.run(check, request);
          return { name, healthy: true, excluded: false };
        } catch {
          return { name, healthy: false, excluded: false };
        }
      }),
    );
    // as controller-runtime: with no checks, an implicit ping
    if (parts.length === 0) parts.push({ name: 'ping', healthy: true, excluded: false });
    parts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const listing = parts
      .map((p) =>
        p.excluded
          ? `[+]${p.name} excluded: ok\n`
          : p.healthy
            ? `[+]${p.name} ok\n`
            : `[-]${p.name} failed: reason withheld\n`,
      )
      .join('');
    if (parts.some((p) => !p.healthy)) return { status: 500, body: `${listing}healthz check failed\n` };
    if (!url.searchParams.has('verbose')) return { status: 200, body: 'ok' };
    return { status: 200, body: `${listing}healthz check passed\n` };
  }

  private async run(check: HealthCheck, request?: IncomingMessage): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => check(request)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`check timed out after ${this.checkTimeoutMs} ms`)),
            this.checkTimeoutMs,
          );
          timer.unref();
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
