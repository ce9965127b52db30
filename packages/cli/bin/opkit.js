#!/usr/bin/env node
// The `opkit` binary. This file is committed (not built) so that npm can link the binary when the
// package is installed from source, before `tsc -b` has produced dist/.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin/opkit.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'error: opkit is not built yet. Run `npm run build` (or `npm ci`) in the opkit repository first.\n',
  );
  process.exit(1);
}
await import(entry.href);
