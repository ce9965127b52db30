/**
 * CEL for `x-kubernetes-validations`, on @marcbachmann/cel-js, with the part of Kubernetes' CEL
 * library (k8s.io/apiserver/pkg/cel/library) that maps onto it. The supported subset is listed in
 * README.md of this folder.
 */
import { Environment, Optional } from '@marcbachmann/cel-js';
import { type JSONSchemaProps, itemsSchema, additionalPropertiesSchema } from './schema-types.js';
import { isJsonObject } from '../api/index.js';

/** A parsed URL, the value of `url(string)` (k8s.io/apiserver/pkg/cel/library/urls.go). */
class CelURL {
  constructor(readonly url: URL) {}
}

/** A resource quantity, the value of `quantity(string)` (library/quantity.go); kept as a float. */
class CelQuantity {
  constructor(
    readonly value: number,
    readonly text: string,
  ) {}
}

const quantityPattern = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const quantitySuffix: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

function parseQuantity(s: string): CelQuantity | undefined {
  const m = quantityPattern.exec(s);
  if (!m) return undefined;
  const suffix = m[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : quantitySuffix[suffix];
  return factor === undefined ? undefined : new CelQuantity(Number(m[1]) * factor, s);
}

function mustQuantity(s: string): CelQuantity {
  const q = parseQuantity(s);
  if (!q)
    throw new Error(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  return q;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error('no such overload');
}

function celEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') return Number(a) === Number(b) && typeof a === typeof b;
  return JSON.stringify(a) === JSON.stringify(b);
}

function parseURL(s: string): CelURL {
  try {
    return new CelURL(new URL(s));
  } catch {
    throw new Error(`URL parse error during conversion from string: ${s}`);
  }
}

/** The environment every rule is checked and run in: `self`, `oldSelf` and the library. */
function buildEnvironment(): Environment {
  return (
    new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true })
      .registerVariable('self', 'dyn')
      .registerVariable('oldSelf', 'dyn')
      .registerType('URL', CelURL)
      .registerType('Quantity', CelQuantity)
      // lists (library/lists.go)
      .registerFunction('list.isSorted(): bool', (l: unknown[]) =>
        l.every((v, i) => i === 0 || compare(l[i - 1], v) <= 0),
      )
      .registerFunction('list.sum(): dyn', (l: unknown[]) => {
        if (l.length === 0) return 0n;
        return l.reduce((a, b) =>
          typeof a === 'bigint' && typeof b === 'bigint' ? a + b : Number(a) + Number(b),
        );
      })
      .registerFunction('list.min(): dyn', (l: unknown[]) => {
        if (l.length === 0) throw new Error('min called on empty list');
        return l.reduce((a, b) => (compare(b, a) < 0 ? b : a));
      })
      .registerFunction('list.max(): dyn', (l: unknown[]) => {
        if (l.length === 0) throw new Error('max called on empty list');
        return l.reduce((a, b) => (compare(b, a) > 0 ? b : a));
      })
      .registerFunction('list.indexOf(dyn): int', (l: unknown[], v: unknown) =>
        BigInt(l.findIndex((x) => celEqual(x, v))),
      )
      .registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], v: unknown) => {
        for (let i = l.length - 1; i >= 0; i--) if (celEqual(l[i], v)) return BigInt(i);
        return -1n;
      })
      // strings (cel-go ext/strings: the ones cel-js lacks)
      .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
        const chars = [...s];
        if (i < 0n || i > BigInt(chars.length)) throw new Error(`index out of range: ${i}`);
        return chars[Number(i)] ?? '';
      })
      .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
        s.split(a).join(b),
      )
      .registerFunction(
        'string.replace(string, string, int): string',
        (s: string, a: string, b: string, n: bigint) => {
          if (n < 0n) return s.split(a).join(b);
          let out = s;
          let from = 0;
          for (let k = 0n; k < n; k++) {
            const at = out.indexOf(a, from);
            if (at < 0) break;
            out = out.slice(0, at) + b + out.slice(at + a.length);
            from = at + b.length;
          }
          return out;
        },
      )
      .registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''))
      // regex (library/regex.go)
      .registerFunction(
        'string.find(string): string',
        (s: string, re: string) => new RegExp(re, 'u').exec(s)?.[0] ?? '',
      )
      .registerFunction('string.findAll(string): list<string>', (s: string, re: string) =>
        [...s.matchAll(new RegExp(re, 'gu'))].map((m) => m[0]),
      )
      .registerFunction('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => {
        const all = [...s.matchAll(new RegExp(re, 'gu'))].map((m) => m[0]);
        return n < 0n ? all : all.slice(0, Number(n));
      })
      // urls (library/urls.go)
      .registerFunction('isURL(string): bool', (s: string) => {
        try {
          new URL(s);
          return true;
        } catch {
          return s.startsWith('/');
        }
      })
      .registerFunction('url(string): URL', parseURL)
      .registerFunction('URL.getScheme(): string', (u: CelURL) => u.url.protocol.replace(/:$/, ''))
      .registerFunction('URL.getHost(): string', (u: CelURL) => u.url.host)
      .registerFunction('URL.getHostname(): string', (u: CelURL) => u.url.hostname.replace(/^\[|\]$/g, ''))
      .registerFunction('URL.getPort(): string', (u: CelURL) => u.url.port)
      .registerFunction('URL.getEscapedPath(): string', (u: CelURL) => u.url.pathname)
      .registerFunction('URL.getQuery(): map<string, list<string>>', (u: CelURL) => {
        const out: Record<string, string[]> = {};
        for (const [k, v] of u.url.searchParams) (out[k] ??= []).push(v);
        return out;
      })
      // quantity (library/quantity.go), compared as floats
      .registerFunction('isQuantity(string): bool', (s: string) => parseQuantity(s) !== undefined)
      .registerFunction('quantity(string): Quantity', mustQuantity)
      .registerFunction(
        'Quantity.isGreaterThan(Quantity): bool',
        (a: CelQuantity, b: CelQuantity) => a.value > b.value,
      )
      .registerFunction(
        'Quantity.isLessThan(Quantity): bool',
        (a: CelQuantity, b: CelQuantity) => a.value < b.value,
      )
      .registerFunction('Quantity.compareTo(Quantity): int', (a: CelQuantity, b: CelQuantity) =>
        BigInt(Math.sign(a.value - b.value)),
      )
      .registerFunction('Quantity.sign(): int', (a: CelQuantity) => BigInt(Math.sign(a.value)))
      .registerFunction('Quantity.isInteger(): bool', (a: CelQuantity) => Number.isInteger(a.value))
      .registerFunction('Quantity.asInteger(): int', (a: CelQuantity) => {
        if (!Number.isInteger(a.value)) throw new Error('cannot convert value to integer');
        return BigInt(a.value);
      })
      .registerFunction('Quantity.asApproximateFloat(): double', (a: CelQuantity) => a.value)
      .registerFunction(
        'Quantity.add(Quantity): Quantity',
        (a: CelQuantity, b: CelQuantity) => new CelQuantity(a.value + b.value, ''),
      )
      .registerFunction(
        'Quantity.sub(Quantity): Quantity',
        (a: CelQuantity, b: CelQuantity) => new CelQuantity(a.value - b.value, ''),
      )
      .registerFunction(
        'Quantity.add(int): Quantity',
        (a: CelQuantity, b: bigint) => new CelQuantity(a.value + Number(b), ''),
      )
      .registerFunction(
        'Quantity.sub(int): Quantity',
        (a: CelQuantity, b: bigint) => new CelQuantity(a.value - Number(b), ''),
      )
  );
}

let sharedEnvironment: Environment | undefined;
function environment(): Environment {
  sharedEnvironment ??= buildEnvironment();
  return sharedEnvironment;
}

/** A checked rule or message expression, ready to run. */
export interface CompiledExpression {
  source: string;
  usesOldSelf: boolean;
  run(vars: { self: unknown; oldSelf?: unknown }): unknown;
}

/** Either a compiled expression or the compile error upstream would report as the field detail. */
export type CompileResult = { ok: true; expression: CompiledExpression } | { ok: false; error: string };

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** cel-go's error text: `ERROR: <input>:1:10: message` plus the source line and a caret. */
function formatCompileError(source: string, err: unknown): string {
  const e = err as { message?: string; range?: { start?: number }; summary?: string };
  const summary = e.summary ?? firstLine(e.message ?? String(err));
  const start = typeof e.range?.start === 'number' ? e.range.start : 0;
  const before = source.slice(0, start);
  const line = before.split('\n').length;
  const column = start - (before.lastIndexOf('\n') + 1);
  const lineText = source.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${column + 1}: ${summary}\n | ${lineText}\n | ${'.'.repeat(column)}^`;
}

function mentionsOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) {
    if (node[0] === 'id' && node[1] === 'oldSelf') return true;
    return node.some(mentionsOldSelf);
  }
  return false;
}

const cache = new Map<string, CompileResult>();

/**
 * Parses and type-checks an expression. `expect` is the result type a rule (bool) or a
 * messageExpression (string) must have.
 */
export function compileExpression(source: string, expect: 'bool' | 'string'): CompileResult {
  const key = `${expect}\u0000${source}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let result: CompileResult;
  try {
    const env = environment();
    const checked = env.check(source) as { valid: boolean; type?: string; error?: unknown };
    if (!checked.valid) {
      result = { ok: false, error: `compilation failed: ${formatCompileError(source, checked.error)}` };
    } else if (checked.type && checked.type !== 'dyn' && checked.type !== expect) {
      result = {
        ok: false,
        error:
          expect === 'bool'
            ? 'compilation failed: cost/type: must evaluate to a bool'
            : 'must evaluate to a string',
      };
    } else {
      const program = env.parse(source) as unknown as ((ctx: Record<string, unknown>) => unknown) & {
        ast?: { toOldStructure?: () => unknown };
      };
      const usesOldSelf = mentionsOldSelf(program.ast?.toOldStructure?.());
      result = {
        ok: true,
        expression: {
          source,
          usesOldSelf,
          run: (vars) => program({ self: vars.self, oldSelf: vars.oldSelf ?? null }),
        },
      };
    }
  } catch (err) {
    result = { ok: false, error: `compilation failed: ${formatCompileError(source, err)}` };
  }
  if (cache.size > 2000) cache.clear();
  cache.set(key, result);
  return result;
}

/** `oldSelf` of a rule with `optionalOldSelf: true`: an optional that is empty on create. */
export function optionalOldSelf(oldSelf: unknown): unknown {
  return oldSelf === undefined ? Optional.none() : Optional.of(oldSelf);
}

/** The message of an evaluation error as cel-go words the common ones (`no such key: x`). */
export function evaluationErrorMessage(err: unknown): string {
  const text = firstLine(err instanceof Error ? err.message : String(err));
  return text.replace(/^No such key/, 'no such key');
}

/**
 * Converts a JSON value to the CEL value of its schema (k8s.io/apiserver/pkg/cel/common/values.go):
 * integers are int64 (BigInt), `type: number` is a double, objects are maps.
 */
export function toCelValue(value: unknown, schema: JSONSchemaProps | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (schema?.type === 'number') return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items = schema ? itemsSchema(schema) : undefined;
    return value.map((v) => toCelValue(v, items));
  }
  if (isJsonObject(value)) {
    const out: Record<string, unknown> = {};
    const additional = schema ? additionalPropertiesSchema(schema) : undefined;
    for (const [k, v] of Object.entries(value)) out[k] = toCelValue(v, schema?.properties?.[k] ?? additional);
    return out;
  }
  return value;
}
