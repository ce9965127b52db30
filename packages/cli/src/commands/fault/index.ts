/**
 * `opkit cluster fault ...`: inject faults (kill a container, make a pod unready, lose a node, wipe a
 * claim's data, slow a pod's start) into a local cluster that `opkit cluster start` runs in another
 * shell. The request goes to the cluster's own API server (`POST /opkit/v1/faults/<fault>`, a
 * non-resource path), authenticated with the kubeconfig's token like any kubectl request.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { FAULTS_PATH, type FaultName, type FaultRequests, type FaultResult } from '@opkit/local-cluster';
import type { Terminal } from '../../terminal/index.js';

interface ClusterState {
  pid: number;
  kubeconfig: string;
}

/** Where a fault command finds the cluster. */
interface TargetOptions {
  stateDir: string;
  kubeconfig?: string;
}

/** A failure to report as one line with exit code 1. */
class FaultError extends Error {}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go-style duration (`5s`, `500ms`, `1m30s`, `0`) into milliseconds. */
export function parseDuration(value: string): number {
  if (value.trim() === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    total += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== value.length) {
    throw new InvalidArgumentError(`"${value}" is not a duration (examples: 5s, 500ms, 1m30s; 0 clears).`);
  }
  return Math.round(total);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function kubeconfigOf(target: TargetOptions): Promise<KubeConfig> {
  let file = target.kubeconfig;
  if (!file) {
    let state: ClusterState | undefined;
    try {
      state = JSON.parse(await readFile(path.join(target.stateDir, 'cluster.json'), 'utf8')) as ClusterState;
    } catch {
      state = undefined;
    }
    if (!state || !isRunning(state.pid)) {
      throw new FaultError(
        `no local cluster is running from ${path.resolve(target.stateDir)} (start one with: opkit cluster start, or pass --kubeconfig)`,
      );
    }
    file = state.kubeconfig;
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromString(await readFile(file, 'utf8'));
  } catch (e) {
    throw new FaultError(`cannot read the kubeconfig ${file}: ${(e as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new FaultError(`the kubeconfig ${file} has no current cluster`);
  return kc;
}

/** POSTs one fault to the cluster; resolves to its answer, throws a FaultError with the server's message. */
async function injectFault<F extends FaultName>(
  target: TargetOptions,
  fault: F,
  body: FaultRequests[F],
): Promise<FaultResult> {
  const kc = await kubeconfigOf(target);
  const server = kc.getCurrentCluster()?.server ?? '';
  const url = new URL(`${FAULTS_PATH}/${fault}`, server);
  const options: https.RequestOptions = { method: 'POST', headers: { 'Content-Type': 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  const payload = JSON.stringify(body);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const send = url.protocol === 'https:' ? https.request : http.request;
    const req = send(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', (e) =>
      reject(new FaultError(`cannot reach the local cluster at ${server}: ${e.message} (is it running?)`)),
    );
    req.end(payload);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (status !== 200) {
    const message = (parsed as { message?: string } | undefined)?.message ?? text.trim();
    throw new FaultError(`the cluster refused the fault (${status}): ${message}`);
  }
  return parsed as FaultResult;
}

function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--state-dir <dir>', 'state directory of `opkit cluster start`', '.opkit')
    .option(
      '--kubeconfig <file>',
      'reach the cluster through this kubeconfig instead of the state directory',
    );
}

/** Builds `cluster fault` and its sub-commands. */
export function faultCommand(term: Terminal): Command {
  const fault = new Command('fault')
    .description('inject faults into the running local cluster (for tests of failure handling)')
    .addHelpText(
      'after',
      `
The cluster runs in another shell (opkit cluster start); these commands reach it through its API
server with the kubeconfig's token. Exit codes: 0 done, 1 refused (no cluster, no such pod/node/claim),
2 usage error.

Examples:
  opkit cluster fault kill web-0                     # SIGKILL every container of pod web-0 in default
  opkit cluster fault kill web-0 -n db -c etcd --signal SIGTERM
  opkit cluster fault unready web-1                  # readiness false until --clear
  opkit cluster fault unready web-1 --clear
  opkit cluster fault lose-node local-node-2         # Ready=Unknown; its pods stay, not Ready
  opkit cluster fault recover-node local-node-2
  opkit cluster fault wipe-pvc data-web-0 -n db      # a broken disk: the claim's data is gone
  opkit cluster fault slow-start web-2 --delay 5s    # every start of web-2's containers waits 5 s`,
    );

  // a FaultError reaches main(), which prints its message and exits 1
  const run = async (what: () => Promise<FaultResult>): Promise<void> => {
    term.success((await what()).message);
  };
  const namespaceOption = (): Option =>
    new Option('-n, --namespace <namespace>', 'namespace of the pod').default('default');

  addTargetOptions(
    fault
      .command('kill')
      .description("kill a pod's container processes, as a crash would (the kubelet restarts them)")
      .argument('<pod>', 'pod name')
      .addOption(namespaceOption())
      .option('-c, --container <name>', 'only this container (default: all of them)')
      .addOption(
        new Option('--signal <signal>', 'signal to send').choices(['SIGKILL', 'SIGTERM']).default('SIGKILL'),
      )
      .addHelpText(
        'after',
        '\nExamples:\n  opkit cluster fault kill web-0\n  opkit cluster fault kill web-0 -n db -c etcd --signal SIGTERM',
      ),
  ).action(
    (
      pod: string,
      o: TargetOptions & { namespace: string; container?: string; signal: 'SIGKILL' | 'SIGTERM' },
    ) =>
      run(() =>
        injectFault(o, 'kill-container', {
          namespace: o.namespace,
          pod,
          ...(o.container ? { container: o.container } : {}),
          signal: o.signal,
        }),
      ),
  );

  addTargetOptions(
    fault
      .command('unready')
      .description("make a pod's containers report unready (readiness fails) until --clear")
      .argument('<pod>', 'pod name')
      .addOption(namespaceOption())
      .option('-c, --container <name>', 'only this container (default: all of them)')
      .option('--clear', "give readiness back to the pod's probes", false)
      .addHelpText(
        'after',
        '\nExamples:\n  opkit cluster fault unready web-1\n  opkit cluster fault unready web-1 --clear',
      ),
  ).action((pod: string, o: TargetOptions & { namespace: string; container?: string; clear: boolean }) =>
    run(() =>
      injectFault(o, 'set-unready', {
        namespace: o.namespace,
        pod,
        ...(o.container ? { container: o.container } : {}),
        unready: !o.clear,
      }),
    ),
  );

  addTargetOptions(
    fault
      .command('lose-node')
      .description('lose a node: its containers die, it turns Ready=Unknown, its pods stay (not Ready)')
      .argument('<node>', 'node name (kubectl get nodes)')
      .addHelpText('after', '\nExample:\n  opkit cluster fault lose-node local-node-2'),
  ).action((node: string, o: TargetOptions) => run(() => injectFault(o, 'lose-node', { node })));

  addTargetOptions(
    fault
      .command('recover-node')
      .description('bring a lost node back; its kubelet restarts the pods still bound to it')
      .argument('<node>', 'node name')
      .addHelpText('after', '\nExample:\n  opkit cluster fault recover-node local-node-2'),
  ).action((node: string, o: TargetOptions) => run(() => injectFault(o, 'recover-node', { node })));

  addTargetOptions(
    fault
      .command('wipe-pvc')
      .description("delete the data of a PersistentVolumeClaim's volume (a broken disk)")
      .argument('<claim>', 'PVC name, e.g. data-web-0')
      .addOption(new Option('-n, --namespace <namespace>', 'namespace of the claim').default('default'))
      .addHelpText('after', '\nExample:\n  opkit cluster fault wipe-pvc data-web-0 -n db'),
  ).action((claim: string, o: TargetOptions & { namespace: string }) =>
    run(() => injectFault(o, 'wipe-volume', { namespace: o.namespace, claim })),
  );

  addTargetOptions(
    fault
      .command('slow-start')
      .description("delay every start of a pod's containers (the pod need not exist yet)")
      .argument('<pod>', 'pod name')
      .addOption(namespaceOption())
      .requiredOption(
        '--delay <duration>',
        'how long, e.g. 5s, 500ms, 1m (0 removes the delay)',
        parseDuration,
      )
      .addHelpText(
        'after',
        '\nExamples:\n  opkit cluster fault slow-start web-2 --delay 5s\n  opkit cluster fault slow-start web-2 --delay 0',
      ),
  ).action((pod: string, o: TargetOptions & { namespace: string; delay: number }) =>
    run(() => injectFault(o, 'slow-start', { namespace: o.namespace, pod, delayMs: o.delay })),
  );

  return fault;
}
