/** Questions on a TTY for values the user did not give as flags; never used when not on a TTY. */
import { createInterface } from 'node:readline/promises';

/** Asks for one value. */
export interface Prompter {
  /** Asks until `validate` accepts the answer (empty input takes `defaultValue`). */
  ask(
    question: string,
    options?: { defaultValue?: string; validate?: (value: string) => string | undefined },
  ): Promise<string>;
}

/** A prompter on stdin/stdout, or undefined when either is not a terminal (CI, pipes). */
export function ttyPrompter(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stdout,
): Prompter | undefined {
  if (!input.isTTY || !output.isTTY) return undefined;
  return {
    async ask(question, { defaultValue, validate } = {}) {
      const rl = createInterface({ input, output });
      try {
        for (;;) {
          const raw = (
            await rl.question(defaultValue ? `${question} (${defaultValue}): ` : `${question}: `)
          ).trim();
          const value = raw === '' ? (defaultValue ?? '') : raw;
          const problem = value === '' ? 'a value is required' : validate?.(value);
          if (!problem) return value;
          output.write(`  ${problem}\n`);
        }
      } finally {
        rl.close();
      }
    },
  };
}
