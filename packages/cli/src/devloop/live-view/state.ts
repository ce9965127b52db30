/**
 * What the live view shows, as plain data: the renderers are pure functions of it, and the feed builds
 * it from watch events.
 */

/** One condition of a custom resource (metav1.Condition). */
export interface ConditionView {
  type: string;
  status: string;
  reason?: string;
}

/** The runbook operation a custom resource reports in `status.operation`. */
export interface OperationView {
  /** The runbook (scale-up, rolling-update, ...). */
  kind?: string;
  step: string;
  ordinal?: number;
  attempts?: number;
}

/** One custom resource. */
export interface ResourceView {
  kind: string;
  namespace?: string;
  name: string;
  /** `status.phase`, when the kind has one. */
  phase?: string;
  conditions: ConditionView[];
  operation?: OperationView;
}

/** One pod owned (directly or through a StatefulSet, ReplicaSet, ...) by a custom resource. */
export interface PodView {
  namespace: string;
  name: string;
  /** The owning custom resource, as `Kind/name`. */
  owner: string;
  phase: string;
  /** Ready containers / containers, e.g. `1/2`. */
  ready: string;
  restarts: number;
  /** True once deletion started (shown as Terminating, as kubectl does). */
  terminating?: boolean;
}

/** One Event. */
export interface EventView {
  /** ISO timestamp of the latest occurrence. */
  time: string;
  type: string;
  reason: string;
  /** `Kind/name` of the object it is about. */
  object: string;
  message: string;
  count?: number;
}

/** What the operator process is doing. */
export interface OperatorStatusView {
  state: 'building' | 'starting' | 'running' | 'restarting' | 'exited' | 'build-failed' | 'stopping';
  pid?: number;
  restarts: number;
  /** e.g. the exit code, or the first compiler error. */
  detail?: string;
}

/** Everything on screen. */
export interface LiveViewState {
  /** Project name. */
  project: string;
  /** The cluster, e.g. `local cluster https://127.0.0.1:41234`. */
  target: string;
  operator: OperatorStatusView;
  resources: ResourceView[];
  pods: PodView[];
  /** Oldest first. */
  events: EventView[];
  /** The operator's latest log lines, oldest first (TTY view only). */
  logs: string[];
}

/** An empty state. */
export function initialViewState(project: string, target: string): LiveViewState {
  return {
    project,
    target,
    operator: { state: 'building', restarts: 0 },
    resources: [],
    pods: [],
    events: [],
    logs: [],
  };
}

type Json = Record<string, unknown>;
const asObject = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const asString = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : undefined;
const asNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Reads a custom resource (as the API returns it) into its view. */
export function resourceViewOf(object: unknown): ResourceView {
  const o = asObject(object) ?? {};
  const meta = asObject(o.metadata) ?? {};
  const status = asObject(o.status) ?? {};
  const conditions = (Array.isArray(status.conditions) ? status.conditions : [])
    .map(asObject)
    .filter((c): c is Json => c !== undefined && typeof c.type === 'string')
    .map((c) => ({
      type: String(c.type),
      status: asString(c.status) ?? 'Unknown',
      reason: asString(c.reason),
    }));
  const op = asObject(status.operation);
  const operation: OperationView | undefined =
    op && typeof op.step === 'string'
      ? {
          kind: asString(op.kind),
          step: op.step,
          ordinal: asNumber(op.ordinal),
          attempts: asNumber(op.attempts),
        }
      : undefined;
  return {
    kind: asString(o.kind) ?? '',
    namespace: asString(meta.namespace),
    name: asString(meta.name) ?? '',
    phase: asString(status.phase),
    conditions,
    operation,
  };
}

/** Reads a Pod into its view; `owner` is the custom resource it belongs to. */
export function podViewOf(object: unknown, owner: string): PodView {
  const o = asObject(object) ?? {};
  const meta = asObject(o.metadata) ?? {};
  const spec = asObject(o.spec) ?? {};
  const status = asObject(o.status) ?? {};
  const statuses = (Array.isArray(status.containerStatuses) ? status.containerStatuses : []).map(
    (s) => asObject(s) ?? {},
  );
  const containers = Array.isArray(spec.containers) ? spec.containers.length : statuses.length;
  return {
    namespace: asString(meta.namespace) ?? '',
    name: asString(meta.name) ?? '',
    owner,
    phase: asString(status.phase) ?? 'Pending',
    ready: `${statuses.filter((s) => s.ready === true).length}/${containers}`,
    restarts: statuses.reduce((sum, s) => sum + (asNumber(s.restartCount) ?? 0), 0),
    terminating: meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null ? true : undefined,
  };
}

/** Reads a core/v1 Event into its view. */
export function eventViewOf(object: unknown): EventView {
  const o = asObject(object) ?? {};
  const meta = asObject(o.metadata) ?? {};
  const involved = asObject(o.involvedObject) ?? {};
  const time =
    asString(o.lastTimestamp) ??
    asString(o.eventTime) ??
    asString(o.firstTimestamp) ??
    asString(meta.creationTimestamp) ??
    new Date(0).toISOString();
  return {
    time,
    type: asString(o.type) ?? 'Normal',
    reason: asString(o.reason) ?? '',
    object: `${asString(involved.kind) ?? ''}/${asString(involved.name) ?? ''}`,
    message: (asString(o.message) ?? '').replace(/\s+/g, ' ').trim(),
    count: asNumber(o.count),
  };
}
