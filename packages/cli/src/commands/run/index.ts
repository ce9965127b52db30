/**
 * `opkit run [project]`: builds the project, installs its CRDs into the current kubeconfig's cluster
 * (or the local cluster when none is configured) and runs its manager there, like operator-sdk's
 * `make install run`. Ctrl-C stops the operator (SIGTERM, then SIGKILL after --grace-period) and then
 * the local cluster.
 */
import { Command } from 'commander';
import { loadCustomResourceDefinitions } from '../../generators/index.js';
import {
  buildProject,
  chooseTarget,
  installCustomResourceDefinitions,
  listenForInterrupt,
  openOperatorProject,
  OperatorProcess,
  type OperatorExit,
} from '../../devloop/index.js';
import type { Terminal } from '../../terminal/index.js';
import { addClusterRunOptions, type ClusterRunFlags } from './options.js';

export { addClusterRunOptions, type ClusterRunFlags } from './options.js';

interface RunFlags extends ClusterRunFlags {
  build: boolean;
  install: boolean;
}

/** Describes how an operator process ended, for messages. */
export function describeExit(exit: OperatorExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? 'unknown'}`;
}

/** Builds the `run` command. */
export function runCommand(term: Terminal): Command {
  const command = new Command('run').description(
    "build the project and run its operator against a cluster (the current kubeconfig's, else the local one)",
  );
  addClusterRunOptions(command)
    .option('--no-build', 'run the last build without building first')
    .option('--no-install', 'do not install the CRDs first')
    .addHelpText(
      'after',
      `
Examples:
  opkit run                                  # the project in this directory, current kubeconfig context
  opkit run examples/etcd-operator --local   # force the in-process local cluster
  opkit run . --context kind-dev -n tenants  # another context; samples and POD_NAMESPACE in "tenants"
  opkit run . -- --leader-elect              # arguments after -- go to the operator

Exit codes: 0 stopped with Ctrl-C or the operator exited 0; 1 a failure (build, install, operator); 2 usage.`,
    )
    .action(async (dir: string, operatorArgs: string[], flags: RunFlags) => {
      const project = await openOperatorProject(dir);
      if (flags.build) {
        term.progress(
          `building ${project.manifest.projectName} (${project.scripts.build ? 'npm run build' : 'tsc -b'})`,
        );
        const built = await buildProject(project, 'project-script');
        if (!built.ok) {
          if (built.output.trim()) term.info(built.output.trimEnd());
          term.fail(`the build failed (${built.command}); fix the errors above and run again`);
          return;
        }
        term.success(`built in ${(built.durationMs / 1000).toFixed(1)} s`);
      }
      const crds = flags.install ? await loadCustomResourceDefinitions(project.root, project.manifest) : [];
      const target = await chooseTarget({
        ...flags,
        stateDir: project.stateDir,
        progress: (m) => term.progress(m),
      });
      const interrupt = listenForInterrupt();
      try {
        term.info(`cluster: ${target.description}`);
        if (target.localCluster) term.info(`kubeconfig: ${target.kubeconfigPath}`);
        if (crds.length > 0) {
          await installCustomResourceDefinitions(target.kubeConfig, crds, {
            progress: (m) => term.progress(m),
          });
          term.success(`${crds.length} CustomResourceDefinition${crds.length === 1 ? '' : 's'} established`);
        }
        let exited: (exit: OperatorExit) => void = () => undefined;
        const operatorExit = new Promise<OperatorExit>((resolve) => (exited = resolve));
        const operator = new OperatorProcess({
          entryPoint: project.entryPoint,
          cwd: project.root,
          kubeconfigPath: target.kubeconfigPath,
          args: operatorArgs,
          env: { POD_NAMESPACE: process.env.POD_NAMESPACE ?? target.namespace },
          gracePeriodMs: flags.gracePeriod * 1000,
          output: (line, stream) =>
            (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`),
          onExit: exited,
        });
        term.progress(`starting the operator (node ${project.manifest.outDir}/main.js); Ctrl-C stops it`);
        operator.start();
        const first = await Promise.race([interrupt.signalled.then(() => undefined), operatorExit]);
        if (first === undefined) {
          term.progress('stopping the operator');
          const exit = await operator.stop();
          if (exit?.signal === 'SIGKILL')
            term.warn(`the operator did not stop within ${flags.gracePeriod} s of SIGTERM and was killed`);
          else term.success('operator stopped');
        } else if (first.code !== 0) {
          term.fail(`the operator ${describeExit(first)}`);
        } else term.info('the operator exited');
      } finally {
        interrupt.dispose();
        if (target.localCluster) {
          term.progress('stopping the local cluster');
          await target.localCluster.stop();
          term.success('local cluster stopped');
        }
      }
    });
  return command;
}
