/**
 * An {@link ExecSession} over a buffered exec: standard input is gathered until it ends, the
 * command runs, and its output is handed out as streams. This is how containers without real
 * processes (simulated behaviours) answer `kubectl exec`.
 */
import { PassThrough } from 'node:stream';
import type { ExecOptions, ExecResult, ExecSession, ExecStreamOptions } from './types.js';

/** Makes a streaming session of a buffered `run`; `run` gets the whole standard input when it was asked for. */
export function bufferedExecSession(
  run: (opts: ExecOptions) => Promise<ExecResult>,
  opts: ExecStreamOptions = {},
): ExecSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = opts.stdin ? new PassThrough() : null;
  let killed = false;
  let kill: () => void = () => undefined;
  const killedPromise = new Promise<ExecResult>((resolve) => {
    kill = () => {
      killed = true;
      resolve({ stdout: '', stderr: '', exitCode: 137 });
    };
  });
  const input = stdin
    ? new Promise<string>((resolve) => {
        const chunks: Buffer[] = [];
        stdin.on('data', (d: Buffer) => chunks.push(d));
        stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      })
    : Promise.resolve(undefined);
  const exited = (async (): Promise<number> => {
    let result: ExecResult;
    try {
      const text = await Promise.race([input, killedPromise.then(() => undefined)]);
      result = killed
        ? await killedPromise
        : await Promise.race([run(text !== undefined ? { stdin: text } : {}), killedPromise]);
    } catch (e) {
      result = { stdout: '', stderr: `${e instanceof Error ? e.message : String(e)}\n`, exitCode: 126 };
    }
    stdout.end(result.stdout);
    stderr.end(result.stderr);
    return result.exitCode;
  })();
  return { stdin, stdout, stderr, exited, kill: () => kill() };
}
