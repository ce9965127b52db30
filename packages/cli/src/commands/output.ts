/**
 * `-o yaml|json`, the same flag on every command that has something to print: the objects go to
 * stdout (for `kubectl apply -f -`, `jq`, ...), and nothing is written to disk.
 */
import { Option } from 'commander';
import { parseAllDocuments, stringify } from 'yaml';
import type { GeneratedFile } from '../generators/index.js';
import type { Terminal } from '../terminal/index.js';

/** What `-o` accepts. */
export type OutputFormat = 'yaml' | 'json';

/** The `-o, --output <format>` option; another value is a usage error (exit 2). */
export function outputOption(
  description = 'print to stdout as yaml or json instead of writing files',
): Option {
  return new Option('-o, --output <format>', description).choices(['yaml', 'json']);
}

function isKubernetesObject(value: unknown): value is { apiVersion: string; kind: string } {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  return typeof o['apiVersion'] === 'string' && typeof o['kind'] === 'string';
}

/**
 * The Kubernetes objects of generated files, in file order: every YAML document with an apiVersion
 * and a kind, except kustomizations (build instructions, which `kubectl apply -f` refuses).
 */
export function objectsOf(files: readonly GeneratedFile[]): { apiVersion: string; kind: string }[] {
  const objects: { apiVersion: string; kind: string }[] = [];
  for (const file of files) {
    if (!/\.ya?ml$/.test(file.path)) continue;
    for (const doc of parseAllDocuments(file.content)) {
      const value: unknown = doc.toJS();
      if (isKubernetesObject(value) && value.kind !== 'Kustomization') objects.push(value);
    }
  }
  return objects;
}

/** Formats a value as `-o` asks: YAML, or indented JSON. */
export function formatOutput(value: unknown, format: OutputFormat): string {
  return format === 'json'
    ? JSON.stringify(value, null, 2)
    : stringify(value, { lineWidth: 0, aliasDuplicateObjects: false }).replace(/\n$/, '');
}

/**
 * Prints the objects of `files`: YAML as a multi-document stream, JSON as a `v1` `List` (as
 * `kubectl get -o json` prints several objects).
 */
export function printObjects(term: Terminal, files: readonly GeneratedFile[], format: OutputFormat): void {
  const objects = objectsOf(files);
  if (format === 'json') {
    term.info(formatOutput({ apiVersion: 'v1', kind: 'List', items: objects }, 'json'));
    return;
  }
  term.info(objects.map((o) => formatOutput(o, 'yaml')).join('\n---\n'));
}
