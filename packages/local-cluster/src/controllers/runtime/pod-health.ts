/**
 * Pod state as the workload controllers judge it (k8s.io/kubernetes/pkg/api/v1/pod/util.go
 * IsPodReady / IsPodAvailable, pkg/controller/statefulset/stateful_set_utils.go isRunningAndReady).
 */
import type { KubeObject } from '../../api/index.js';

interface PodCondition {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
}

/** status.phase ('' when the API server has not set one). */
export function podPhase(pod: KubeObject): string {
  return (pod.status as { phase?: string } | undefined)?.phase ?? '';
}

function readyCondition(pod: KubeObject): PodCondition | undefined {
  const conditions = (pod.status as { conditions?: PodCondition[] } | undefined)?.conditions ?? [];
  return conditions.find((c) => c.type === 'Ready');
}

/** The Ready condition is True. */
export function isPodReady(pod: KubeObject): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least `minReadySeconds` at `nowMs` (IsPodAvailable). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): boolean {
  const ready = readyCondition(pod);
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** Milliseconds until a ready pod becomes available (0 when it already is or never will be soon). */
export function msUntilAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): number {
  const ready = readyCondition(pod);
  if (ready?.status !== 'True' || !minReadySeconds || !ready.lastTransitionTime) return 0;
  return Math.max(0, Date.parse(ready.lastTransitionTime) + minReadySeconds * 1000 - nowMs);
}

/** Running with the Ready condition True. */
export function isRunningAndReady(pod: KubeObject): boolean {
  return podPhase(pod) === 'Running' && isPodReady(pod);
}

/** metadata.deletionTimestamp is set. */
export function isTerminating(pod: KubeObject): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

/** Active: not terminated and not being deleted (controller.IsPodActive). */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !isTerminating(pod);
}
