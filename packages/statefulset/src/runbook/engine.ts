/**
 * The runbook engine: runs one step of the custom resource's operation per reconcile and persists
 * where it stands in `status.operation` before and after every action, so an operator killed at
 * any point resumes exactly there and never repeats an action whose effect is already visible.
 *
 * Per reconcile: completion check first (done → record and advance); then, if the action already
 * ran (or its effect is visible), wait; else the safety check; then persist `Acting`, act, persist
 * `Waiting`. Steps that overrun their timeout set the `Degraded` condition and keep going.
 */
import type { Clock, KubeObject } from '@opkit/core';
import { refOf, statusCodeOf, type ClusterClient } from '../client/index.js';
import { silentRunbookLogger, type EventSink, type RunbookLogger } from './events.js';
import type { RunbookMetrics } from './metrics.js';
import type {
  CheckResult,
  Operation,
  PlannedOperation,
  PlannedStep,
  Runbook,
  Step,
  StepContext,
} from './types.js';

/** Options of {@link RunbookEngine}; every field but `client` has a default. */
export interface RunbookEngineOptions {
  client: ClusterClient;
  /** Time source (only `now()` is read); core's RealClock and FakeClock fit. Default `Date.now`. */
  clock?: Pick<Clock, 'now'>;
  events?: EventSink;
  logger?: RunbookLogger;
  metrics?: RunbookMetrics;
  /** Requeue delay while a completion or safety check is pending (ms); watch events usually come first. Default 2000. */
  pollIntervalMs?: number;
  /** Requeue delay after progress (ms): the next step starts promptly. Default 1. */
  promptRequeueMs?: number;
  /** Step timeout when a step names none (ms). Default 10 minutes. */
  stepTimeoutMs?: number;
  /** Longest delay between retries of a failing action (ms). Default 60 000. */
  maxRetryDelayMs?: number;
  /** Write status through the status subresource (default true). */
  statusSubresource?: boolean;
  fieldManager?: string;
}

/** What to run for one custom resource. */
export interface RunbookRun<C> {
  /** The custom resource as last read (its `status.operation` is the persisted state). */
  object: KubeObject;
  /** The runbooks the operator knows, by kind. */
  runbooks: Runbook<C>[];
  /** The operator's per-reconcile context handed to every step. */
  context: C;
  /**
   * What to start when no operation is in progress (the next membership change, rolling update...),
   * or undefined when the resource is converged. Called only when idle.
   */
  plan(context: C): Promise<PlannedOperation | undefined> | PlannedOperation | undefined;
}

/** What one {@link RunbookEngine.reconcile} did. */
export interface RunbookOutcome {
  /** When to reconcile again (core's reconcile Result). */
  result: { requeueAfter?: number };
  /** The operation in progress after this reconcile. */
  operation?: Operation;
  /** No operation in progress and nothing planned. */
  idle: boolean;
  /** The custom resource as the last status write returned it. */
  object: KubeObject;
}

/** meta/v1 Condition. */
interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

function verdict(c: CheckResult): { ok: boolean; reason?: string; message?: string } {
  return typeof c === 'boolean' ? { ok: c } : c;
}

function describe(op: Operation): string {
  const change =
    op.from !== undefined || op.to !== undefined ? ` ${String(op.from ?? '?')}→${String(op.to ?? '?')}` : '';
  return `${op.kind}${op.target ? ` of ${op.target}` : ''}${change}`;
}

/** The operation persisted in a resource's status, if any. */
export function operationOf(object: KubeObject): Operation | undefined {
  const op = (object.status as { operation?: Operation | null } | undefined)?.operation;
  return op && typeof op === 'object' && typeof op.kind === 'string' ? op : undefined;
}

/** Runs runbooks for custom resources; see the module comment. */
export class RunbookEngine {
  private readonly client: ClusterClient;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly events: EventSink | undefined;
  private readonly logger: RunbookLogger;
  private readonly metrics: RunbookMetrics | undefined;
  private readonly pollMs: number;
  private readonly promptMs: number;
  private readonly stepTimeoutMs: number;
  private readonly maxRetryMs: number;
  private readonly statusSubresource: boolean;
  private readonly fieldManager: string;

  constructor(opts: RunbookEngineOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.events = opts.events;
    this.logger = opts.logger ?? silentRunbookLogger;
    this.metrics = opts.metrics;
    this.pollMs = opts.pollIntervalMs ?? 2000;
    this.promptMs = opts.promptRequeueMs ?? 1;
    this.stepTimeoutMs = opts.stepTimeoutMs ?? 600_000;
    this.maxRetryMs = opts.maxRetryDelayMs ?? 60_000;
    this.statusSubresource = opts.statusSubresource ?? true;
    this.fieldManager = opts.fieldManager ?? 'opkit-runbook';
  }

  /** Advances the resource's operation by at most one action (or starts one from the plan). */
  async reconcile<C>(run: RunbookRun<C>): Promise<RunbookOutcome> {
    let object = run.object;
    const op = operationOf(object);
    if (!op) {
      const planned = await run.plan(run.context);
      if (!planned) {
        object = await this.writeStatus(object, undefined, { degraded: null, progressing: null });
        this.metrics?.progress.set(this.labels(object, ''), 0);
        return { result: {}, idle: true, object };
      }
      const runbook = this.runbook(run.runbooks, planned.kind);
      const now = this.nowIso();
      const started: Operation = {
        kind: planned.kind,
        ...(planned.target !== undefined ? { target: planned.target } : {}),
        ...(planned.from !== undefined ? { from: planned.from } : {}),
        ...(planned.to !== undefined ? { to: planned.to } : {}),
        ...(planned.ordinal !== undefined ? { ordinal: planned.ordinal } : {}),
        step: runbook.steps[0]?.name ?? '',
        stepIndex: 0,
        phase: 'Pending',
        done: [],
        acted: false,
        startedAt: now,
        stepStartedAt: now,
        attempts: 0,
      };
      object = await this.writeStatus(object, started, { progressing: true });
      this.metrics?.operations.inc({ runbook: planned.kind, outcome: 'started' });
      this.metrics?.progress.set(this.labels(object, planned.kind), 1);
      await this.report(object, 'Normal', 'OperationStarted', `started ${describe(started)}`, started);
      return { result: { requeueAfter: this.promptMs }, operation: started, idle: false, object };
    }
    const runbook = run.runbooks.find((r) => r.kind === op.kind);
    if (!runbook) {
      // an operation of a runbook this operator no longer knows cannot be resumed safely
      throw new Error(`status.operation names runbook ${op.kind}, which this operator does not have`);
    }
    const step = runbook.steps[op.stepIndex];
    if (!step || step.name !== op.step) {
      throw new Error(
        `status.operation is at step ${op.step} (#${op.stepIndex}), which runbook ${op.kind} does not have there`,
      );
    }
    return this.runStep(run, object, runbook, step, op);
  }

  /**
   * The steps an operation would take, without acting: for the operation in progress (with what is
   * done) or, when idle, for what the plan proposes. Undefined when there is nothing to do.
   */
  async preview<C>(
    run: RunbookRun<C>,
  ): Promise<{ operation: PlannedOperation; steps: PlannedStep[] } | undefined> {
    const current = operationOf(run.object);
    const planned: PlannedOperation | undefined = current ?? (await run.plan(run.context));
    if (!planned) return undefined;
    const runbook = this.runbook(run.runbooks, planned.kind);
    const now = this.nowIso();
    const op: Operation = current ?? {
      ...planned,
      step: runbook.steps[0]?.name ?? '',
      stepIndex: 0,
      phase: 'Pending',
      startedAt: now,
      stepStartedAt: now,
      attempts: 0,
    };
    const steps: PlannedStep[] = [];
    for (const [i, step] of runbook.steps.entries()) {
      const state = i < op.stepIndex ? 'Done' : i === op.stepIndex && current ? 'InProgress' : 'Pending';
      const entry: PlannedStep = { name: step.name, state };
      if (step.members && state !== 'Done') {
        const members = await step.members({ context: run.context, operation: op, ordinal: op.ordinal });
        entry.members = members.filter((m) => !(op.done ?? []).includes(m));
      }
      steps.push(entry);
    }
    return { operation: planned, steps };
  }

  private async runStep<C>(
    run: RunbookRun<C>,
    object: KubeObject,
    runbook: Runbook<C>,
    step: Step<C>,
    op: Operation,
  ): Promise<RunbookOutcome> {
    const wanted = runbook.wanted ? await runbook.wanted(op, run.context) : true;
    let current: Operation = { ...op, done: [...(op.done ?? [])] };
    // the member this step handles: an iterating step picks its next one and keeps it until done
    let ordinal = op.ordinal;
    if (step.members && op.phase === 'Pending' && ordinal === undefined) {
      const members = await step.members({ context: run.context, operation: op, ordinal: undefined });
      ordinal = members.find((m) => !current.done!.includes(m));
    }
    const ctx: StepContext<C> = { context: run.context, operation: op, ordinal };

    if (!wanted) {
      const atSafePoint =
        op.phase === 'Pending' &&
        (step.members ? op.ordinal === undefined : true) &&
        (!op.acted || step.interruptible === true);
      if (atSafePoint || (step.unwind && (await step.unwind(ctx)))) {
        object = await this.writeStatus(object, undefined, { degraded: null, progressing: null });
        this.metrics?.operations.inc({ runbook: op.kind, outcome: 'superseded' });
        this.metrics?.progress.set(this.labels(object, op.kind), 0);
        await this.report(
          object,
          'Normal',
          'OperationSuperseded',
          `dropped ${describe(op)} at step ${op.step}: the spec changed; re-planning`,
          op,
        );
        return { result: { requeueAfter: this.promptMs }, idle: false, object };
      }
      // not at a safe point: finish the step, then this check runs again at the next boundary
    }

    if (step.members && ordinal === undefined) return this.advance(object, runbook, current);

    const completion = verdict(await step.complete(ctx));
    if (completion.ok) {
      this.metrics?.steps.inc({ runbook: op.kind, step: step.name, outcome: 'completed' });
      if (step.members && ordinal !== undefined) {
        current.done!.push(ordinal);
        current = { ...current, phase: 'Pending', attempts: 0, stepStartedAt: this.nowIso() };
        delete current.ordinal;
        delete current.message;
        object = await this.writeStatus(object, current, { degraded: null });
        await this.report(
          object,
          'Normal',
          'MemberStepCompleted',
          `${describe(op)}: step ${step.name} done for member ${ordinal}`,
          current,
        );
        return { result: { requeueAfter: this.promptMs }, operation: current, idle: false, object };
      }
      return this.advance(object, runbook, current);
    }

    const timeout = step.timeoutMs ?? this.stepTimeoutMs;
    const overdue = this.clock.now() - Date.parse(op.stepStartedAt) > timeout;
    const waitingFor = completion.message ?? completion.reason ?? 'completion';
    const alreadyActed =
      !step.action ||
      (step.applied ? await step.applied(ctx) : op.phase === 'Waiting' && op.ordinal === ordinal);
    if (alreadyActed) {
      return this.wait(object, op, current, step, ordinal, `waiting: ${waitingFor}`, overdue, timeout);
    }
    // Acting means a crash hit mid-action after the safety check passed: finish the action
    const safety = verdict(step.precondition && op.phase !== 'Acting' ? await step.precondition(ctx) : true);
    if (!safety.ok) {
      this.metrics?.steps.inc({ runbook: op.kind, step: step.name, outcome: 'blocked' });
      return this.wait(
        object,
        op,
        current,
        step,
        ordinal,
        `blocked: ${safety.message ?? safety.reason ?? 'safety check failed'}`,
        overdue,
        timeout,
        safety.reason,
      );
    }
    // persist the intent before acting: a crash from here on resumes with the completion/applied checks
    current = {
      ...current,
      phase: 'Acting',
      attempts: op.attempts + 1,
      acted: true,
      ...(ordinal !== undefined ? { ordinal } : {}),
    };
    delete current.message;
    object = await this.writeStatus(object, current, {});
    try {
      await step.action!({ ...ctx, operation: current });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.metrics?.steps.inc({ runbook: op.kind, step: step.name, outcome: 'failed' });
      // back to Pending: the safety check runs again before the retry
      current = { ...current, phase: 'Pending', message: `action failed: ${message}` };
      object = await this.writeStatus(object, current, {});
      await this.report(
        object,
        'Warning',
        'StepFailed',
        `${describe(op)}: step ${step.name}${ordinal !== undefined ? ` (member ${ordinal})` : ''} failed (attempt ${current.attempts}): ${message}`,
        current,
      );
      const delay = Math.min(this.maxRetryMs, this.pollMs * 2 ** Math.min(current.attempts - 1, 16));
      return { result: { requeueAfter: delay }, operation: current, idle: false, object };
    }
    current = { ...current, phase: 'Waiting' };
    object = await this.writeStatus(object, current, {});
    this.metrics?.steps.inc({ runbook: op.kind, step: step.name, outcome: 'acted' });
    await this.report(
      object,
      'Normal',
      `Step${step.name}`,
      `${describe(op)}: step ${step.name}${ordinal !== undefined ? ` (member ${ordinal})` : ''} acted`,
      current,
    );
    return { result: { requeueAfter: this.promptMs }, operation: current, idle: false, object };
  }

  /** Records a pending check (once per new message) and raises Degraded when the step is overdue. */
  private async wait<C>(
    object: KubeObject,
    op: Operation,
    current: Operation,
    step: Step<C>,
    ordinal: number | undefined,
    message: string,
    overdue: boolean,
    timeout: number,
    reason?: string,
  ): Promise<RunbookOutcome> {
    const degraded = (object.status as { conditions?: Condition[] } | undefined)?.conditions?.find(
      (c) => c.type === 'Degraded',
    );
    const raise = overdue && degraded?.status !== 'True';
    if (op.message !== message || raise) {
      current = { ...current, message, ...(ordinal !== undefined && step.members ? { ordinal } : {}) };
      const degradedMessage = `step ${step.name} of ${describe(op)} has not completed within ${Math.round(timeout / 1000)}s: ${message}`;
      object = await this.writeStatus(
        object,
        current,
        raise ? { degraded: { reason: reason ?? 'StepTimedOut', message: degradedMessage } } : {},
      );
      if (raise) {
        this.metrics?.steps.inc({ runbook: op.kind, step: step.name, outcome: 'timed_out' });
        await this.report(object, 'Warning', 'StepTimedOut', degradedMessage, current);
      }
    }
    return { result: { requeueAfter: this.pollMs }, operation: current, idle: false, object };
  }

  private async advance<C>(object: KubeObject, runbook: Runbook<C>, op: Operation): Promise<RunbookOutcome> {
    const finished = runbook.steps[op.stepIndex]!;
    const next = runbook.steps[op.stepIndex + 1];
    if (!next) {
      object = await this.writeStatus(object, undefined, { degraded: null, progressing: null });
      this.metrics?.operations.inc({ runbook: op.kind, outcome: 'completed' });
      this.metrics?.progress.set(this.labels(object, op.kind), 0);
      await this.report(object, 'Normal', 'OperationCompleted', `completed ${describe(op)}`, op);
      return { result: { requeueAfter: this.promptMs }, idle: false, object };
    }
    const advanced: Operation = {
      ...op,
      step: next.name,
      stepIndex: op.stepIndex + 1,
      phase: 'Pending',
      attempts: 0,
      done: [],
      stepStartedAt: this.nowIso(),
    };
    // a runbook about one member keeps it; an iterating step's member is released
    if (runbook.steps[op.stepIndex]?.members) delete advanced.ordinal;
    delete advanced.message;
    object = await this.writeStatus(object, advanced, { degraded: null });
    this.metrics?.progress.set(this.labels(object, op.kind), advanced.stepIndex + 1);
    await this.report(
      object,
      'Normal',
      'StepCompleted',
      `${describe(op)}: step ${finished.name} completed, next ${next.name}`,
      advanced,
    );
    return { result: { requeueAfter: this.promptMs }, operation: advanced, idle: false, object };
  }

  private runbook<C>(runbooks: Runbook<C>[], kind: string): Runbook<C> {
    const runbook = runbooks.find((r) => r.kind === kind);
    if (!runbook || runbook.steps.length === 0) throw new Error(`no runbook ${kind} with steps`);
    return runbook;
  }

  /**
   * Writes `status.operation` (undefined clears it) and the conditions with one merge patch made
   * conditional on the resourceVersion read, so two operators never both advance an operation.
   */
  private async writeStatus(
    object: KubeObject,
    op: Operation | undefined,
    conditions: { degraded?: { reason: string; message: string } | null; progressing?: boolean | null },
  ): Promise<KubeObject> {
    const status = (object.status ?? {}) as { operation?: Operation; conditions?: Condition[] };
    const nextConditions = this.conditions(object, status.conditions ?? [], conditions, op);
    const previous = status.operation;
    const sameOp = JSON.stringify(previous ?? null) === JSON.stringify(op ?? null);
    const sameConditions = JSON.stringify(nextConditions) === JSON.stringify(status.conditions ?? []);
    if (sameOp && sameConditions) return object;
    const patch: Record<string, unknown> = { metadata: { resourceVersion: object.metadata.resourceVersion } };
    const statusPatch: Record<string, unknown> = {};
    if (!sameOp) statusPatch.operation = op ? this.operationPatch(previous, op) : null;
    if (!sameConditions) statusPatch.conditions = nextConditions;
    patch.status = statusPatch;
    try {
      return await this.client.patch(refOf(object), patch, {
        subresource: this.statusSubresource ? 'status' : undefined,
        fieldManager: this.fieldManager,
      });
    } catch (e) {
      if (statusCodeOf(e) === 409) {
        throw new Error(
          `status of ${object.metadata.name ?? ''} changed meanwhile (another writer?); retrying from a fresh read`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  /** A merge patch that turns `previous` into `next`: keys `next` lacks become null. */
  private operationPatch(previous: Operation | undefined, next: Operation): Record<string, unknown> {
    const patch: Record<string, unknown> = { ...next };
    for (const key of Object.keys(previous ?? {})) if (!(key in next)) patch[key] = null;
    return patch;
  }

  private conditions(
    object: KubeObject,
    existing: Condition[],
    change: { degraded?: { reason: string; message: string } | null; progressing?: boolean | null },
    op: Operation | undefined,
  ): Condition[] {
    let out = existing.map((c) => ({ ...c }));
    const set = (type: string, status: Condition['status'], reason: string, message: string): void => {
      const found = out.find((c) => c.type === type);
      // lastTransitionTime moves only when the status flips (apimachinery meta.SetStatusCondition)
      if (found && found.status === status && found.reason === reason && found.message === message) return;
      const next: Condition = {
        type,
        status,
        reason,
        message,
        lastTransitionTime: found && found.status === status ? found.lastTransitionTime : this.nowIso(),
        ...(object.metadata.generation !== undefined
          ? { observedGeneration: object.metadata.generation }
          : {}),
      };
      out = found ? out.map((c) => (c.type === type ? next : c)) : [...out, next];
    };
    if (change.degraded) set('Degraded', 'True', change.degraded.reason, change.degraded.message);
    else if (change.degraded === null && out.some((c) => c.type === 'Degraded' && c.status === 'True'))
      set('Degraded', 'False', 'AsExpected', 'no step is overdue');
    if (change.progressing === true && op) set('Progressing', 'True', op.kind, `running ${describe(op)}`);
    else if (change.progressing === null && out.some((c) => c.type === 'Progressing' && c.status === 'True'))
      set('Progressing', 'False', 'Idle', 'no operation in progress');
    return out;
  }

  private async report(
    object: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    op: Operation,
  ): Promise<void> {
    const meta = {
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      runbook: op.kind,
      step: op.step,
      ordinal: op.ordinal,
      reason,
    };
    if (type === 'Warning') this.logger.warn(message, meta);
    else this.logger.info(message, meta);
    await this.events?.event(object, type, reason, message);
  }

  private labels(object: KubeObject, runbook: string): { namespace: string; name: string; runbook: string } {
    return { namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '', runbook };
  }

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}
