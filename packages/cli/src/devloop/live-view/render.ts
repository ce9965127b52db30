/**
 * The live view's two renderings, both pure: a full screen for a TTY (redrawn in place) and plain
 * timestamped lines describing what changed, for CI logs and pipes.
 */
import { stripVTControlCharacters } from 'node:util';
import type {
  ConditionView,
  EventView,
  LiveViewState,
  OperationView,
  PodView,
  ResourceView,
} from './state.js';

/** How to draw the screen. */
export interface ScreenOptions {
  /** ANSI colours (only on a TTY without NO_COLOR). */
  colour: boolean;
  /** Terminal width; longer lines are cut. */
  width: number;
  /** Most events shown. Default 8. */
  maxEvents?: number;
  /** Most log lines shown. Default 8. */
  maxLogs?: number;
}

const ESC = '\u001b[';
const paint = (on: boolean, code: string, text: string): string =>
  on && text ? `${ESC}${code}m${text}${ESC}0m` : text;
const GOOD = new Set(['Running', 'Ready', 'Succeeded', 'Available', 'Healthy', 'True', 'running']);
const BAD = new Set([
  'Failed',
  'Error',
  'Degraded',
  'CrashLoopBackOff',
  'False',
  'Warning',
  'exited',
  'build-failed',
]);

function tone(colour: boolean, text: string, word = text): string {
  if (GOOD.has(word)) return paint(colour, '32', text);
  if (BAD.has(word)) return paint(colour, '31', text);
  return paint(colour, '33', text);
}

/** Visible length (without ANSI sequences). */
const visible = (s: string): number => stripVTControlCharacters(s).length;

function cut(line: string, width: number): string {
  if (visible(line) <= width) return line;
  // Cut by visible characters, keeping escape sequences intact, then reset colours.
  let out = '';
  let shown = 0;
  for (let i = 0; i < line.length && shown < width - 1;) {
    if (line.startsWith(ESC, i)) {
      const end = line.indexOf('m', i) + 1;
      out += line.slice(i, end);
      i = end;
      continue;
    }
    out += line[i];
    shown++;
    i++;
  }
  return `${out}…${line.includes('\u001b[') ? `${ESC}0m` : ''}`;
}

/** Lays out rows as left-aligned columns two spaces apart (cells may carry colour). */
function table(header: string[], rows: string[][], colour: boolean): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visible(c))))
      .join('  ')
      .trimEnd();
  return [paint(colour, '2', line(header)), ...rows.map(line)];
}

/** `Ready=True Progressing=False` */
export function formatConditions(conditions: readonly ConditionView[], colour = false): string {
  return conditions.map((c) => `${c.type}=${tone(colour, c.status)}`).join(' ');
}

/** `scale-up: join-member (ordinal 3, attempt 2)` */
export function formatOperation(op: OperationView | undefined): string {
  if (!op) return '';
  const details = [
    op.ordinal !== undefined ? `ordinal ${op.ordinal}` : '',
    op.attempts !== undefined ? `attempt ${op.attempts}` : '',
  ].filter(Boolean);
  return `${op.kind ? `${op.kind}: ` : ''}${op.step}${details.length ? ` (${details.join(', ')})` : ''}`;
}

const resourceKey = (r: ResourceView): string => `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
const podKey = (p: PodView): string => `${p.namespace}/${p.name}`;
const podPhase = (p: PodView): string => (p.terminating ? 'Terminating' : p.phase);
const clock = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(11, 19);
};

function operatorLine(state: LiveViewState, colour: boolean): string {
  const o = state.operator;
  const facts = [
    o.pid ? `pid ${o.pid}` : '',
    o.restarts ? `${o.restarts} restart${o.restarts === 1 ? '' : 's'}` : '',
    o.detail ?? '',
  ].filter(Boolean);
  return `operator: ${tone(colour, o.state)}${facts.length ? ` (${facts.join(', ')})` : ''}`;
}

/** The whole screen for a TTY, as lines joined by `\n` (the caller clears and redraws). */
export function renderScreen(state: LiveViewState, options: ScreenOptions): string {
  const c = options.colour;
  const bold = (t: string): string => paint(c, '1', t);
  const out: string[] = [];
  out.push(`${bold(`opkit dev: ${state.project}`)} on ${state.target}`);
  out.push(operatorLine(state, c));
  out.push('');
  out.push(bold('CUSTOM RESOURCES'));
  if (state.resources.length === 0)
    out.push('  (none yet: add samples to config/samples/ or create one with kubectl)');
  else {
    const rows = state.resources.map((r) => [
      r.kind,
      r.namespace ?? '',
      r.name,
      r.phase ? tone(c, r.phase) : '',
      formatConditions(r.conditions, c),
      formatOperation(r.operation),
    ]);
    out.push(
      ...table(['KIND', 'NAMESPACE', 'NAME', 'PHASE', 'CONDITIONS', 'RUNBOOK STEP'], rows, c).map(
        (l) => `  ${l}`,
      ),
    );
  }
  out.push('');
  out.push(bold('PODS'));
  if (state.pods.length === 0) out.push('  (none)');
  else {
    const rows = state.pods.map((p) => [p.name, p.owner, tone(c, podPhase(p)), p.ready, String(p.restarts)]);
    out.push(...table(['NAME', 'OWNER', 'PHASE', 'READY', 'RESTARTS'], rows, c).map((l) => `  ${l}`));
  }
  out.push('');
  const events = state.events.slice(-(options.maxEvents ?? 8));
  out.push(bold('EVENTS'));
  if (events.length === 0) out.push('  (none)');
  else {
    const rows = events.map((e) => [
      clock(e.time),
      e.type === 'Warning' ? paint(c, '33', e.type) : e.type,
      e.reason,
      e.object,
      e.message,
    ]);
    out.push(...table(['TIME', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], rows, c).map((l) => `  ${l}`));
  }
  const logs = state.logs.slice(-(options.maxLogs ?? 8));
  if (logs.length > 0) {
    out.push('');
    out.push(bold('OPERATOR LOG'));
    out.push(...logs.map((l) => `  ${l}`));
  }
  out.push('');
  out.push(paint(c, '2', 'Ctrl-C stops the operator and the cluster; edits in src/ rebuild and restart it.'));
  return out.map((l) => cut(l, Math.max(20, options.width))).join('\n');
}

function describeResource(r: ResourceView): string {
  const parts = [
    r.phase ? `phase ${r.phase}` : '',
    formatConditions(r.conditions),
    r.operation ? `step ${formatOperation(r.operation)}` : '',
  ].filter(Boolean);
  return parts.join(', ') || 'no status yet';
}

const describePod = (p: PodView): string => `${podPhase(p)}, ready ${p.ready}, restarts ${p.restarts}`;
const eventKey = (e: EventView): string => `${e.time}|${e.object}|${e.reason}|${e.message}|${e.count ?? 1}`;

/**
 * What changed between two states, one plain line each, prefixed with `now` (HH:MM:SS UTC):
 * resources and pods added, changed or deleted, new events, and the operator's state.
 */
export function describeChanges(previous: LiveViewState, next: LiveViewState, now: Date): string[] {
  const at = now.toISOString().slice(11, 19);
  const lines: string[] = [];
  const prevOp = operatorLine(previous, false);
  const nextOp = operatorLine(next, false);
  if (prevOp !== nextOp) lines.push(nextOp);

  const before = new Map(previous.resources.map((r) => [resourceKey(r), r]));
  const after = new Map(next.resources.map((r) => [resourceKey(r), r]));
  for (const [key, r] of after) {
    const old = before.get(key);
    if (!old) lines.push(`${key} added: ${describeResource(r)}`);
    else if (describeResource(old) !== describeResource(r)) lines.push(`${key}: ${describeResource(r)}`);
  }
  for (const key of before.keys()) if (!after.has(key)) lines.push(`${key} deleted`);

  const podsBefore = new Map(previous.pods.map((p) => [podKey(p), p]));
  const podsAfter = new Map(next.pods.map((p) => [podKey(p), p]));
  for (const [key, p] of podsAfter) {
    const old = podsBefore.get(key);
    if (!old) lines.push(`pod ${key} (${p.owner}) added: ${describePod(p)}`);
    else if (describePod(old) !== describePod(p)) lines.push(`pod ${key}: ${describePod(p)}`);
  }
  for (const key of podsBefore.keys()) if (!podsAfter.has(key)) lines.push(`pod ${key} deleted`);

  const seen = new Set(previous.events.map(eventKey));
  for (const e of next.events)
    if (!seen.has(eventKey(e))) lines.push(`event ${e.type} ${e.reason} ${e.object}: ${e.message}`);
  return lines.map((l) => `${at} ${l}`);
}
