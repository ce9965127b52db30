/**
 * The `opkit` command line. `main(argv)` is what the binary runs; tests call it too.
 * Exit codes: 0 ok, 1 failure, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { bundleCommand } from './commands/bundle/index.js';
import { clusterCommand } from './commands/cluster.js';
import { createCommand } from './commands/create/index.js';
import { devCommand } from './commands/dev/index.js';
import { runCommand } from './commands/run/index.js';
import { generateCommand } from './commands/generate/index.js';
import { initCommand } from './commands/init/index.js';
import { processTerminal, type Terminal } from './terminal/index.js';

export { recordingTerminal, type RecordingTerminal, type Terminal } from './terminal/index.js';

/** Builds the command tree. */
export function buildProgram(term: Terminal = processTerminal()): Command {
  const program = new Command('opkit')
    .description('opkit: build, test and run Kubernetes operators in TypeScript')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(clusterCommand(term));
  program.addCommand(initCommand(term));
  program.addCommand(createCommand(term));
  program.addCommand(generateCommand(term));
  program.addCommand(bundleCommand(term));
  program.addCommand(runCommand(term));
  program.addCommand(devCommand(term));
  // Sub-sub-commands (create api, generate crd, ...) need the override too, or commander exits the process.
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  program.commands.forEach(override);
  return program;
}

/** Runs the CLI with `argv` (without the node and script entries) and resolves to the exit code. */
export async function main(argv: string[], term: Terminal = processTerminal()): Promise<number> {
  const program = buildProgram(term);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors get 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    term.fail(err instanceof Error ? err.message : String(err));
    return 1;
  }
}
