/** A status condition (meta/v1 Condition): one aspect of an object's observed state. */
export interface Condition {
  /** CamelCase type, e.g. `Ready`, `Available`, `Progressing`. */
  type: string;
  status: ConditionStatus;
  /** The `.metadata.generation` the condition was set from. */
  observedGeneration?: number;
  /** When `status` last changed (RFC 3339, seconds precision). */
  lastTransitionTime: string;
  /** CamelCase machine-readable reason for the last transition. */
  reason: string;
  /** Human-readable details. */
  message: string;
}

/** `True`, `False` or `Unknown`, as Kubernetes spells them. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** The fields a caller sets; `lastTransitionTime` is managed by {@link setStatusCondition}. */
export type NewCondition = Omit<Condition, 'lastTransitionTime' | 'message'> & {
  message?: string;
  lastTransitionTime?: string;
};

/** Formats a time as a metav1.Time (RFC 3339 with whole seconds, as the API server serializes it). */
export function formatConditionTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Sets `condition` in `conditions` (in place), with k8s.io/apimachinery/pkg/api/meta
 * SetStatusCondition's rules: a new type is appended with lastTransitionTime = now (unless given);
 * an existing one keeps its lastTransitionTime unless its status changes; reason, message and
 * observedGeneration are always overwritten. Returns whether anything changed.
 */
export function setStatusCondition(
  conditions: Condition[],
  condition: NewCondition,
  now: Date = new Date(),
): boolean {
  const existing = conditions.find((c) => c.type === condition.type);
  if (!existing) {
    conditions.push({
      type: condition.type,
      status: condition.status,
      ...(condition.observedGeneration !== undefined
        ? { observedGeneration: condition.observedGeneration }
        : {}),
      lastTransitionTime: condition.lastTransitionTime ?? formatConditionTime(now),
      reason: condition.reason,
      message: condition.message ?? '',
    });
    return true;
  }
  let changed = false;
  if (existing.status !== condition.status) {
    existing.status = condition.status;
    existing.lastTransitionTime = condition.lastTransitionTime ?? formatConditionTime(now);
    changed = true;
  }
  if (existing.reason !== condition.reason) {
    existing.reason = condition.reason;
    changed = true;
  }
  const message = condition.message ?? '';
  if (existing.message !== message) {
    existing.message = message;
    changed = true;
  }
  if (existing.observedGeneration !== condition.observedGeneration) {
    if (condition.observedGeneration === undefined) delete existing.observedGeneration;
    else existing.observedGeneration = condition.observedGeneration;
    changed = true;
  }
  return changed;
}

/** Removes the condition of `type` (in place). Returns whether one was removed. */
export function removeStatusCondition(conditions: Condition[], type: string): boolean {
  const index = conditions.findIndex((c) => c.type === type);
  if (index < 0) return false;
  conditions.splice(index, 1);
  return true;
}

/** The condition of `type`, if present. */
export function findStatusCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Whether the condition of `type` is present with status `True`. */
export function isStatusConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return isStatusConditionPresentAndEqual(conditions, type, 'True');
}

/** Whether the condition of `type` is present with status `False`. */
export function isStatusConditionFalse(conditions: readonly Condition[] | undefined, type: string): boolean {
  return isStatusConditionPresentAndEqual(conditions, type, 'False');
}

/** Whether the condition of `type` is present with `status`. */
export function isStatusConditionPresentAndEqual(
  conditions: readonly Condition[] | undefined,
  type: string,
  status: ConditionStatus,
): boolean {
  return findStatusCondition(conditions, type)?.status === status;
}
