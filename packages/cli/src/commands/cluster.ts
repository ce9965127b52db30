/**
 * `opkit cluster start|stop|status|fault`: the local cluster from the shell.
 * `start` runs in the foreground, writes a kubeconfig and a state file (so `stop`/`status` from
 * another shell find it), and stops cleanly on Ctrl-C / SIGTERM.
 */
import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { LocalCluster } from '@opkit/local-cluster';
import { followPodActivity } from '../pod-activity/index.js';
import { faultCommand } from './fault/index.js';
import type { Terminal } from '../terminal/index.js';
import { formatOutput, outputOption, type OutputFormat } from './output.js';

interface ClusterState {
  pid: number;
  url: string;
  kubeconfig: string;
  dataDir?: string;
  startedAt: string;
}

const defaultStateDir = '.opkit';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port number (0-65535; 0 picks a free one).`);
  }
  return port;
}

function stateFile(dir: string): string {
  return path.join(dir, 'cluster.json');
}

async function readState(dir: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(dir), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Builds the `cluster` command group. */
export function clusterCommand(term: Terminal): Command {
  const cluster = new Command('cluster').description(
    'run the local Kubernetes cluster (API server) on this machine',
  );

  cluster
    .command('start')
    .description('start the local cluster in the foreground; Ctrl-C stops it')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 6443)
    .option('--kubeconfig <file>', 'where to write the kubeconfig', path.join(defaultStateDir, 'kubeconfig'))
    .option('--data-dir <dir>', 'persist every object in this directory (default: in memory only)')
    .option('--insecure-http', 'serve plain HTTP instead of HTTPS (tests only)', false)
    .option(
      '--state-dir <dir>',
      'where `opkit cluster stop|status` find the running cluster',
      defaultStateDir,
    )
    .addHelpText(
      'after',
      `
Examples:
  opkit cluster start                       # https://127.0.0.1:6443, kubeconfig in .opkit/kubeconfig
  opkit cluster start --data-dir .opkit/data  # keep objects across restarts
  kubectl --kubeconfig .opkit/kubeconfig get namespaces`,
    )
    .action(
      async (opts: {
        port: number;
        kubeconfig: string;
        dataDir?: string;
        insecureHttp: boolean;
        stateDir: string;
      }) => {
        const existing = await readState(opts.stateDir);
        if (existing && isRunning(existing.pid) && existing.pid !== process.pid) {
          term.fail(
            `a local cluster is already running (pid ${existing.pid}, ${existing.url}). Stop it with: opkit cluster stop`,
          );
          return;
        }
        term.progress('starting the local cluster');
        let localCluster: LocalCluster;
        try {
          localCluster = await LocalCluster.start({
            port: opts.port,
            dataDir: opts.dataDir,
            kubeconfigPath: opts.kubeconfig,
            tls: !opts.insecureHttp,
          });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE') {
            term.fail(
              `port ${opts.port} is in use. Pick another with --port <port>, or --port 0 for any free port.`,
            );
            return;
          }
          throw err;
        }
        await mkdir(opts.stateDir, { recursive: true });
        const state: ClusterState = {
          pid: process.pid,
          url: localCluster.url,
          kubeconfig: path.resolve(opts.kubeconfig),
          dataDir: opts.dataDir ? path.resolve(opts.dataDir) : undefined,
          startedAt: new Date().toISOString(),
        };
        await writeFile(stateFile(opts.stateDir), JSON.stringify(state, null, 2));
        term.success(`local cluster running at ${localCluster.url}`);
        term.info(`kubeconfig: ${state.kubeconfig}`);
        term.info(`try: kubectl --kubeconfig ${opts.kubeconfig} get namespaces`);
        term.info(
          opts.dataDir
            ? `objects persist in ${state.dataDir}`
            : 'storage: in memory (use --data-dir to keep objects)',
        );
        term.info('press Ctrl-C to stop');
        // Pods turning Ready (or failing) as they do, one line per change.
        const activity = new AbortController();
        followPodActivity(localCluster, (line) => term.info(line), activity.signal).catch((err: unknown) =>
          term.warn(`pod activity stopped: ${String(err)}`),
        );

        await new Promise<void>((resolve) => {
          let stopping = false;
          const stop = (signal: string): void => {
            if (stopping) {
              term.info(`${signal} again: exiting now`);
              process.exit(1);
            }
            stopping = true;
            activity.abort();
            term.progress('stopping the local cluster');
            localCluster
              .stop()
              .then(() => rm(stateFile(opts.stateDir), { force: true }))
              .then(() => {
                term.success('stopped');
                resolve();
              })
              .catch((err: unknown) => {
                term.fail(`stopping failed: ${String(err)}`);
                resolve();
              });
          };
          process.on('SIGINT', () => stop('SIGINT'));
          process.on('SIGTERM', () => stop('SIGTERM'));
        });
      },
    );

  cluster
    .command('status')
    .description('say whether a local cluster started from this directory is running')
    .option('--state-dir <dir>', 'state directory of `opkit cluster start`', defaultStateDir)
    .addOption(outputOption('print the status as yaml or json (running, pid, url, kubeconfig, ...)'))
    .addHelpText(
      'after',
      `
Exit code 1 when no cluster is running (with -o too, after printing "running: false").

Examples:
  opkit cluster status
  opkit cluster status -o json | jq -r .kubeconfig`,
    )
    .action(async (opts: { stateDir: string; output?: OutputFormat }) => {
      const state = await readState(opts.stateDir);
      const running = state !== undefined && isRunning(state.pid);
      if (opts.output !== undefined) {
        term.info(formatOutput(running ? { running, ...state } : { running }, opts.output));
      } else if (running) {
        term.info(
          `running: pid ${state.pid}, ${state.url}, kubeconfig ${state.kubeconfig}, since ${state.startedAt}`,
        );
      } else {
        term.info('no local cluster is running (start one with: opkit cluster start)');
      }
      if (!running) process.exitCode = 1;
    });

  cluster
    .command('stop')
    .description('stop the local cluster started from this directory')
    .option('--state-dir <dir>', 'state directory of `opkit cluster start`', defaultStateDir)
    .action(async (opts: { stateDir: string }) => {
      const state = await readState(opts.stateDir);
      if (!state || !isRunning(state.pid)) {
        term.info('no local cluster is running');
        await rm(stateFile(opts.stateDir), { force: true });
        return;
      }
      process.kill(state.pid, 'SIGTERM');
      for (let i = 0; i < 100 && isRunning(state.pid); i++) await new Promise((r) => setTimeout(r, 100));
      if (isRunning(state.pid)) {
        term.fail(
          `the cluster (pid ${state.pid}) did not stop within 10 s; kill it with: kill -9 ${state.pid}`,
        );
        return;
      }
      term.success('stopped');
    });

  cluster.addCommand(faultCommand(term));

  return cluster;
}
