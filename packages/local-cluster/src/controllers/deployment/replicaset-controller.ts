/**
 * The ReplicaSet controller (pkg/controller/replicaset/replica_set.go manageReplicas /
 * calculateStatus, pkg/controller/controller_utils.go ActivePodsWithRanks): keeps
 * spec.replicas active pods named `<rs>-<random>` from the template, creating in slow-start batches
 * and deleting the least useful pods first (unscheduled, pending, not ready, newest).
 */
import type { KubeObject } from '../../api/index.js';
import {
  CONTROLLER_MANAGER,
  controllerOf,
  controllerRef,
  deleteIgnoringMissing,
  getObject,
  isPodActive,
  isPodAvailable,
  isPodReady,
  listObjectKeys,
  listObjects,
  msUntilAvailable,
  objectKey,
  podPhase,
  recordEvent,
  selectorMatcher,
  splitKey,
  writeStatus,
  type ControllerContext,
  type ControllerDefinition,
  type ReconcileResult,
} from '../runtime/index.js';

/** The component name of the ReplicaSet controller's Events. */
const REPLICASET_CONTROLLER = 'replicaset-controller';

/** controller.BurstReplicas: most pods created or deleted in one sync. */
const BURST_REPLICAS = 500;

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** ActivePodsWithRanks order: the pod to delete first sorts first. */
function deletionRank(a: KubeObject, b: KubeObject): number {
  const assigned = (p: KubeObject): number =>
    (p.spec as { nodeName?: string } | undefined)?.nodeName ? 1 : 0;
  const phaseRank = (p: KubeObject): number => ({ Pending: 0, Unknown: 1, Running: 2 })[podPhase(p)] ?? 0;
  const ready = (p: KubeObject): number => (isPodReady(p) ? 1 : 0);
  return (
    assigned(a) - assigned(b) ||
    phaseRank(a) - phaseRank(b) ||
    ready(a) - ready(b) ||
    // newer pods first
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
    (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '')
  );
}

/** The ReplicaSet controller; see the module comment. */
export class ReplicaSetController implements ControllerDefinition {
  readonly name = 'replicaset';

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(event: {
    key: { resource: string; namespace: string; name: string };
    object: KubeObject;
    prevObject?: KubeObject;
  }): string[] {
    const { resource, namespace, name } = event.key;
    if (resource === 'apps/replicasets') return [objectKey(namespace, name)];
    if (resource === '/pods') {
      const ref = controllerOf(event.object);
      if (ref?.kind === 'ReplicaSet') return [objectKey(namespace, ref.name)];
    }
    return [];
  }

  listKeys(): string[] {
    return listObjectKeys(this.ctx, this.ctx.types.replicaSets);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const rs = getObject(this.ctx, this.ctx.types.replicaSets, namespace, name);
    if (!rs) return;
    const spec = (rs.spec ?? {}) as {
      replicas?: number;
      minReadySeconds?: number;
      selector?: unknown;
      template?: PodTemplate;
    };
    const uid = rs.metadata.uid;
    const owned = (): KubeObject[] =>
      listObjects(this.ctx, this.ctx.types.pods, namespace, (p) => controllerOf(p)?.uid === uid);
    const active = owned().filter(isPodActive);
    const want = spec.replicas ?? 1;
    if (!rs.metadata.deletionTimestamp) {
      const diff = active.length - want;
      if (diff < 0) await this.createPods(rs, spec.template ?? {}, Math.min(-diff, BURST_REPLICAS));
      else if (diff > 0) {
        for (const pod of [...active].sort(deletionRank).slice(0, Math.min(diff, BURST_REPLICAS))) {
          await deleteIgnoringMissing(
            this.ctx,
            this.ctx.types.pods,
            namespace,
            pod.metadata.name ?? '',
            pod.metadata.uid,
          );
          // RealPodControl.DeletePod (controller_utils.go)
          await recordEvent(
            this.ctx,
            REPLICASET_CONTROLLER,
            rs,
            'Normal',
            'SuccessfulDelete',
            `Deleted pod: ${pod.metadata.name ?? ''}`,
          );
        }
      }
    }
    // calculateStatus
    const now = this.ctx.clock.now();
    const minReady = spec.minReadySeconds ?? 0;
    const pods = owned().filter(isPodActive);
    const templateLabels = selectorMatcher({ matchLabels: spec.template?.metadata?.labels ?? {} });
    const ready = pods.filter((p) => isPodReady(p));
    const available = ready.filter((p) => isPodAvailable(p, minReady, now));
    const fullyLabeled = pods.filter((p) => templateLabels(p.metadata.labels)).length;
    const status: Record<string, unknown> = { replicas: pods.length };
    if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
    if (ready.length) status.readyReplicas = ready.length;
    if (available.length) status.availableReplicas = available.length;
    status.observedGeneration = rs.metadata.generation ?? 0;
    const conditions = (rs.status as { conditions?: unknown[] } | undefined)?.conditions;
    if (conditions) status.conditions = conditions;
    const latest = getObject(this.ctx, this.ctx.types.replicaSets, namespace, name);
    if (latest && latest.metadata.uid === uid)
      await writeStatus(this.ctx, this.ctx.types.replicaSets, latest, status);
    if (minReady > 0 && available.length < ready.length) {
      const waits = ready.map((p) => msUntilAvailable(p, minReady, now)).filter((ms) => ms > 0);
      if (waits.length) return { requeueAfterMs: Math.min(...waits) };
    }
  }

  /** slowStartBatch(…, SlowStartInitialBatchSize=1, …): 1, 2, 4, … pods at once, stopping at an error. */
  private async createPods(rs: KubeObject, template: PodTemplate, count: number): Promise<void> {
    const namespace = rs.metadata.namespace ?? '';
    const body = (): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name ?? ''}-`,
        namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [controllerRef(rs)],
      },
      spec: structuredClone(template.spec ?? {}),
    });
    let remaining = count;
    for (let batch = Math.min(1, remaining); batch > 0; batch = Math.min(2 * batch, remaining)) {
      const results = await Promise.allSettled(
        Array.from({ length: batch }, () =>
          this.ctx.core.create(this.ctx.types.pods, namespace, body(), { fieldManager: CONTROLLER_MANAGER }),
        ),
      );
      // RealPodControl.createPods (controller_utils.go): one Event per pod
      for (const r of results) {
        if (r.status === 'fulfilled')
          await recordEvent(
            this.ctx,
            REPLICASET_CONTROLLER,
            rs,
            'Normal',
            'SuccessfulCreate',
            `Created pod: ${r.value.metadata.name ?? ''}`,
          );
        else
          await recordEvent(
            this.ctx,
            REPLICASET_CONTROLLER,
            rs,
            'Warning',
            'FailedCreate',
            `Error creating: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`,
          );
      }
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      remaining -= batch;
    }
  }
}
