/**
 * The Eviction subresource of pods, as the API server's pod storage serves it
 * (pkg/registry/core/pod/storage/eviction.go, EvictionREST): the pod is deleted unless a
 * PodDisruptionBudget covering it has no disruption left. The disruption controller only computes
 * the budgets' status; this is where it is spent (status.disruptionsAllowed, status.disruptedPods).
 */
import {
  ApiError,
  errors,
  isJsonObject,
  rfc3339,
  type KubeObject,
  type Status,
  type StatusCause,
} from '../api/index.js';
import type { ResourceType } from '../registry/index.js';
import { LabelSelector, labelSelectorToString } from './selectors.js';
import type { DeleteOptions, KubeList, WriteOptions } from './types.js';

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";
/** MaxDisruptedPodSize: a budget tracks at most this many pending evictions. */
const MAX_DISRUPTED_PODS = 2000;
/** eviction.go retries the budget update this often on a resourceVersion conflict. */
const CONFLICT_RETRIES = 5;
/** The field manager of the budget status update (upstream the API server writes it in-process). */
const EVICTION_MANAGER = 'kube-apiserver';

/** What the eviction needs of the API: the in-process core. */
export interface EvictionApi {
  typeOf(group: string, version: string, resource: string): ResourceType;
  get(type: ResourceType, namespace: string, name: string): Promise<KubeObject>;
  list(type: ResourceType, namespace: string): Promise<KubeList>;
  update(
    type: ResourceType,
    namespace: string,
    name: string,
    obj: unknown,
    opts: WriteOptions & { subresource?: string },
  ): Promise<KubeObject>;
  delete(type: ResourceType, namespace: string, name: string, opts: DeleteOptions): Promise<unknown>;
}

interface BudgetStatus {
  observedGeneration?: number;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  disruptedPods?: Record<string, string>;
}

function budgetError(message: string, cause: string): ApiError {
  const base = errors.tooManyRequests(message).status;
  // the cause type upstream is "DisruptionBudget"; StatusCause keeps it in `reason`
  const causes: StatusCause[] = [{ reason: 'DisruptionBudget', message: cause }];
  return new ApiError({ ...base, details: { ...(base.details ?? {}), causes } });
}

function isReady(pod: KubeObject): boolean {
  const conditions = (pod.status as { conditions?: { type?: string; status?: string }[] } | undefined)
    ?.conditions;
  return (conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Evicts `namespace/name` as `POST …/pods/{name}/eviction` does. `eviction` is the policy/v1 (or
 * v1beta1) Eviction; its `deleteOptions` are used for the delete. Resolves to the Success Status the
 * endpoint answers with (HTTP 201); throws ApiError 404 for a missing pod, 429 when a budget forbids
 * the eviction, 500 when several budgets cover the pod.
 */
export async function evictPod(
  api: EvictionApi,
  namespace: string,
  name: string,
  eviction: unknown,
  now: () => Date,
): Promise<Status> {
  const pods = api.typeOf('', 'v1', 'pods');
  const pdbs = api.typeOf('policy', 'v1', 'poddisruptionbudgets');
  const body = isJsonObject(eviction) ? eviction : {};
  const meta = isJsonObject(body.metadata) ? body.metadata : {};
  if (meta.name !== undefined && meta.name !== '' && meta.name !== name) {
    throw errors.badRequest(`name in URL does not match name in Eviction object`);
  }
  const {
    kind: _kind,
    apiVersion: _apiVersion,
    ...deleteOptions
  } = (isJsonObject(body.deleteOptions) ? body.deleteOptions : {}) as DeleteOptions & {
    kind?: string;
    apiVersion?: string;
    dryRun?: unknown;
  };
  const rawDryRun = (deleteOptions as { dryRun?: unknown }).dryRun;
  // DeleteOptions.dryRun is ["All"] on the wire; the core takes a boolean
  const dryRun = Array.isArray(rawDryRun) ? rawDryRun.includes('All') : rawDryRun === true;
  const options: DeleteOptions = { ...deleteOptions, dryRun };
  const success: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  for (let attempt = 0; ; attempt++) {
    const pod = await api.get(pods, namespace, name);
    const remove = async (): Promise<Status> => {
      // the uid precondition keeps a same-named replacement pod from being deleted (eviction.go)
      await api.delete(pods, namespace, name, {
        ...options,
        preconditions: { uid: pod.metadata.uid, ...(options.preconditions ?? {}) },
      });
      return success;
    };
    // canIgnorePDB: terminal, pending or already deleting pods go without a budget check
    const phase = (pod.status as { phase?: string } | undefined)?.phase ?? '';
    if (
      phase === 'Succeeded' ||
      phase === 'Failed' ||
      phase === 'Pending' ||
      pod.metadata.deletionTimestamp
    ) {
      return remove();
    }
    const budgets = (await api.list(pdbs, namespace)).items.filter((p) => {
      const selector = (p.spec as { selector?: unknown } | undefined)?.selector;
      // a nil selector matches nothing; an empty one matches everything (as the PDB lister)
      if (selector === undefined || selector === null) return false;
      return LabelSelector.parse(labelSelectorToString(selector)).matches(pod.metadata.labels);
    });
    if (budgets.length === 0) return remove();
    if (budgets.length > 1) {
      throw errors.internal(
        new Error(
          'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        ),
      );
    }
    const pdb = budgets[0] as KubeObject;
    const pdbName = pdb.metadata.name ?? '';
    const status = (pdb.status ?? {}) as BudgetStatus;
    const policy =
      (pdb.spec as { unhealthyPodEvictionPolicy?: string } | undefined)?.unhealthyPodEvictionPolicy ??
      'IfHealthyBudget';
    // a Running pod that is not Ready may go when the budget is healthy (or always, with AlwaysAllow)
    if (!isReady(pod)) {
      if (policy === 'AlwaysAllow') return remove();
      const desired = status.desiredHealthy ?? 0;
      if ((status.currentHealthy ?? 0) >= desired && desired > 0) return remove();
    }
    // checkAndDecrement
    if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
      throw budgetError(
        VIOLATION,
        `The disruption budget ${pdbName} is still being processed by the server.`,
      );
    }
    const allowed = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw errors.forbidden(pdbs, pdbName, 'pdb disruptions allowed is negative');
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
      throw errors.forbidden(
        pdbs,
        pdbName,
        'DisruptedPods map too big - too many evictions not confirmed by PDB controller',
      );
    }
    if (allowed === 0) {
      throw budgetError(
        VIOLATION,
        `The disruption budget ${pdbName} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`,
      );
    }
    if (!dryRun) {
      const nextStatus: BudgetStatus = {
        ...status,
        disruptionsAllowed: allowed - 1,
        disruptedPods: { ...(status.disruptedPods ?? {}), [name]: rfc3339(now()) },
      };
      try {
        // the budget's resourceVersion guards against two evictions spending the same disruption
        await api.update(
          pdbs,
          namespace,
          pdbName,
          { ...pdb, status: nextStatus },
          {
            subresource: 'status',
            fieldManager: EVICTION_MANAGER,
          },
        );
      } catch (e) {
        if (e instanceof ApiError && e.code === 409 && attempt < CONFLICT_RETRIES) continue;
        throw e;
      }
    }
    return remove();
  }
}
