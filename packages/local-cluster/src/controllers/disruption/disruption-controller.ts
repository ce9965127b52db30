/**
 * PodDisruptionBudget status (pkg/controller/disruption/disruption.go getExpectedPodCount /
 * countHealthyPods / updatePdbStatus): expectedPods, currentHealthy, desiredHealthy,
 * disruptionsAllowed, observedGeneration, disruptedPods and the DisruptionAllowed condition.
 */
import type { KubeObject } from '../../api/index.js';
import {
  controllerOf,
  getObject,
  isPodReady,
  isTerminating,
  listObjectKeys,
  listObjects,
  objectKey,
  scaledValue,
  selectorMatcher,
  splitKey,
  writeStatus,
  type ControllerContext,
  type ControllerDefinition,
  type ReconcileResult,
} from '../runtime/index.js';

/** DeletionTimeout: a disrupted pod not deleted within this is counted healthy again. */
const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

interface PdbSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  selector?: unknown;
}

interface PdbStatus {
  disruptedPods?: Record<string, string>;
  conditions?: {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    lastTransitionTime?: string;
    observedGeneration?: number;
  }[];
}

/** Pods a budget covers: its namespace, matching its selector (policy/v1: empty selects all). */
export function pdbPods(ctx: ControllerContext, pdb: KubeObject): KubeObject[] {
  const matches = selectorMatcher((pdb.spec as PdbSpec | undefined)?.selector);
  return listObjects(ctx, ctx.types.pods, pdb.metadata.namespace, (p) => matches(p.metadata.labels));
}

/** The replicas the controllers of `pods` want (getExpectedScale); pods without one count as one. */
function expectedScale(ctx: ControllerContext, pods: KubeObject[]): number {
  const seen = new Map<string, number>();
  let orphans = 0;
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (!ref) {
      orphans++;
      continue;
    }
    if (seen.has(ref.uid)) continue;
    const ns = pod.metadata.namespace ?? '';
    let replicas: number | undefined;
    if (ref.kind === 'StatefulSet')
      replicas = (
        getObject(ctx, ctx.types.statefulSets, ns, ref.name)?.spec as { replicas?: number } | undefined
      )?.replicas;
    else if (ref.kind === 'ReplicaSet') {
      const rs = getObject(ctx, ctx.types.replicaSets, ns, ref.name);
      const owner = rs ? controllerOf(rs) : undefined;
      const d =
        owner?.kind === 'Deployment' ? getObject(ctx, ctx.types.deployments, ns, owner.name) : undefined;
      replicas = ((d ?? rs)?.spec as { replicas?: number } | undefined)?.replicas;
    }
    seen.set(ref.uid, replicas ?? 1);
  }
  return [...seen.values()].reduce((a, b) => a + b, 0) + orphans;
}

/** Computes the status fields of a budget from its pods (without writing). */
export function computePdbStatus(ctx: ControllerContext, pdb: KubeObject): Record<string, unknown> {
  const spec = (pdb.spec ?? {}) as PdbSpec;
  const pods = pdbPods(ctx, pdb);
  const now = ctx.clock.now();
  const old = (pdb.status ?? {}) as PdbStatus;
  // buildDisruptedPodMap: entries for pods still present, not yet deleted, and not timed out
  const disrupted: Record<string, string> = {};
  for (const [name, at] of Object.entries(old.disruptedPods ?? {})) {
    const pod = pods.find((p) => p.metadata.name === name);
    if (!pod || isTerminating(pod)) continue;
    if (Date.parse(at) + DELETION_TIMEOUT_MS < now) continue;
    disrupted[name] = at;
  }
  let expected: number;
  let desired: number;
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    expected = expectedScale(ctx, pods);
    desired = Math.max(0, expected - scaledValue(spec.maxUnavailable, expected, true, 0));
  } else if (typeof spec.minAvailable === 'string' && spec.minAvailable.endsWith('%')) {
    expected = expectedScale(ctx, pods);
    desired = scaledValue(spec.minAvailable, expected, true, 0);
  } else {
    expected = pods.length;
    desired = scaledValue(spec.minAvailable ?? 1, expected, true, 1);
  }
  const healthy = pods.filter(
    (p) => !isTerminating(p) && isPodReady(p) && disrupted[p.metadata.name ?? ''] === undefined,
  ).length;
  const allowed = expected > 0 ? Math.max(0, healthy - desired) : 0;
  const prev = old.conditions?.find((c) => c.type === 'DisruptionAllowed');
  const condStatus = allowed > 0 ? 'True' : 'False';
  const reason = allowed > 0 ? 'SufficientPods' : 'InsufficientPods';
  const condition = {
    type: 'DisruptionAllowed',
    status: condStatus,
    observedGeneration: pdb.metadata.generation ?? 0,
    lastTransitionTime:
      prev?.status === condStatus && prev.lastTransitionTime
        ? prev.lastTransitionTime
        : new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    reason,
    message: '',
  };
  const status: Record<string, unknown> = { observedGeneration: pdb.metadata.generation ?? 0 };
  if (Object.keys(disrupted).length) status.disruptedPods = disrupted;
  status.disruptionsAllowed = allowed;
  status.currentHealthy = healthy;
  status.desiredHealthy = desired;
  status.expectedPods = expected;
  status.conditions = [condition];
  return status;
}

/** The disruption controller: keeps PodDisruptionBudget status current. */
export class DisruptionController implements ControllerDefinition {
  readonly name = 'disruption';

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(event: {
    key: { resource: string; namespace: string; name: string };
    object: KubeObject;
    prevObject?: KubeObject;
  }): string[] {
    const { resource, namespace, name } = event.key;
    if (resource === 'policy/poddisruptionbudgets') return [objectKey(namespace, name)];
    if (
      resource === '/pods' ||
      resource === 'apps/statefulsets' ||
      resource === 'apps/deployments' ||
      resource === 'apps/replicasets'
    ) {
      // few budgets per namespace: look at them all
      return listObjects(this.ctx, this.ctx.types.pdbs, namespace).map((p) =>
        objectKey(namespace, p.metadata.name),
      );
    }
    return [];
  }

  listKeys(): string[] {
    return listObjectKeys(this.ctx, this.ctx.types.pdbs);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const pdb = getObject(this.ctx, this.ctx.types.pdbs, namespace, name);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const status = computePdbStatus(this.ctx, pdb);
    await writeStatus(this.ctx, this.ctx.types.pdbs, pdb, status);
    const disrupted = Object.values((status.disruptedPods ?? {}) as Record<string, string>);
    if (disrupted.length) {
      // look again when the oldest entry times out
      const next =
        Math.min(...disrupted.map((at) => Date.parse(at) + DELETION_TIMEOUT_MS)) - this.ctx.clock.now();
      return { requeueAfterMs: Math.max(1, next) };
    }
  }
}
