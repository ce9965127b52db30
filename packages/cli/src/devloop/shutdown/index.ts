/**
 * Ctrl-C handling for long-running commands: the first SIGINT/SIGTERM asks for an orderly stop
 * (operator, then cluster); a second one means "now".
 */

/** A pending interruption. */
export interface Interruption {
  /** Resolves with the signal's name at the first SIGINT or SIGTERM. */
  signalled: Promise<NodeJS.Signals>;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM. `onSecond` runs at the second signal (default: exit at once with
 * 130, the shell's code for "killed by SIGINT").
 */
export function listenForInterrupt(onSecond: () => void = () => process.exit(130)): Interruption {
  let count = 0;
  let resolve: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) resolve(signal);
    else onSecond();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signalled,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
