/**
 * Label and field selectors as list/watch/deletecollection take them in the query string.
 * Grammar and semantics follow k8s.io/apimachinery/pkg/labels/selector.go (labels) and
 * k8s.io/apimachinery/pkg/fields/selector.go (fields).
 */
import { errors } from '../api/index.js';

type LabelOperator = 'exists' | 'notexists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A parsed label selector; the empty selector matches everything. */
export class LabelSelector {
  private constructor(private readonly requirements: LabelRequirement[]) {}

  /** Parses the `labelSelector` query parameter; throws 400 BadRequest on bad syntax. */
  static parse(text: string | undefined): LabelSelector {
    if (!text || !text.trim()) return new LabelSelector([]);
    return new LabelSelector(parseLabelRequirements(text));
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Record<string, string> | undefined): boolean {
    const set = labels ?? {};
    return this.requirements.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(set, r.key);
      const value = set[r.key];
      switch (r.operator) {
        case 'exists':
          return has;
        case 'notexists':
          return !has;
        case '=':
        case 'in':
          return has && r.values.includes(value as string);
        case '!=':
        case 'notin':
          // as labels.Requirement.Matches: a missing key satisfies != and notin
          return !has || !r.values.includes(value as string);
        case 'gt':
        case 'lt': {
          if (!has) return false;
          const n = Number(value);
          const bound = Number(r.values[0]);
          if (!Number.isInteger(n)) return false;
          return r.operator === 'gt' ? n > bound : n < bound;
        }
      }
    });
  }
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function badSelector(message: string): never {
  throw errors.badRequest(`unable to parse requirement: ${message}`);
}

function checkKey(key: string): void {
  if (!key) badSelector("found '', expected: identifier");
  const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
  if (!LABEL_KEY.test(key) || name.length > 63) {
    badSelector(
      `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

function checkValue(value: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    badSelector(
      `invalid label value: "${value}": at key: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function parseLabelRequirements(text: string): LabelRequirement[] {
  const result: LabelRequirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (!part) badSelector("found '', expected: !, identifier, or 'end of string'");
    if (part.startsWith('!')) {
      const key = part.slice(1).trim();
      checkKey(key);
      result.push({ key, operator: 'notexists', values: [] });
      continue;
    }
    const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (setMatch) {
      const key = setMatch[1] as string;
      checkKey(key);
      const values = (setMatch[3] as string).split(',').map((v) => v.trim());
      if (setMatch[2] === 'in' && values.length === 1 && values[0] === '') {
        badSelector("for 'in', 'notin' operators, values set can't be empty");
      }
      values.forEach(checkValue);
      result.push({ key, operator: setMatch[2] as 'in' | 'notin', values });
      continue;
    }
    const opMatch = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
    if (opMatch) {
      const key = opMatch[1] as string;
      checkKey(key);
      const value = (opMatch[3] as string).trim();
      const op = opMatch[2] as string;
      if (op === '>' || op === '<') {
        if (!/^-?\d+$/.test(value)) badSelector(`for 'Gt', 'Lt' operators, the value must be an integer`);
        result.push({ key, operator: op === '>' ? 'gt' : 'lt', values: [value] });
        continue;
      }
      checkValue(value);
      result.push({ key, operator: op === '!=' ? '!=' : '=', values: [value] });
      continue;
    }
    if (/\s/.test(part))
      badSelector(`found '${part.split(/\s+/)[1] ?? ''}', expected: in, notin, =, ==, !=, gt, lt`);
    checkKey(part);
    result.push({ key: part, operator: 'exists', values: [] });
  }
  return result;
}

/** Renders a metav1.LabelSelector as the selector string (metav1.LabelSelectorAsSelector). */
export function labelSelectorToString(selector: unknown): string {
  if (!selector || typeof selector !== 'object') return '';
  const s = selector as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  const parts: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) parts.push({ key: k, text: `${k}=${v}` });
  for (const e of s.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort();
    switch (e.operator) {
      case 'In':
        parts.push({ key: e.key, text: `${e.key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        parts.push({ key: e.key, text: `${e.key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        parts.push({ key: e.key, text: e.key });
        break;
      case 'DoesNotExist':
        parts.push({ key: e.key, text: `!${e.key}` });
        break;
    }
  }
  // labels.Selector.String sorts requirements by key
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return parts.map((p) => p.text).join(',');
}

interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

/** A parsed field selector (`=`, `==`, `!=` only, as fields.ParseSelector). */
export class FieldSelector {
  private constructor(readonly requirements: FieldRequirement[]) {}

  static parse(text: string | undefined): FieldSelector {
    if (!text || !text.trim()) return new FieldSelector([]);
    const reqs: FieldRequirement[] = [];
    for (const part of splitEscaped(text, ',')) {
      if (!part) continue;
      const m = /^(.*?)(==|!=|=)(.*)$/s.exec(part);
      if (!m) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
      reqs.push({
        field: unescape(m[1] as string).trim(),
        negate: m[2] === '!=',
        value: unescape(m[3] as string),
      });
    }
    return new FieldSelector(reqs);
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  /** The field names used, for checking them against what the resource supports. */
  get fields(): string[] {
    return this.requirements.map((r) => r.field);
  }

  /** The single `metadata.name=X` this selector pins, for single-object watches. */
  get exactName(): string | undefined {
    const r = this.requirements.find((q) => q.field === 'metadata.name' && !q.negate);
    return r?.value;
  }

  matches(fields: Record<string, string>): boolean {
    return this.requirements.every((r) => ((fields[r.field] ?? '') === r.value) !== r.negate);
  }
}

function splitEscaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] as string);
      i++;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}
