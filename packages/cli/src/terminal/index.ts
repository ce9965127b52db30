/**
 * How the CLI talks to a person: plain lines, colours only on a TTY (and never with NO_COLOR), errors
 * as one line that says what to do, never a stack trace for a user error.
 */
export interface Terminal {
  info(message: string): void;
  progress(message: string): void;
  success(message: string): void;
  warn(message: string): void;
  /** Prints the message and sets exit code 1. */
  fail(message: string): void;
}

/** A terminal on the process's stdout/stderr. */
export function processTerminal(
  stream: NodeJS.WriteStream = process.stdout,
  errStream: NodeJS.WriteStream = process.stderr,
): Terminal {
  const colour = Boolean(stream.isTTY) && !process.env.NO_COLOR;
  const paint = (code: number, text: string): string => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    info: (m) => stream.write(`${m}\n`),
    progress: (m) => stream.write(`${paint(36, '…')} ${m}\n`),
    success: (m) => stream.write(`${paint(32, '✓')} ${m}\n`),
    warn: (m) => errStream.write(`${paint(33, 'warning:')} ${m}\n`),
    fail: (m) => {
      errStream.write(`${paint(31, 'error:')} ${m}\n`);
      process.exitCode = 1;
    },
  };
}

/** A terminal that keeps what is printed (tests, and programs that run the CLI in process). */
export interface RecordingTerminal extends Terminal {
  /** info, progress and success lines. */
  out: string[];
  /** warnings and failures. */
  err: string[];
}

/** A {@link RecordingTerminal}: nothing is written anywhere. */
export function recordingTerminal(): RecordingTerminal {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    info: (m) => out.push(m),
    progress: (m) => out.push(m),
    success: (m) => out.push(m),
    warn: (m) => err.push(m),
    fail: (m) => err.push(m),
  };
}
