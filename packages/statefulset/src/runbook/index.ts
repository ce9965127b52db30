/**
 * The runbook engine: named, ordered, idempotent steps with safety checks, actions and completion
 * checks, persisted in `status.operation` so a restarted operator resumes exactly where it stopped;
 * plus the generic membership runbooks (scale-up, scale-down, rolling update) over a member group.
 */
export type {
  CheckResult,
  Operation,
  PlannedOperation,
  PlannedStep,
  Runbook,
  Step,
  StepContext,
  StepPhase,
} from './types.js';
export {
  RunbookEngine,
  operationOf,
  type RunbookEngineOptions,
  type RunbookOutcome,
  type RunbookRun,
} from './engine.js';
export {
  RecordedEvents,
  clusterEventSink,
  silentRunbookLogger,
  type EventSink,
  type RunbookLogger,
} from './events.js';
export { runbookMetrics, type RunbookMetrics } from './metrics.js';
export {
  ROLLING_UPDATE,
  SCALE_DOWN,
  SCALE_UP,
  isMembershipChange,
  membershipRunbooks,
  planMembershipChange,
  rollingUpdateRunbook,
  scaleDownRunbook,
  scaleUpRunbook,
  type GroupContext,
  type MembershipHook,
  type MembershipOptions,
} from './membership.js';
