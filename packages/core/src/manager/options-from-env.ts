import type { ManagerOptions } from './manager.js';

/**
 * Manager options from command-line flags and environment variables; a flag wins over its
 * variable, and unset ones are left out (the manager's defaults apply).
 *
 * | flag | variable | meaning |
 * |---|---|---|
 * | `--leader-elect[=true\|false]` | `OPKIT_LEADER_ELECT` | leader election on/off |
 * | `--leader-election-id` | `OPKIT_LEADER_ELECTION_ID` | Lease name (default `opkit-manager-leader`) |
 * | `--leader-election-namespace` | `OPKIT_LEADER_ELECTION_NAMESPACE`, `POD_NAMESPACE` | Lease namespace |
 * | `--metrics-bind-address` | `OPKIT_METRICS_BIND_ADDRESS` | `host:port` of /metrics, `0` off |
 * | `--health-probe-bind-address` | `OPKIT_HEALTH_PROBE_BIND_ADDRESS` | `host:port` of /healthz, /readyz |
 * | `--namespace` (repeatable, or comma-separated) | `OPKIT_NAMESPACES` (comma-separated), `WATCH_NAMESPACE` | namespaces to watch; none: all |
 * | `--log-level` | `OPKIT_LOG_LEVEL` | `error`, `warn`, `info`, `debug` |
 * | `--log-format` | `OPKIT_LOG_FORMAT` | `json` or `console` |
 * | `--graceful-shutdown-timeout` | `OPKIT_GRACEFUL_SHUTDOWN_TIMEOUT` | `30s`, `500ms`, `2m` or milliseconds |
 * | `--kubeconfig` | `KUBECONFIG` (read by the client) | kubeconfig file |
 *
 * Unknown flags and positional arguments are ignored, so a program may add its own.
 */
export function managerOptionsFromEnv(
  argv: readonly string[] = process.argv.slice(2),
  env: Readonly<Record<string, string | undefined>> = process.env,
): ManagerOptions & { kubeconfigPath?: string } {
  const flags = parseFlags(argv);
  const pick = (flag: string, ...vars: string[]): string | undefined => {
    const values = flags.get(flag);
    if (values && values.length > 0) return values[values.length - 1];
    for (const v of vars) if (env[v]) return env[v];
    return undefined;
  };
  const options: ManagerOptions & { kubeconfigPath?: string } = {};
  const leaderElect = pick('leader-elect', 'OPKIT_LEADER_ELECT');
  if (leaderElect !== undefined && parseBoolean(leaderElect, 'leader-elect')) {
    options.leaderElection = {
      id: pick('leader-election-id', 'OPKIT_LEADER_ELECTION_ID') ?? 'opkit-manager-leader',
      namespace: pick('leader-election-namespace', 'OPKIT_LEADER_ELECTION_NAMESPACE', 'POD_NAMESPACE'),
    };
  } else if (leaderElect !== undefined) options.leaderElection = false;
  const metrics = pick('metrics-bind-address', 'OPKIT_METRICS_BIND_ADDRESS');
  if (metrics !== undefined) options.metricsBindAddress = metrics;
  const probe = pick('health-probe-bind-address', 'OPKIT_HEALTH_PROBE_BIND_ADDRESS');
  if (probe !== undefined) options.healthProbeBindAddress = probe;
  const namespaceFlags = flags.get('namespace');
  const namespaces = namespaceFlags?.length
    ? namespaceFlags
    : [env['OPKIT_NAMESPACES'] ?? env['WATCH_NAMESPACE'] ?? ''];
  const list = namespaces
    .flatMap((n) => n.split(','))
    .map((n) => n.trim())
    .filter(Boolean);
  if (list.length > 0) options.namespaces = [...new Set(list)];
  const level = pick('log-level', 'OPKIT_LOG_LEVEL');
  if (level !== undefined) options.logLevel = level;
  const format = pick('log-format', 'OPKIT_LOG_FORMAT');
  if (format !== undefined) {
    if (format !== 'json' && format !== 'console')
      throw new Error(`--log-format must be json or console, not "${format}"`);
    options.logFormat = format;
  }
  const grace = pick('graceful-shutdown-timeout', 'OPKIT_GRACEFUL_SHUTDOWN_TIMEOUT');
  if (grace !== undefined) options.gracefulShutdownTimeoutMs = parseDurationMs(grace);
  const kubeconfig = pick('kubeconfig');
  if (kubeconfig !== undefined) options.kubeconfigPath = kubeconfig;
  return options;
}

const BOOLEAN_FLAGS = new Set(['leader-elect']);

function parseFlags(argv: readonly string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) continue;
    const name = m[1]!;
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (BOOLEAN_FLAGS.has(name)) value = 'true';
      else if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      } else value = '';
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}

function parseBoolean(value: string, name: string): boolean {
  if (/^(1|t|true|yes)$/i.test(value)) return true;
  if (/^(0|f|false|no)$/i.test(value)) return false;
  throw new Error(`--${name} must be true or false, not "${value}"`);
}

/** Parses `30s`, `500ms`, `2m`, `1h` or plain milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration "${text}" (use e.g. 30s, 500ms, 2m)`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return n * unit;
}
