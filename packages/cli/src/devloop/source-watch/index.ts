/**
 * Watches a source tree (fs.watch, recursive) and reports changes in bursts: an editor's save is
 * several events (write, rename, chmod), and a `git checkout` is hundreds, but it should cause one
 * rebuild.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Options of {@link watchSources}. */
export interface SourceWatchOptions {
  /** Quiet time after the last event before reporting. Default 200 ms. */
  debounceMs?: number;
  /** Which changed paths (relative to the root) count. Default: `.ts`, `.mts`, `.cts` and `.json` files. */
  include?: (relativePath: string) => boolean;
}

const defaultInclude = (file: string): boolean =>
  /\.(m|c)?ts$|\.json$/.test(file) && !file.split(path.sep).includes('node_modules');

/**
 * Calls `onChange` with the changed files (relative, sorted) once per burst. Returns a function that
 * stops watching.
 */
export function watchSources(
  root: string,
  onChange: (files: string[]) => void,
  options: SourceWatchOptions = {},
): () => void {
  const include = options.include ?? defaultInclude;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(root, { recursive: true }, (_event, file) => {
    if (!file) return;
    const relative = file.toString();
    if (!include(relative)) return;
    pending.add(relative);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const files = [...pending].sort();
      pending.clear();
      onChange(files);
    }, options.debounceMs ?? 200);
  });
  watcher.on('error', () => {
    // A watched directory removed: nothing left to watch, and nothing to rebuild from.
  });
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
