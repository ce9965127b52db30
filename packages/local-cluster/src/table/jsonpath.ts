/**
 * The JSONPath subset CRD `additionalPrinterColumns` use (k8s.io/client-go/util/jsonpath):
 * `.a.b`, `.a[0]`, `.a[-1]`, `.a[*].b`, `['a.b']`, escaped dots (`a\.b`) and filters
 * `[?(@.type=="Ready")]` (==, !=, <, >, <=, >= against a string, number or boolean literal, or a
 * bare `@.x` for existence). An expression may be wrapped in `{}`.
 */
type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: Step[]; op?: string; literal?: unknown };

function parseName(expr: string, start: number): { name: string; end: number } {
  let name = '';
  let i = start;
  while (i < expr.length && expr[i] !== '.' && expr[i] !== '[') {
    if (expr[i] === '\\' && i + 1 < expr.length) {
      name += expr[i + 1];
      i += 2;
    } else {
      name += expr[i];
      i++;
    }
  }
  return { name, end: i };
}

function parseLiteral(text: string): unknown {
  const t = text.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  if (t === 'true') return true;
  if (t === 'false') return false;
  const n = Number(t);
  return Number.isNaN(n) ? t : n;
}

/** Parses a JSONPath of the supported subset; throws on what it does not understand. */
export function parseJsonPath(expression: string): Step[] {
  let expr = expression.trim();
  if (expr.startsWith('{') && expr.endsWith('}')) expr = expr.slice(1, -1).trim();
  if (expr.startsWith('$')) expr = expr.slice(1);
  if (expr.startsWith('@')) expr = expr.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '.') {
      if (expr[i + 1] === '.') throw new Error(`unsupported recursive descent in ${expression}`);
      const { name, end } = parseName(expr, i + 1);
      if (name === '*') steps.push({ kind: 'all' });
      else if (name) steps.push({ kind: 'field', name });
      i = end;
    } else if (c === '[') {
      const close = findClosingBracket(expr, i);
      const inner = expr.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (
        (inner.startsWith("'") && inner.endsWith("'")) ||
        (inner.startsWith('"') && inner.endsWith('"'))
      ) {
        steps.push({ kind: 'field', name: inner.slice(1, -1) });
      } else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const body = inner.slice(2, -1).trim();
        const m = /^@((?:\.[^=!<>\s]+)+)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(body);
        if (m)
          steps.push({
            kind: 'filter',
            path: parseJsonPath(m[1] as string),
            op: m[2],
            literal: parseLiteral(m[3] as string),
          });
        else if (/^@(\.[^=!<>\s]+)+$/.test(body))
          steps.push({ kind: 'filter', path: parseJsonPath(body.slice(1)) });
        else throw new Error(`unsupported filter in ${expression}`);
      } else {
        throw new Error(`unsupported subscript [${inner}] in ${expression}`);
      }
    } else {
      const { name, end } = parseName(expr, i);
      if (name) steps.push({ kind: 'field', name });
      i = end === i ? i + 1 : end;
    }
  }
  return steps;
}

function findClosingBracket(expr: string, open: number): number {
  let quote: string | undefined;
  let depth = 0;
  for (let i = open; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0 && c === ']') return i;
    }
  }
  throw new Error(`unclosed [ in ${expr}`);
}

function compare(value: unknown, op: string | undefined, literal: unknown): boolean {
  if (op === undefined) return value !== undefined;
  switch (op) {
    case '==':
      return value === literal;
    case '!=':
      return value !== literal;
    case '<':
      return typeof value === typeof literal && (value as number) < (literal as number);
    case '>':
      return typeof value === typeof literal && (value as number) > (literal as number);
    case '<=':
      return typeof value === typeof literal && (value as number) <= (literal as number);
    case '>=':
      return typeof value === typeof literal && (value as number) >= (literal as number);
    default:
      return false;
  }
}

function step(values: unknown[], s: Step): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (s.kind === 'field') {
      if (v && typeof v === 'object' && !Array.isArray(v) && s.name in v)
        out.push((v as Record<string, unknown>)[s.name]);
    } else if (s.kind === 'index') {
      if (Array.isArray(v)) {
        const i = s.index < 0 ? v.length + s.index : s.index;
        if (i >= 0 && i < v.length) out.push(v[i]);
      }
    } else if (s.kind === 'all') {
      if (Array.isArray(v)) out.push(...v);
      else if (v && typeof v === 'object') out.push(...Object.values(v));
    } else {
      const items = Array.isArray(v) ? v : [];
      for (const item of items) {
        const found = evaluate(s.path, item);
        if (found.some((f) => compare(f, s.op, s.literal))) out.push(item);
      }
    }
  }
  return out;
}

function evaluate(steps: Step[], root: unknown): unknown[] {
  let values: unknown[] = [root];
  for (const s of steps) values = step(values, s);
  return values;
}

/** Every value the path selects in `root` (empty when nothing matches). */
export function evaluateJsonPath(expression: string, root: unknown): unknown[] {
  return evaluate(parseJsonPath(expression), root);
}
