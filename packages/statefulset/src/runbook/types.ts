/**
 * The shapes of runbooks: named, ordered steps with a safety check, an action and a completion
 * check, and the operation record persisted in the custom resource's `status.operation`.
 */

/** A check's answer: a boolean, or a verdict with the reason shown in status, events and conditions. */
export type CheckResult = boolean | { ok: boolean; reason?: string; message?: string };

/** Where a step stands: not acted yet, acting (the action may or may not have happened), or waiting for completion. */
export type StepPhase = 'Pending' | 'Acting' | 'Waiting';

/**
 * The operation in progress, persisted as `status.operation` so a restarted operator resumes exactly
 * where the previous one stopped.
 */
export interface Operation {
  /** The runbook's kind, e.g. `ScaleUp`. */
  kind: string;
  /** What the runbook works on, e.g. a StatefulSet's name. */
  target?: string;
  from?: number | string;
  to?: number | string;
  /** The current step's name. */
  step: string;
  /** The current step's position in the runbook. */
  stepIndex: number;
  phase: StepPhase;
  /** The member the current step is handling (iterating steps, or a runbook about one member). */
  ordinal?: number;
  /** Members an iterating step has finished. */
  done?: number[];
  /** Whether any action of this operation has run (before that it can be dropped freely). */
  acted?: boolean;
  /** RFC 3339 times. */
  startedAt: string;
  stepStartedAt: string;
  /** Actions tried in the current step (for the current member). */
  attempts: number;
  /** Why the step is not complete yet (the last check's reason or the action's error). */
  message?: string;
}

/** What a step sees. */
export interface StepContext<C> {
  /** The operator's per-reconcile context (e.g. the observed member group and its hooks). */
  readonly context: C;
  /** The operation as persisted (read-only). */
  readonly operation: Readonly<Operation>;
  /** The member the step handles: the iterating step's current member, else the operation's. */
  readonly ordinal: number | undefined;
}

/** One named step of a runbook. Every function must be safe to call again after a crash. */
export interface Step<C> {
  name: string;
  /** Ordinals this step handles one at a time (re-evaluated each reconcile); without it the step runs once. */
  members?(ctx: StepContext<C>): Promise<number[]> | number[];
  /** The safety check that must hold before the action runs. Default: holds. */
  precondition?(ctx: StepContext<C>): Promise<CheckResult> | CheckResult;
  /**
   * Whether the action's effect is already visible, so the action must not run again (e.g. the
   * member is already in the membership list). Default: the action ran to its end before.
   */
  applied?(ctx: StepContext<C>): Promise<boolean> | boolean;
  /** The action; omit for a step that only waits. */
  action?(ctx: StepContext<C>): Promise<void>;
  /** Whether the step (for the current member) is done. Checked first, every reconcile. */
  complete(ctx: StepContext<C>): Promise<CheckResult> | CheckResult;
  /** How long the step may take before the resource turns `Degraded` (ms). Default: the engine's. */
  timeoutMs?: number;
  /** The operation may be dropped for a re-plan before this step starts (and between its members). */
  interruptible?: boolean;
  /**
   * When the operation is no longer wanted in the middle of this step: undo or cut short what the
   * step started; resolve true once the operation can be dropped. Without it the step is finished.
   */
  unwind?(ctx: StepContext<C>): Promise<boolean>;
}

/** A named, ordered list of steps. */
export interface Runbook<C> {
  kind: string;
  steps: Step<C>[];
  /**
   * Whether the operation is still wanted after a spec change; when not, it is finished or unwound
   * to a safe point and dropped, and the caller's plan picks the next one. Default: wanted.
   */
  wanted?(operation: Readonly<Operation>, context: C): Promise<boolean> | boolean;
}

/** What a plan proposes: the runbook to start and what it changes. */
export interface PlannedOperation {
  kind: string;
  target?: string;
  from?: number | string;
  to?: number | string;
  /** The member the whole operation is about (scale-up/down), if any. */
  ordinal?: number;
}

/** One step of a plan preview. */
export interface PlannedStep {
  name: string;
  state: 'Done' | 'InProgress' | 'Pending';
  /** For iterating steps: the members still to handle, in order. */
  members?: number[];
}
