/**
 * The next time a five-field cron schedule fires (minute hour day-of-month month day-of-week, in
 * UTC, as the CronJob controller reads `spec.schedule` with no time zone): `*`, `*\/n`, `a-b`,
 * `a-b/n`, lists, and the `@hourly`/`@daily`/`@weekly`/`@monthly`/`@yearly` shorthands. As in cron,
 * when both day fields are restricted a day matching either fires.
 */

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function field(text: string, min: number, max: number, name: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`cron ${name} "${text}" is not understood`);
    const step = m[4] ? Number(m[4]) : 1;
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] ? max : from;
    if (step < 1 || from < min || to > max || from > to)
      throw new Error(`cron ${name} "${text}" is out of range ${min}-${max}`);
    for (let v = from; v <= to; v += step) out.add(name === 'day-of-week' && v === 7 ? 0 : v);
  }
  return out;
}

/** A parsed schedule; throws on a malformed expression. */
export function parseCron(expression: string): (after: Date) => Date {
  const text = MACROS[expression.trim()] ?? expression.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron schedule "${expression}" must have 5 fields`);
  const [mi, h, dom, mo, dow] = parts as [string, string, string, string, string];
  const minutes = field(mi, 0, 59, 'minute');
  const hours = field(h, 0, 23, 'hour');
  const days = field(dom, 1, 31, 'day-of-month');
  const months = field(mo, 1, 12, 'month');
  const weekdays = field(dow, 0, 7, 'day-of-week');
  const domAny = dom === '*';
  const dowAny = dow === '*';
  const dayMatches = (d: Date): boolean => {
    const byDom = days.has(d.getUTCDate());
    const byDow = weekdays.has(d.getUTCDay());
    if (domAny || dowAny) return (domAny || byDom) && (dowAny || byDow);
    return byDom || byDow;
  };
  return (after: Date): Date => {
    const t = new Date(after.getTime());
    t.setUTCSeconds(0, 0);
    t.setUTCMinutes(t.getUTCMinutes() + 1);
    // minute steps, skipping whole hours and days that cannot match; five years bound the search
    const limit = after.getTime() + 5 * 366 * 86_400_000;
    while (t.getTime() <= limit) {
      if (!months.has(t.getUTCMonth() + 1) || !dayMatches(t)) {
        t.setUTCHours(0, 0, 0, 0);
        t.setUTCDate(t.getUTCDate() + 1);
        continue;
      }
      if (!hours.has(t.getUTCHours())) {
        t.setUTCMinutes(0, 0, 0);
        t.setUTCHours(t.getUTCHours() + 1);
        continue;
      }
      if (minutes.has(t.getUTCMinutes())) return t;
      t.setUTCMinutes(t.getUTCMinutes() + 1);
    }
    throw new Error(`cron schedule "${expression}" never fires`);
  };
}
