/**
 * Which cluster the operator runs against: the current kubeconfig (`--kubeconfig`, else `KUBECONFIG`,
 * else `~/.kube/config`, the order kubectl uses — k8s.io/client-go/tools/clientcmd/loader.go), with
 * `--context` and `--namespace` on top; or, when none is configured, the local cluster in this process.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { LocalCluster } from '@opkit/local-cluster';
import { UserInputError } from '../../generators/index.js';

/** The `--kubeconfig`, `--context` and `--namespace` flags. */
export interface TargetFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** A cluster to run against. */
export interface ClusterTarget {
  /** A client configuration for it (current context selected). */
  kubeConfig: KubeConfig;
  /** The kubeconfig file the operator process gets as KUBECONFIG. */
  kubeconfigPath: string;
  /** Where this target came from, for messages ("local cluster", "kubeconfig ~/.kube/config, context kind-dev"). */
  description: string;
  /** The namespace for namespaced samples: `--namespace`, else the context's, else `default`. */
  namespace: string;
  /** Set when the local cluster was started for this target; stop it when done. */
  localCluster?: LocalCluster;
}

/**
 * The kubeconfig files configured for this shell, in kubectl's order of precedence, or undefined
 * when there are none (then the local cluster is used).
 */
export function configuredKubeconfigFiles(
  flags: TargetFlags,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string[] | undefined {
  if (flags.kubeconfig) {
    const file = path.resolve(flags.kubeconfig);
    if (!existsSync(file)) throw new UserInputError(`--kubeconfig ${flags.kubeconfig}: no such file`);
    return [file];
  }
  if (env.KUBECONFIG) {
    // clientcmd skips missing files in KUBECONFIG rather than failing.
    const files = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '' && existsSync(f));
    if (files.length > 0) return files.map((f) => path.resolve(f));
  }
  const fallback = path.join(home, '.kube', 'config');
  return existsSync(fallback) ? [fallback] : undefined;
}

function selectContext(kubeConfig: KubeConfig, flags: TargetFlags, source: string): string {
  if (flags.context) {
    if (!kubeConfig.getContextObject(flags.context)) {
      const known = kubeConfig.getContexts().map((c) => c.name);
      throw new UserInputError(
        `context "${flags.context}" is not in ${source} (known: ${known.join(', ') || 'none'})`,
      );
    }
    kubeConfig.setCurrentContext(flags.context);
  }
  const current = kubeConfig.getCurrentContext();
  if (!current || !kubeConfig.getContextObject(current)) {
    throw new UserInputError(`${source} has no current context: pass --context <name>`);
  }
  return current;
}

/**
 * Opens the configured kubeconfig. When the operator cannot simply be handed the user's file (a
 * `--context` other than the current one, several files merged), writes the selected configuration
 * to `<stateDir>/kubeconfig.run` (mode 0600) for it.
 */
export async function kubeconfigTarget(
  files: string[],
  flags: TargetFlags,
  stateDir: string,
): Promise<ClusterTarget> {
  const kubeConfig = new KubeConfig();
  const source = files.length === 1 ? `kubeconfig ${files[0]}` : `KUBECONFIG ${files.join(path.delimiter)}`;
  try {
    if (files.length === 1) kubeConfig.loadFromFile(files[0]);
    else {
      // loadFromDefault merges the KUBECONFIG list in order, like clientcmd.
      kubeConfig.loadFromDefault();
    }
  } catch (err) {
    throw new UserInputError(`cannot read ${source}: ${(err as Error).message}`);
  }
  const originalContext = kubeConfig.getCurrentContext();
  const context = selectContext(kubeConfig, flags, source);
  let kubeconfigPath = files[0];
  if (files.length > 1 || context !== originalContext) {
    kubeconfigPath = path.join(stateDir, 'kubeconfig.run');
    await mkdir(stateDir, { recursive: true });
    await writeFile(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
  }
  const contextNamespace = kubeConfig.getContextObject(context)?.namespace;
  return {
    kubeConfig,
    kubeconfigPath,
    description: `${source}, context ${context} (${kubeConfig.getCurrentCluster()?.server ?? 'no server'})`,
    namespace: flags.namespace ?? contextNamespace ?? 'default',
  };
}

/** Options of {@link localClusterTarget}. */
export interface LocalTargetOptions {
  /** Where the kubeconfig goes (`.opkit/kubeconfig` in the project). */
  kubeconfigPath: string;
  /** Port; 0 picks a free one. */
  port?: number;
  namespace?: string;
}

/** Starts the local cluster in this process and targets it. */
export async function localClusterTarget(options: LocalTargetOptions): Promise<ClusterTarget> {
  const cluster = await LocalCluster.start({
    port: options.port ?? 0,
    kubeconfigPath: options.kubeconfigPath,
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(cluster.kubeconfig);
  return {
    kubeConfig,
    kubeconfigPath: options.kubeconfigPath,
    description: `local cluster ${cluster.url}`,
    namespace: options.namespace ?? 'default',
    localCluster: cluster,
  };
}

/** Options of {@link chooseTarget}. */
export interface ChooseTargetOptions extends TargetFlags {
  /** Use the local cluster even when a kubeconfig is configured. */
  local?: boolean;
  /** Only use a kubeconfig given with --kubeconfig or --context; otherwise the local cluster (`opkit dev`). */
  explicitOnly?: boolean;
  /** Port of the local cluster. */
  port?: number;
  /** The project's `.opkit/` directory. */
  stateDir: string;
  /** Progress messages ("starting the local cluster"). */
  progress: (message: string) => void;
}

/**
 * The configured cluster, or the local cluster (started here, its kubeconfig in `<stateDir>/kubeconfig`)
 * when none is configured or `local` is set.
 */
export async function chooseTarget(options: ChooseTargetOptions): Promise<ClusterTarget> {
  const explicit = Boolean(options.kubeconfig || options.context);
  if (options.local && explicit)
    throw new UserInputError('--local cannot be combined with --kubeconfig or --context');
  const files =
    options.local || (options.explicitOnly && !explicit) ? undefined : configuredKubeconfigFiles(options);
  if (files) return kubeconfigTarget(files, options, options.stateDir);
  if (options.context)
    throw new UserInputError(
      `--context ${options.context}: no kubeconfig is configured (--kubeconfig, KUBECONFIG or ~/.kube/config)`,
    );
  options.progress(
    options.local || options.explicitOnly
      ? 'starting the local cluster in this process'
      : 'no kubeconfig configured (--kubeconfig, KUBECONFIG, ~/.kube/config): starting the local cluster in this process',
  );
  return localClusterTarget({
    kubeconfigPath: path.join(options.stateDir, 'kubeconfig'),
    port: options.port,
    namespace: options.namespace,
  });
}
