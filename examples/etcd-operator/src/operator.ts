/**
 * The etcd operator program: flags and environment as every opkit operator reads them
 * (`managerOptionsFromEnv`), the etcd check when running against opkit's local cluster, then the
 * manager with the EtcdCluster controller and leader election.
 */
import {
  KubeClient,
  createLogger,
  managerOptionsFromEnv,
  runManager,
  type LeaderElectionOptions,
} from '@opkit/core';
import { etcdClusterController } from './controllers/index.js';
import { ensureEtcdBinaries, targetsLocalCluster } from './local-etcd/index.js';

/** The Lease replicas of the operator compete for. */
export const LEADER_ELECTION_ID = 'etcd-operator.etcd.opkit.dev';

/** Options of {@link runEtcdOperator}; defaults are the process's. */
export interface RunEtcdOperatorOptions {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** `process.exit` with the code at the end. Default true. */
  exit?: boolean;
}

/**
 * Runs the operator until SIGTERM/SIGINT; resolves to the exit code (0 clean stop, 1 failure,
 * 2 bad flags). Leader election is on unless `--leader-elect=false`.
 */
export async function runEtcdOperator(opts: RunEtcdOperatorOptions = {}): Promise<number> {
  const argv = opts.argv ?? process.argv.slice(2);
  const env = opts.env ?? process.env;
  const done = (code: number): number => {
    if (opts.exit ?? true) process.exit(code);
    return code;
  };
  let fromEnv: ReturnType<typeof managerOptionsFromEnv>;
  try {
    fromEnv = managerOptionsFromEnv(argv, env);
  } catch (err) {
    process.stderr.write(`etcd-operator: ${err instanceof Error ? err.message : String(err)}\n`);
    return done(2);
  }
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST);
  // where the backup claim is mounted in the operator's pod (managerOptionsFromEnv ignores unknown flags)
  const backupFlag = argv.map((a) => /^--backup-dir=(.+)$/.exec(a)?.[1]).find(Boolean);
  const backupDir = backupFlag ?? env.ETCD_OPERATOR_BACKUP_DIR;
  const local = targetsLocalCluster(env, fromEnv.kubeconfigPath);
  if (local) {
    // plain lines, not log records: this is a message for the human starting the operator
    const ok = await ensureEtcdBinaries({ env, log: (line) => process.stderr.write(`${line}\n`) });
    if (!ok) return done(1);
  }
  // on the local cluster a human reads the log (opkit dev's view): console lines unless asked otherwise
  const format = fromEnv.logFormat ?? (local ? 'console' : undefined);
  const logger = createLogger({ level: fromEnv.logLevel, format, defaultMeta: { logger: 'etcd-operator' } });
  let kube: KubeClient;
  try {
    kube = fromEnv.kubeconfigPath ? KubeClient.fromFile(fromEnv.kubeconfigPath) : KubeClient.fromDefault();
  } catch (err) {
    process.stderr.write(
      `etcd-operator: no cluster to talk to: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return done(1);
  }
  // on by default (two replicas must never run runbooks at once); a Lease name given by flag wins
  const flagged = fromEnv.leaderElection || undefined;
  const leaderElection: LeaderElectionOptions | false =
    fromEnv.leaderElection === false
      ? false
      : {
          ...flagged,
          id: flagged && flagged.id !== 'opkit-manager-leader' ? flagged.id : LEADER_ELECTION_ID,
        };
  return runManager({
    client: kube,
    logger,
    ...(format ? { logFormat: format } : {}),
    name: 'etcd-operator',
    // outside the cluster (opkit dev/run) several operators may share a machine: no fixed ports
    ...(inCluster
      ? {}
      : {
          metricsBindAddress: fromEnv.metricsBindAddress ?? '0',
          healthProbeBindAddress: fromEnv.healthProbeBindAddress ?? '0',
        }),
    leaderElection,
    controllers: [
      etcdClusterController(kube, logger, {
        // outside the cluster, members are reached at their pods' IPs (the local cluster's are loopback addresses)
        memberAddresses: inCluster ? 'dns' : 'podIP',
        ...(backupDir ? { backupRoot: backupDir } : {}),
      }),
    ],
    argv,
    env,
    exit: opts.exit ?? true,
  });
}
