/** Getting a value from a flag, a prompt, or a default — and the usage error when there is none. */
import { CommanderError } from 'commander';
import type { Prompter } from './prompter.js';

/** A usage error (exit code 2) whose message the CLI prints once. */
export function usageError(message: string): CommanderError {
  return new CommanderError(2, 'opkit.usage', message);
}

/**
 * The value of `flag`: given, else asked (TTY and no --yes), else `fallback` with --yes, else a usage error.
 * Given values are validated too; a bad one is a usage error (exit 2), like an unknown flag.
 */
export async function resolveValue(input: {
  given: string | undefined;
  flag: string;
  question: string;
  validate: (value: string) => string | undefined;
  prompter: Prompter | undefined;
  yes: boolean;
  fallback?: string;
}): Promise<string> {
  if (input.given !== undefined) {
    const problem = input.validate(input.given);
    if (problem) throw usageError(problem);
    return input.given;
  }
  if (input.prompter && !input.yes)
    return input.prompter.ask(input.question, { defaultValue: input.fallback, validate: input.validate });
  if (input.fallback !== undefined && input.yes) return input.fallback;
  throw usageError(
    `${input.flag} is required${input.prompter ? '' : ' (not on a terminal, so opkit cannot ask)'}`,
  );
}

/** Runs a command action, printing a usage error's message before the CLI exits with code 2. */
export async function reportingUsageErrors(
  fail: (message: string) => void,
  action: () => Promise<void>,
): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (err instanceof CommanderError && err.code === 'opkit.usage')
      fail(`${err.message} (run with --help for usage)`);
    throw err;
  }
}
