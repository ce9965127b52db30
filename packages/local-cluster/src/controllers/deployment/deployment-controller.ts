/**
 * The Deployment controller (pkg/controller/deployment/{sync,rolling,recreate,progress}.go and
 * util/deployment_util.go): one ReplicaSet per pod template, `<deployment>-<pod-template-hash>`,
 * with the hash in its selector, labels and pod template; RollingUpdate scales the new ReplicaSet
 * up within replicas+maxSurge and old ones down keeping replicas−maxUnavailable available;
 * Recreate scales old ones to zero and waits for their pods before scaling the new one up; old
 * ReplicaSets at zero beyond revisionHistoryLimit are deleted; status and the Available/Progressing
 * conditions follow.
 */
import type { KubeObject } from '../../api/index.js';
import { ApiError } from '../../api/index.js';
import {
  canonicalJson,
  CONTROLLER_MANAGER,
  controllerOf,
  controllerRef,
  deleteIgnoringMissing,
  fnv32a,
  getObject,
  isPodActive,
  listObjectKeys,
  listObjects,
  objectKey,
  safeEncodedHash,
  scaledValue,
  splitKey,
  writeStatus,
  type ControllerContext,
  type ControllerDefinition,
  recordEvent,
} from '../runtime/index.js';

/** apps/v1 DefaultDeploymentUniqueLabelKey. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

/** The component name of the Deployment controller's Events. */
const DEPLOYMENT_CONTROLLER = 'deployment-controller';

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}

interface DeploymentSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  template?: PodTemplate;
  strategy?: {
    type?: 'RollingUpdate' | 'Recreate';
    rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
  };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
}

interface RsView {
  obj: KubeObject;
  replicas: number;
  available: number;
  ready: number;
  statusReplicas: number;
  revision: number;
}

/** ComputeHash: a stable hash of the pod template and the collision count. */
export function podTemplateHash(template: PodTemplate, collisionCount: number): string {
  return safeEncodedHash(fnv32a(canonicalJson(template) + (collisionCount ? String(collisionCount) : '')));
}

function withoutHash(template: PodTemplate | undefined): PodTemplate {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels) {
    delete t.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  return t;
}

function view(rs: KubeObject): RsView {
  const spec = (rs.spec ?? {}) as { replicas?: number };
  const status = (rs.status ?? {}) as {
    availableReplicas?: number;
    readyReplicas?: number;
    replicas?: number;
  };
  return {
    obj: rs,
    replicas: spec.replicas ?? 0,
    available: status.availableReplicas ?? 0,
    ready: status.readyReplicas ?? 0,
    statusReplicas: status.replicas ?? 0,
    revision: Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0,
  };
}

/** The Deployment controller; see the module comment. */
export class DeploymentController implements ControllerDefinition {
  readonly name = 'deployment';

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(event: {
    key: { resource: string; namespace: string; name: string };
    object: KubeObject;
  }): string[] {
    const { resource, namespace, name } = event.key;
    if (resource === 'apps/deployments') return [objectKey(namespace, name)];
    if (resource === 'apps/replicasets') {
      const ref = controllerOf(event.object);
      return ref?.kind === 'Deployment' ? [objectKey(namespace, ref.name)] : [];
    }
    if (resource === '/pods') {
      // Recreate waits for old pods to go
      const rsRef = controllerOf(event.object);
      if (rsRef?.kind !== 'ReplicaSet') return [];
      const rs = getObject(this.ctx, this.ctx.types.replicaSets, namespace, rsRef.name);
      const ref = rs ? controllerOf(rs) : undefined;
      return ref?.kind === 'Deployment' ? [objectKey(namespace, ref.name)] : [];
    }
    return [];
  }

  listKeys(): string[] {
    return listObjectKeys(this.ctx, this.ctx.types.deployments);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const d = getObject(this.ctx, this.ctx.types.deployments, namespace, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = (d.spec ?? {}) as DeploymentSpec;
    const all = listObjects(
      this.ctx,
      this.ctx.types.replicaSets,
      namespace,
      (rs) => controllerOf(rs)?.uid === d.metadata.uid,
    ).map(view);
    const template = withoutHash(spec.template);
    const found = all.find(
      (rs) =>
        canonicalJson(withoutHash((rs.obj.spec as { template?: PodTemplate }).template)) ===
        canonicalJson(template),
    );
    const olds = all
      .filter((rs) => rs !== found)
      .sort((a, b) =>
        (a.obj.metadata.creationTimestamp ?? '').localeCompare(b.obj.metadata.creationTimestamp ?? ''),
      );
    const replicas = spec.replicas ?? 1;
    const recreate = spec.strategy?.type === 'Recreate';
    const maxSurge = recreate
      ? 0
      : scaledValue(spec.strategy?.rollingUpdate?.maxSurge ?? '25%', replicas, true, 0);
    let maxUnavailable = recreate
      ? 0
      : scaledValue(spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', replicas, false, 0);
    if (!recreate && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1; // ResolveFenceposts

    const maxOldRevision = Math.max(0, ...olds.map((r) => r.revision));
    let newRs = found ? await this.ensureRevision(found, maxOldRevision + 1) : undefined;

    if (!spec.paused) {
      if (recreate) {
        for (const old of olds) if (old.replicas > 0) await this.scale(old, 0, d, replicas, maxSurge);
        const oldPodsRunning = olds.some(
          (old) =>
            old.statusReplicas > 0 ||
            listObjects(
              this.ctx,
              this.ctx.types.pods,
              namespace,
              (p) => controllerOf(p)?.uid === old.obj.metadata.uid && isPodActive(p),
            ).length > 0,
        );
        if (!oldPodsRunning) {
          newRs ??= await this.createNewRs(d, template, replicas, maxOldRevision + 1, maxSurge);
          if (newRs.replicas !== replicas) await this.scale(newRs, replicas, d, replicas, maxSurge);
        }
      } else {
        // reconcileNewReplicaSet
        const current = all.reduce((n, r) => n + r.replicas, 0);
        if (!newRs) {
          const room = Math.max(0, Math.min(replicas + maxSurge - current, replicas));
          newRs = await this.createNewRs(
            d,
            template,
            olds.length === 0 ? replicas : room,
            maxOldRevision + 1,
            maxSurge,
          );
        } else if (newRs.replicas > replicas) {
          await this.scale(newRs, replicas, d, replicas, maxSurge);
        } else if (newRs.replicas < replicas) {
          const up = Math.min(replicas + maxSurge - current, replicas - newRs.replicas);
          if (up > 0) await this.scale(newRs, newRs.replicas + up, d, replicas, maxSurge);
        }
        // reconcileOldReplicaSets
        const fresh = (rs: RsView): RsView =>
          view(
            getObject(this.ctx, this.ctx.types.replicaSets, namespace, rs.obj.metadata.name ?? '') ?? rs.obj,
          );
        const n = fresh(newRs);
        let oldViews = olds.map(fresh);
        const allCount = n.replicas + oldViews.reduce((s, r) => s + r.replicas, 0);
        const minAvailable = replicas - maxUnavailable;
        const newUnavailable = n.replicas - n.available;
        let maxScaledDown = allCount - minAvailable - newUnavailable;
        if (maxScaledDown > 0) {
          // cleanupUnhealthyReplicas: old ReplicaSets' unavailable pods go first
          for (const old of oldViews) {
            if (maxScaledDown <= 0) break;
            const unhealthy = old.replicas - old.available;
            if (unhealthy <= 0) continue;
            const down = Math.min(maxScaledDown, unhealthy);
            await this.scale(old, old.replicas - down, d, replicas, maxSurge);
            maxScaledDown -= down;
          }
          oldViews = oldViews.map(fresh);
          // scaleDownOldReplicaSetsForRollingUpdate
          const availableCount = n.available + oldViews.reduce((s, r) => s + r.available, 0);
          let toScaleDown = availableCount - minAvailable;
          for (const old of oldViews) {
            if (toScaleDown <= 0) break;
            if (old.replicas === 0) continue;
            const down = Math.min(old.replicas, toScaleDown);
            await this.scale(old, old.replicas - down, d, replicas, maxSurge);
            toScaleDown -= down;
          }
        }
      }
    }
    await this.cleanup(d, spec, newRs);
    await this.syncStatus(d, spec, newRs, maxUnavailable);
  }

  private async ensureRevision(rs: RsView, revision: number): Promise<RsView> {
    if (rs.revision >= revision) return rs;
    const obj = rs.obj;
    const updated = await this.ctx.core.update(
      this.ctx.types.replicaSets,
      obj.metadata.namespace ?? '',
      obj.metadata.name ?? '',
      {
        ...obj,
        metadata: {
          ...obj.metadata,
          annotations: { ...(obj.metadata.annotations ?? {}), [REVISION_ANNOTATION]: String(revision) },
        },
      },
      { fieldManager: CONTROLLER_MANAGER },
    );
    return view(updated);
  }

  private async createNewRs(
    d: KubeObject,
    template: PodTemplate,
    replicas: number,
    revision: number,
    maxSurge: number,
  ): Promise<RsView> {
    const namespace = d.metadata.namespace ?? '';
    const spec = (d.spec ?? {}) as DeploymentSpec;
    let collisionCount = (d.status as { collisionCount?: number } | undefined)?.collisionCount ?? 0;
    for (;;) {
      const hash = podTemplateHash(template, collisionCount);
      const rsTemplate = structuredClone(template);
      rsTemplate.metadata = {
        ...(rsTemplate.metadata ?? {}),
        labels: { ...(rsTemplate.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
      };
      const selector = structuredClone(spec.selector ?? {});
      selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
      const body: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name ?? ''}-${hash}`,
          namespace,
          labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
          annotations: {
            [DESIRED_REPLICAS_ANNOTATION]: String(spec.replicas ?? 1),
            [MAX_REPLICAS_ANNOTATION]: String((spec.replicas ?? 1) + maxSurge),
            [REVISION_ANNOTATION]: String(revision),
          },
          ownerReferences: [controllerRef(d)],
        },
        spec: { replicas, minReadySeconds: spec.minReadySeconds ?? 0, selector, template: rsTemplate },
      };
      try {
        const created = view(
          await this.ctx.core.create(this.ctx.types.replicaSets, namespace, body, {
            fieldManager: CONTROLLER_MANAGER,
          }),
        );
        // getNewReplicaSet (sync.go)
        if (replicas > 0)
          await recordEvent(
            this.ctx,
            DEPLOYMENT_CONTROLLER,
            d,
            'Normal',
            'ScalingReplicaSet',
            `Scaled up replica set ${body.metadata.name ?? ''} from 0 to ${replicas}`,
          );
        return created;
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists')) throw e;
        // a hash collision with a different template: bump status.collisionCount and try another name
        collisionCount++;
        await writeStatus(this.ctx, this.ctx.types.deployments, d, {
          ...((d.status as object) ?? {}),
          collisionCount,
        });
        d = getObject(this.ctx, this.ctx.types.deployments, namespace, d.metadata.name ?? '') ?? d;
      }
    }
  }

  private async scale(
    rs: RsView,
    to: number,
    d: KubeObject,
    replicas: number,
    maxSurge: number,
  ): Promise<void> {
    const obj =
      getObject(
        this.ctx,
        this.ctx.types.replicaSets,
        rs.obj.metadata.namespace ?? '',
        rs.obj.metadata.name ?? '',
      ) ?? rs.obj;
    const from = (obj.spec as { replicas?: number } | undefined)?.replicas ?? 0;
    await this.ctx.core.update(
      this.ctx.types.replicaSets,
      obj.metadata.namespace ?? '',
      obj.metadata.name ?? '',
      {
        ...obj,
        metadata: {
          ...obj.metadata,
          annotations: {
            ...(obj.metadata.annotations ?? {}),
            [DESIRED_REPLICAS_ANNOTATION]: String(replicas),
            [MAX_REPLICAS_ANNOTATION]: String(replicas + maxSurge),
          },
        },
        spec: { ...(obj.spec as object), replicas: to },
      },
      { fieldManager: CONTROLLER_MANAGER },
    );
    // scaleReplicaSet (sync.go): only when the size changed
    if (from !== to)
      await recordEvent(
        this.ctx,
        DEPLOYMENT_CONTROLLER,
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${from < to ? 'up' : 'down'} replica set ${obj.metadata.name ?? ''} from ${from} to ${to}`,
      );
  }

  /** cleanupDeployment: old ReplicaSets at zero replicas beyond revisionHistoryLimit, oldest first. */
  private async cleanup(d: KubeObject, spec: DeploymentSpec, newRs: RsView | undefined): Promise<void> {
    const limit = spec.revisionHistoryLimit ?? 10;
    const namespace = d.metadata.namespace ?? '';
    const olds = listObjects(
      this.ctx,
      this.ctx.types.replicaSets,
      namespace,
      (rs) => controllerOf(rs)?.uid === d.metadata.uid && rs.metadata.uid !== newRs?.obj.metadata.uid,
    )
      .map(view)
      .filter((r) => r.replicas === 0 && r.statusReplicas === 0 && !r.obj.metadata.deletionTimestamp)
      .sort((a, b) => a.revision - b.revision);
    for (const r of olds.slice(0, Math.max(0, olds.length - limit))) {
      await deleteIgnoringMissing(this.ctx, this.ctx.types.replicaSets, namespace, r.obj.metadata.name ?? '');
    }
  }

  /** syncRolloutStatus / calculateStatus with the Available and Progressing conditions. */
  private async syncStatus(
    d: KubeObject,
    spec: DeploymentSpec,
    newRs: RsView | undefined,
    maxUnavailable: number,
  ): Promise<void> {
    const namespace = d.metadata.namespace ?? '';
    const latest = getObject(this.ctx, this.ctx.types.deployments, namespace, d.metadata.name ?? '');
    if (!latest || latest.metadata.uid !== d.metadata.uid) return;
    const all = listObjects(
      this.ctx,
      this.ctx.types.replicaSets,
      namespace,
      (rs) => controllerOf(rs)?.uid === d.metadata.uid,
    ).map(view);
    const n = newRs ? all.find((r) => r.obj.metadata.uid === newRs.obj.metadata.uid) : undefined;
    const replicas = spec.replicas ?? 1;
    const total = all.reduce((s, r) => s + r.statusReplicas, 0);
    const ready = all.reduce((s, r) => s + r.ready, 0);
    const available = all.reduce((s, r) => s + r.available, 0);
    const updated = n?.statusReplicas ?? 0;
    const old = (latest.status ?? {}) as {
      conditions?: {
        type: string;
        status: string;
        reason?: string;
        message?: string;
        lastUpdateTime?: string;
        lastTransitionTime?: string;
      }[];
      collisionCount?: number;
    };
    const now = new Date(this.ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition = (
      type: string,
      status: string,
      reason: string,
      message: string,
    ): Record<string, string> => {
      const prev = old.conditions?.find((c) => c.type === type);
      const same = prev?.status === status;
      const unchanged = same && prev?.reason === reason && prev?.message === message;
      return {
        type,
        status,
        lastUpdateTime: unchanged ? (prev?.lastUpdateTime ?? now) : now,
        lastTransitionTime: same ? (prev?.lastTransitionTime ?? now) : now,
        reason,
        message,
      };
    };
    const minimum = available >= replicas - maxUnavailable;
    const rsName = n?.obj.metadata.name ?? '';
    const complete =
      n !== undefined &&
      updated === replicas &&
      total === replicas &&
      available === replicas &&
      n.replicas === replicas;
    const conditions = [
      minimum
        ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : condition(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          ),
      complete
        ? condition(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rsName}" has successfully progressed.`,
          )
        : condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`),
    ];
    const status: Record<string, unknown> = { observedGeneration: latest.metadata.generation ?? 0 };
    if (total) status.replicas = total;
    if (updated) status.updatedReplicas = updated;
    if (ready) status.readyReplicas = ready;
    if (available) status.availableReplicas = available;
    const unavailable = Math.max(0, replicas - available);
    if (unavailable) status.unavailableReplicas = unavailable;
    status.conditions = conditions;
    if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount;
    await writeStatus(this.ctx, this.ctx.types.deployments, latest, status);
  }
}
