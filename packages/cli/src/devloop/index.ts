/**
 * The machinery behind `opkit run` and `opkit dev`, one folder per responsibility: `project` (find and
 * check an operator project), `build` (compile it), `target` (which cluster), `install` (CRDs and
 * samples), `operator` (the operator child process), `source-watch` (rebuild triggers) and
 * `live-view` (what `opkit dev` shows).
 */
export * from './project/index.js';
export * from './build/index.js';
export * from './target/index.js';
export * from './install/index.js';
export * from './operator/index.js';
export * from './source-watch/index.js';
export * from './live-view/index.js';
export * from './shutdown/index.js';
