/** Flags `opkit run` and `opkit dev` share, parsed the same way. */
import { Command, InvalidArgumentError, Option } from 'commander';

/** The parsed shared flags. */
export interface ClusterRunFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  local?: boolean;
  port: number;
  gracePeriod: number;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`"${value}" is not a port number (0-65535; 0 picks a free one).`);
  return port;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new InvalidArgumentError(`"${value}" is not a number of seconds.`);
  return seconds;
}

/** Adds --kubeconfig, --context, --namespace, --local, --port and --grace-period to a command. */
export function addClusterRunOptions(command: Command): Command {
  return command
    .argument('[project]', 'the operator project directory', '.')
    .argument('[operatorArgs...]', 'arguments for the operator, after --')
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the target cluster (default: KUBECONFIG, then ~/.kube/config)',
    )
    .option('--context <name>', 'kubeconfig context to use (default: the current one)')
    .option(
      '-n, --namespace <name>',
      'namespace for namespaced samples and the operator (POD_NAMESPACE); default: the context\'s, else "default"',
    )
    .option('--local', 'use the local cluster even when a kubeconfig is configured')
    .addOption(
      new Option('--port <port>', 'port of the local cluster (0 picks a free one)')
        .argParser(parsePort)
        .default(0),
    )
    .addOption(
      new Option('--grace-period <seconds>', 'time between SIGTERM and SIGKILL when stopping the operator')
        .argParser(parseSeconds)
        .default(10),
    );
}
