/**
 * Label selector matching for reads served from the cache, following the string syntax of
 * k8s.io/apimachinery/pkg/labels/selector.go: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`, joined by commas.
 */

/** Tests a set of labels. */
export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

type Requirement =
  | { op: 'exists' | 'notexists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: Set<string> }
  | { op: 'gt' | 'lt'; key: string; value: number };

function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function parseRequirement(text: string): Requirement {
  let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (m) {
    const values = new Set(m[3]!.split(',').map((v) => v.trim()));
    return { op: m[2] as 'in' | 'notin', key: m[1]!, values };
  }
  m = /^!\s*(\S+)$/.exec(text);
  if (m) return { op: 'notexists', key: m[1]! };
  m = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/.exec(text);
  if (m) {
    const [, key, op, value] = m as unknown as [string, string, string, string];
    if (op === '>' || op === '<') {
      const n = Number(value);
      if (!Number.isInteger(n)) throw new Error(`invalid label selector "${text}": ${op} needs an integer`);
      return { op: op === '>' ? 'gt' : 'lt', key, value: n };
    }
    return { op: op === '!=' ? 'notin' : 'in', key, values: new Set([value]) };
  }
  m = /^([^=!<>\s()]+)$/.exec(text);
  if (m) return { op: 'exists', key: m[1]! };
  throw new Error(`invalid label selector requirement "${text}"`);
}

/** Parses a label selector string into a matcher; an empty selector matches everything. */
export function parseLabelSelector(selector: string): LabelMatcher {
  const reqs = splitTopLevel(selector).map(parseRequirement);
  return (labels) => {
    for (const r of reqs) {
      const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
      const v = has ? labels![r.key]! : undefined;
      switch (r.op) {
        case 'exists':
          if (!has) return false;
          break;
        case 'notexists':
          if (has) return false;
          break;
        case 'in':
          if (!has || !r.values.has(v!)) return false;
          break;
        case 'notin':
          // as upstream: a missing key satisfies != and notin
          if (has && r.values.has(v!)) return false;
          break;
        case 'gt':
        case 'lt': {
          const n = has ? Number(v) : NaN;
          if (!Number.isInteger(n) || (r.op === 'gt' ? !(n > r.value) : !(n < r.value))) return false;
          break;
        }
      }
    }
    return true;
  };
}
