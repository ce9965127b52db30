/**
 * `opkit dev [project]`: the inner loop. Starts the local cluster in this process, installs the CRDs,
 * applies config/samples, runs the operator, and rebuilds (tsc -b) and restarts it whenever src/
 * changes, while a live view shows the custom resources, their pods, runbook steps and Events.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import {
  loadCustomResourceDefinitions,
  storageVersion,
  type CustomResourceDefinitionDocument,
} from '../../generators/index.js';
import {
  applyObjects,
  buildProject,
  chooseTarget,
  initialViewState,
  installCustomResourceDefinitions,
  listenForInterrupt,
  LiveView,
  openOperatorProject,
  OperatorProcess,
  readSampleObjects,
  ViewFeed,
  watchSources,
  type BuildResult,
  type ClusterTarget,
  type OperatorProject,
  type WatchedKind,
} from '../../devloop/index.js';
import type { Terminal } from '../../terminal/index.js';
import { addClusterRunOptions, describeExit, type ClusterRunFlags } from '../run/index.js';

interface DevFlags extends ClusterRunFlags {
  view: boolean;
  samples: boolean;
}

function watchedKinds(crds: readonly CustomResourceDefinitionDocument[]): WatchedKind[] {
  return crds.map((crd) => ({
    group: crd.spec.group,
    version: storageVersion(crd),
    kind: crd.spec.names.kind,
    plural: crd.spec.names.plural,
  }));
}

/** The first compiler error, for the one-line operator status. */
function firstError(build: BuildResult): string {
  return (
    build.output
      .split('\n')
      .find((l) => /error/i.test(l))
      ?.trim() ?? `${build.command} failed`
  );
}

/** One `opkit dev` session: what runs, and how it stops. */
class DevSession {
  private operator: OperatorProcess | undefined;
  private view: LiveView | undefined;
  private feed: ViewFeed | undefined;
  private logFile: WriteStream | undefined;
  private stopWatching: (() => void) | undefined;
  private building: Promise<void> | undefined;
  private rebuildQueued = false;
  private restarts = 0;
  private started = false;
  private stopping = false;

  constructor(
    private readonly term: Terminal,
    private readonly project: OperatorProject,
    private readonly target: ClusterTarget,
    private readonly flags: DevFlags,
    private readonly operatorArgs: string[],
  ) {}

  /** Where lifecycle messages go: into the view on a TTY, else plain lines. */
  private say(message: string): void {
    if (this.view && process.stdout.isTTY) this.view.log(`[opkit] ${message}`);
    else this.term.info(`[opkit] ${message}`);
  }

  private setOperator(state: Parameters<LiveView['update']>[0]): void {
    this.view?.update(state);
  }

  /** First build, install, samples, operator, view; then watch src/. */
  async start(): Promise<void> {
    const { term, project } = this;
    term.progress('building (tsc -b)');
    const built = await buildProject(project, 'incremental');
    if (!built.ok) {
      if (built.output.trim()) term.info(built.output.trimEnd());
      term.warn('the build has errors; fix them and save: opkit dev rebuilds and starts the operator then');
    } else term.success(`built in ${(built.durationMs / 1000).toFixed(1)} s`);
    this.stopWatching = watchSources(project.sourceDir, (files) => this.rebuild(files));
    if (built.ok) await this.launch();
  }

  /** Installs CRDs and samples, starts the view and the operator (after the first good build). */
  private async launch(): Promise<void> {
    const { term, project, target } = this;
    this.started = true;
    const crds = await loadCustomResourceDefinitions(project.root, project.manifest);
    if (crds.length > 0) {
      await installCustomResourceDefinitions(target.kubeConfig, crds, { progress: (m) => term.progress(m) });
      term.success(`${crds.length} CustomResourceDefinition${crds.length === 1 ? '' : 's'} established`);
    }
    if (this.flags.samples) {
      const samples = await readSampleObjects(project.samplesDir);
      if (samples.length > 0) {
        term.progress(
          `applying ${samples.length} sample${samples.length === 1 ? '' : 's'} from config/samples`,
        );
        const applied = await applyObjects(
          target.kubeConfig,
          samples.map((s) => s.object),
          target.namespace,
        );
        term.success(
          `applied ${applied.map((a) => `${a.kind} ${a.namespace ? `${a.namespace}/` : ''}${a.name}`).join(', ')}`,
        );
      } else term.info('no samples in config/samples (opkit create api writes one)');
    }
    const tty = Boolean(process.stdout.isTTY);
    if (this.flags.view) {
      if (tty) {
        await mkdir(project.stateDir, { recursive: true });
        const file = path.join(project.stateDir, 'operator.log');
        this.logFile = createWriteStream(file, { flags: 'a' });
        term.info(`operator logs: ${file}`);
      }
      this.view = new LiveView(initialViewState(project.manifest.projectName, target.description), {
        stream: process.stdout,
        tty,
        colour: tty && !process.env.NO_COLOR,
      });
      this.view.start();
      const feed = new ViewFeed(target.kubeConfig, watchedKinds(crds), () =>
        this.view?.update((s) => Object.assign(s, feed.snapshot())),
      );
      this.feed = feed;
      await feed.start();
    }
    this.operator = new OperatorProcess({
      entryPoint: project.entryPoint,
      cwd: project.root,
      kubeconfigPath: target.kubeconfigPath,
      args: this.operatorArgs,
      env: { POD_NAMESPACE: process.env.POD_NAMESPACE ?? target.namespace },
      gracePeriodMs: this.flags.gracePeriod * 1000,
      output: (line, stream) => {
        this.logFile?.write(`${line}\n`);
        if (this.view && tty) this.view.log(line);
        else (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`);
      },
      onExit: (exit) => {
        if (exit.requested || this.stopping) return;
        this.setOperator(
          (s) => (s.operator = { state: 'exited', restarts: this.restarts, detail: describeExit(exit) }),
        );
        this.say(`the operator ${describeExit(exit)}; save a file in src/ to rebuild and restart it`);
      },
    });
    this.startOperator();
  }

  private startOperator(): void {
    if (this.stopping) return;
    this.say(`starting the operator (node ${this.project.manifest.outDir}/main.js)`);
    this.operator?.start();
    this.setOperator(
      (s) => (s.operator = { state: 'running', pid: this.operator?.pid, restarts: this.restarts }),
    );
  }

  /** Rebuilds after a burst of source changes; one build at a time, one more queued at most. */
  private rebuild(files: string[]): void {
    if (this.stopping) return;
    if (this.building) {
      this.rebuildQueued = true;
      return;
    }
    this.building = (async () => {
      this.say(
        `changed: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}; rebuilding`,
      );
      this.setOperator((s) => (s.operator = { ...s.operator, state: 'building' }));
      const built = await buildProject(this.project, 'incremental');
      if (this.stopping) return;
      if (!built.ok) {
        for (const line of built.output.trimEnd().split('\n')) this.say(line);
        this.setOperator(
          (s) => (s.operator = { ...s.operator, state: 'build-failed', detail: firstError(built) }),
        );
        this.say(this.operator?.running ? 'build failed: the previous build keeps running' : 'build failed');
        return;
      }
      if (!this.started) {
        await this.launch();
        return;
      }
      this.setOperator((s) => (s.operator = { ...s.operator, state: 'restarting', detail: undefined }));
      this.say(`built in ${(built.durationMs / 1000).toFixed(1)} s; restarting the operator`);
      await this.operator?.stop();
      if (this.stopping) return;
      this.restarts++;
      this.startOperator();
    })()
      .catch((err: unknown) =>
        this.say(`rebuild failed: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => {
        this.building = undefined;
        if (this.rebuildQueued) {
          this.rebuildQueued = false;
          this.rebuild(['(more changes)']);
        }
      });
  }

  /** Stops everything in order: watching, the operator, the view; the caller stops the cluster. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopWatching?.();
    await this.building?.catch(() => undefined);
    this.setOperator((s) => (s.operator = { ...s.operator, state: 'stopping' }));
    const exit = await this.operator?.stop();
    await this.feed?.stop();
    this.view?.stop();
    this.logFile?.end();
    if (exit?.signal === 'SIGKILL')
      this.term.warn(
        `the operator did not stop within ${this.flags.gracePeriod} s of SIGTERM and was killed`,
      );
    else if (exit) this.term.success('operator stopped');
  }
}

/** Builds the `dev` command. */
export function devCommand(term: Terminal): Command {
  const command = new Command('dev').description(
    'run the operator on the local cluster, rebuild and restart it on every change, and watch what it does',
  );
  addClusterRunOptions(command)
    .option('--no-view', "print only the operator's logs, no live view")
    .option('--no-samples', 'do not apply config/samples')
    .addHelpText(
      'after',
      `
The local cluster runs in this process; its kubeconfig is <project>/.opkit/kubeconfig, so in another
shell: kubectl --kubeconfig <project>/.opkit/kubeconfig get pods -A
Pass --kubeconfig or --context to use another cluster instead.

On a terminal the view redraws in place (operator logs go to .opkit/operator.log and the view's last
lines); elsewhere (CI, pipes) it prints one timestamped line per change, with the operator's logs.

Examples:
  opkit dev                              # the project in this directory
  npx opkit dev examples/etcd-operator
  opkit dev --no-view                    # only the operator's logs
  opkit dev . --context kind-dev         # a real cluster instead of the local one

Exit codes: 0 stopped with Ctrl-C; 1 a failure (install, cluster); 2 usage.`,
    )
    .action(async (dir: string, operatorArgs: string[], flags: DevFlags) => {
      const project = await openOperatorProject(dir);
      const target = await chooseTarget({
        ...flags,
        explicitOnly: true,
        stateDir: project.stateDir,
        progress: (m) => term.progress(m),
      });
      const interrupt = listenForInterrupt();
      const session = new DevSession(term, project, target, flags, operatorArgs);
      try {
        term.success(`cluster: ${target.description}`);
        if (target.localCluster)
          term.info(
            `kubeconfig: ${path.relative(process.cwd(), target.kubeconfigPath) || target.kubeconfigPath}`,
          );
        await Promise.race([session.start(), interrupt.signalled]);
        await interrupt.signalled;
      } finally {
        interrupt.dispose();
        await session.stop();
        if (target.localCluster) {
          term.progress('stopping the local cluster');
          await target.localCluster.stop();
          term.success('local cluster stopped');
        }
      }
    });
  return command;
}
