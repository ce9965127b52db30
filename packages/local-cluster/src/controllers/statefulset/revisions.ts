/**
 * ControllerRevisions of a StatefulSet (pkg/controller/history/controller_history.go and
 * pkg/controller/statefulset/stateful_set_utils.go newRevision / ApplyRevision / nextRevision).
 * A revision stores the strategic merge patch `{"spec":{"template":{...,"$patch":"replace"}}}` that
 * restores the pod template; its name is `<set>-<hash>` with a stable hash of that data and the
 * set's collisionCount.
 */
import { ApiError, type KubeObject } from '../../api/index.js';
import {
  canonicalJson,
  CONTROLLER_MANAGER,
  controllerRef,
  fnv32a,
  listObjects,
  safeEncodedHash,
  type ControllerContext,
} from '../runtime/index.js';

/** history.ControllerRevisionHashLabel. */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

export interface RevisionData {
  spec: { template: Record<string, unknown> };
}

/** The data a revision of `set` records (getPatch). */
export function revisionData(set: KubeObject): RevisionData {
  const template = structuredClone(
    ((set.spec as { template?: Record<string, unknown> }).template ?? {}) as Record<string, unknown>,
  );
  return { spec: { template: { ...template, $patch: 'replace' } } };
}

/** The pod template a revision restores (ApplyRevision). */
export function templateOf(revision: KubeObject): Record<string, unknown> {
  const template = structuredClone((revision.data as RevisionData | undefined)?.spec.template ?? {});
  delete template.$patch;
  return template;
}

/** HashControllerRevision: the data's hash, salted with the collision count when there is one. */
export function revisionHash(data: RevisionData, collisionCount: number): string {
  const text = canonicalJson(data) + (collisionCount ? String(collisionCount) : '');
  return safeEncodedHash(fnv32a(text));
}

export function revisionNumber(revision: KubeObject): number {
  return typeof revision.revision === 'number' ? revision.revision : 0;
}

/** The set's revisions, oldest revision number first (history.SortControllerRevisions). */
export function listRevisions(ctx: ControllerContext, set: KubeObject): KubeObject[] {
  const uid = set.metadata.uid;
  return listObjects(ctx, ctx.types.controllerRevisions, set.metadata.namespace, (r) =>
    (r.metadata.ownerReferences ?? []).some((o) => o.controller === true && o.uid === uid),
  ).sort(
    (a, b) =>
      revisionNumber(a) - revisionNumber(b) ||
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

/** history.EqualRevision: same recorded data. */
export function equalRevisionData(revision: KubeObject, data: RevisionData): boolean {
  return canonicalJson(revision.data ?? null) === canonicalJson(data);
}

/**
 * CreateControllerRevision: `<set>-<hash>`; a name taken by a different revision bumps the collision
 * count and tries again, an identical one owned by the set is reused.
 */
export async function createRevision(
  ctx: ControllerContext,
  set: KubeObject,
  data: RevisionData,
  revision: number,
  collision: { count: number },
): Promise<KubeObject> {
  const namespace = set.metadata.namespace ?? '';
  const templateLabels =
    (data.spec.template.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
  for (;;) {
    const hash = revisionHash(data, collision.count);
    // ControllerRevisionName: the prefix is cut so that the name stays a valid DNS subdomain
    const name = `${(set.metadata.name ?? '').slice(0, 223)}-${hash}`;
    const body: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace,
        labels: { ...templateLabels, [REVISION_HASH_LABEL]: hash },
        ownerReferences: [controllerRef(set)],
      },
      data,
      revision,
    };
    try {
      return await ctx.core.create(ctx.types.controllerRevisions, namespace, body, {
        fieldManager: CONTROLLER_MANAGER,
      });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists')) throw e;
      const existing = await ctx.core.get(ctx.types.controllerRevisions, namespace, name);
      const owned = (existing.metadata.ownerReferences ?? []).some(
        (o) => o.controller === true && o.uid === set.metadata.uid,
      );
      if (owned && equalRevisionData(existing, data)) return existing;
      collision.count++;
    }
  }
}

/** UpdateControllerRevision: gives an older revision a new number (rollback). */
export async function renumberRevision(
  ctx: ControllerContext,
  revision: KubeObject,
  to: number,
): Promise<KubeObject> {
  if (revisionNumber(revision) === to) return revision;
  return ctx.core.update(
    ctx.types.controllerRevisions,
    revision.metadata.namespace ?? '',
    revision.metadata.name ?? '',
    { ...revision, revision: to },
    { fieldManager: CONTROLLER_MANAGER },
  );
}
