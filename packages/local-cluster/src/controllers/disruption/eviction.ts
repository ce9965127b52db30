/**
 * The Eviction subresource (pkg/registry/core/pod/storage/eviction.go): deletes a pod unless a
 * PodDisruptionBudget covering it has no disruption left, in which case it answers 429
 * TooManyRequests "Cannot evict pod as it would violate the pod's disruption budget.".
 */
import type { KubeObject, Status, StatusCause } from '../../api/index.js';
import { ApiError, errors } from '../../api/index.js';
import type { ApiCore, DeleteOptions } from '../../apiserver/index.js';
import { silentLogger } from '../../logging/index.js';
import { CONTROLLER_MANAGER, controllerTypes, isPodReady, podPhase, selectorMatcher, systemClock, type ControllerContext, type Clock } from '../runtime/index.js';

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";
/** MaxDisruptedPodSize: a budget tracks at most this many pending evictions. */
const MAX_DISRUPTED_PODS = 2000;
const CONFLICT_RETRIES = 5;

function budgetError(message: string, cause: string): ApiError {
  const base = errors.tooManyRequests(message).status;
  // the cause type upstream is "DisruptionBudget"; StatusCause keeps it in `reason`
  const causes: StatusCause[] = [{ reason: 'DisruptionBudget', message: cause }];
  return new ApiError({ ...base, details: { ...(base.details ?? {}), causes } });
}

/**
 * Evicts `namespace/name` as POST …/pods/{name}/eviction does. `body` is the policy/v1 Eviction
 * (its `deleteOptions` are used for the delete). Resolves to the Success Status the endpoint
 * returns (HTTP 201); throws ApiError 404 for a missing pod, 429 when a budget forbids the eviction,
 * 500 when several budgets cover the pod.
 */
export async function evictPod(core: ApiCore, namespace: string, name: string, body: unknown = {}, opts: { clock?: Clock } = {}): Promise<Status> {
  const ctx: ControllerContext = { core, types: controllerTypes(core), clock: opts.clock ?? systemClock, logger: silentLogger() };
  const eviction = (body ?? {}) as { metadata?: { name?: string }; deleteOptions?: DeleteOptions & { kind?: string; apiVersion?: string } };
  if (eviction.metadata?.name && eviction.metadata.name !== name) {
    throw errors.badRequest(`name in URL does not match name in Eviction object`);
  }
  const { kind: _k, apiVersion: _a, ...deleteOptions } = eviction.deleteOptions ?? {};
  const success: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  for (let attempt = 0; ; attempt++) {
    const pod = await core.get(ctx.types.pods, namespace, name);
    const remove = async (): Promise<Status> => {
      await core.delete(ctx.types.pods, namespace, name, { ...deleteOptions, preconditions: { uid: pod.metadata.uid, ...(deleteOptions.preconditions ?? {}) } });
      return success;
    };
    // canIgnorePDB: terminal, pending or already deleting pods go without a budget check
    const phase = podPhase(pod);
    if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) return remove();
    const budgets = (await core.list(ctx.types.pdbs, namespace)).items.filter((p) => selectorMatcher((p.spec as { selector?: unknown } | undefined)?.selector)(pod.metadata.labels));
    if (budgets.length === 0) return remove();
    if (budgets.length > 1) {
      throw errors.internal(new Error('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'));
    }
    const pdb = budgets[0] as KubeObject;
    const status = (pdb.status ?? {}) as { observedGeneration?: number; disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; disruptedPods?: Record<string, string> };
    const policy = (pdb.spec as { unhealthyPodEvictionPolicy?: string } | undefined)?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
    // a pod that is Running but not Ready may go when the budget is healthy (or always, with AlwaysAllow)
    if (!isPodReady(pod)) {
      if (policy === 'AlwaysAllow') return remove();
      if ((status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0) return remove();
    }
    // checkAndDecrement
    if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
      throw budgetError(VIOLATION, `The disruption budget ${pdb.metadata.name ?? ''} is still being processed by the server.`);
    }
    const allowed = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw errors.forbidden({ group: 'policy', resource: 'poddisruptionbudgets' }, pdb.metadata.name ?? '', 'pdb disruptions allowed is negative');
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
      throw errors.forbidden({ group: 'policy', resource: 'poddisruptionbudgets' }, pdb.metadata.name ?? '', 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    }
    if (allowed === 0) {
      throw budgetError(VIOLATION, `The disruption budget ${pdb.metadata.name ?? ''} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
    }
    const at = new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const nextStatus = { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...(status.disruptedPods ?? {}), [name]: at } };
    try {
      // the budget's resourceVersion guards against two evictions spending the same disruption
      await core.update(ctx.types.pdbs, namespace, pdb.metadata.name ?? '', { ...pdb, status: nextStatus }, { subresource: 'status', fieldManager: CONTROLLER_MANAGER });
    } catch (e) {
      if (e instanceof ApiError && e.code === 409 && attempt < CONFLICT_RETRIES) continue;
      throw e;
    }
    return remove();
  }
}
