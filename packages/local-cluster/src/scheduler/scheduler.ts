/**
 * A small kube-scheduler: binds pending pods (no spec.nodeName, schedulerName default-scheduler)
 * to a Ready node that passes the filters (nodeSelector, required node affinity, NoSchedule taints,
 * unschedulable) and has the fewest pods. Pods whose PersistentVolumeClaims are missing or not Bound
 * wait, with PodScheduled=False/Unschedulable as the real scheduler reports it
 * (pkg/scheduler/framework/plugins/volumebinding).
 */
import { ApiError, rfc3339, type KubeObject } from '../api/index.js';
import type { ApiCore } from '../apiserver/index.js';

/** The field manager of bindings, as the user agent kube-scheduler sends. */
const SCHEDULER_MANAGER = 'kube-scheduler';

interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}
interface NodeSelectorTerm {
  matchExpressions?: Requirement[];
  matchFields?: Requirement[];
}
interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
}
interface Taint {
  key: string;
  value?: string;
  effect: string;
}
interface PodSpecView {
  nodeName?: string;
  schedulerName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
    };
  };
  tolerations?: Toleration[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
}

function requirementMatches(r: Requirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const n = Number(value);
      const bound = Number(r.values?.[0]);
      if (value === undefined || Number.isNaN(n) || Number.isNaN(bound)) return false;
      return r.operator === 'Gt' ? n > bound : n < bound;
    }
    default:
      return false;
  }
}

/** Whether a node passes the pod's nodeSelector, required node affinity and taints (scheduler filter plugins). */
export function nodeFits(pod: KubeObject, node: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as PodSpecView;
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  // nodeSelectorTerms are ORed, the requirements of a term ANDed (component-helpers nodeaffinity)
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length) {
    const fields: Record<string, string> = { 'metadata.name': node.metadata.name ?? '' };
    const ok = terms.some(
      (t) =>
        (t.matchExpressions?.length || t.matchFields?.length) &&
        (t.matchExpressions ?? []).every((r) => requirementMatches(r, labels[r.key])) &&
        (t.matchFields ?? []).every((r) => requirementMatches(r, fields[r.key])),
    );
    if (!ok) return false;
  }
  const nodeSpec = (node.spec ?? {}) as { unschedulable?: boolean; taints?: Taint[] };
  const tolerations = spec.tolerations ?? [];
  const tolerated = (t: Taint): boolean =>
    tolerations.some(
      (tol) =>
        (!tol.effect || tol.effect === t.effect) &&
        (tol.operator === 'Exists'
          ? !tol.key || tol.key === t.key
          : tol.key === t.key && (tol.value ?? '') === (t.value ?? '')),
    );
  if (nodeSpec.unschedulable && !tolerated({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }))
    return false;
  for (const t of nodeSpec.taints ?? []) {
    if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerated(t)) return false;
  }
  return true;
}

function nodeReady(node: KubeObject): boolean {
  const conditions =
    ((node.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Options of {@link Scheduler.start}. */
export interface SchedulerOptions {
  /** Pods whose spec.schedulerName is this are scheduled (default `default-scheduler`). */
  schedulerName?: string;
  now?: () => Date;
}

/** The running scheduler. */
export class Scheduler {
  private unsubscribe: (() => void) | undefined;
  private pending: NodeJS.Immediate | undefined;
  private readonly schedulerName: string;
  private readonly now: () => Date;

  private constructor(
    private readonly core: ApiCore,
    opts: SchedulerOptions,
  ) {
    this.schedulerName = opts.schedulerName ?? 'default-scheduler';
    this.now = opts.now ?? (() => new Date());
  }

  /** Starts scheduling: once now, then on every change of pods, nodes, PVCs and PVs. */
  static start(core: ApiCore, opts: SchedulerOptions = {}): Scheduler {
    const s = new Scheduler(core, opts);
    s.unsubscribe = core.store.subscribe(
      (e) => {
        const r = e.key.resource;
        if (r === '/pods' || r === '/nodes' || r === '/persistentvolumeclaims' || r === '/persistentvolumes')
          s.schedule();
      },
      { shared: true },
    );
    s.schedule();
    return s;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
  }

  private schedule(): void {
    if (this.pending || !this.unsubscribe) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.runOnce();
    });
  }

  /** One scheduling pass over every pending pod. */
  runOnce(): void {
    const pods = this.core.store.list('/pods', {}).items;
    const nodes = this.core.store.list('/nodes', {}).items.filter(nodeReady);
    const load = new Map<string, number>();
    for (const p of pods) {
      const n = (p.spec as PodSpecView | undefined)?.nodeName;
      const phase = (p.status as { phase?: string } | undefined)?.phase;
      if (n && phase !== 'Succeeded' && phase !== 'Failed') load.set(n, (load.get(n) ?? 0) + 1);
    }
    for (const pod of pods) {
      const spec = (pod.spec ?? {}) as PodSpecView;
      if (spec.nodeName || pod.metadata.deletionTimestamp) continue;
      if ((spec.schedulerName ?? 'default-scheduler') !== this.schedulerName) continue;
      const ns = pod.metadata.namespace ?? '';
      const unbound = this.unboundClaim(ns, spec);
      if (unbound) {
        this.markUnschedulable(
          pod,
          `0/${nodes.length} nodes are available: ${unbound}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`,
        );
        continue;
      }
      const fitting = nodes.filter((n) => nodeFits(pod, n));
      if (!fitting.length) {
        this.markUnschedulable(
          pod,
          `0/${nodes.length} nodes are available: ${nodes.length} node(s) didn't match Pod's node affinity/selector. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`,
        );
        continue;
      }
      // least pods first; the name breaks ties so that spreading is deterministic
      fitting.sort(
        (a, b) =>
          (load.get(a.metadata.name ?? '') ?? 0) - (load.get(b.metadata.name ?? '') ?? 0) ||
          (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
      );
      const target = fitting[0]?.metadata.name ?? '';
      // pods/binding as the real scheduler posts it; the uid keeps a same-named new pod from being bound.
      // ApiCore.bind writes synchronously, so the next pod of this pass already sees this one bound.
      load.set(target, (load.get(target) ?? 0) + 1);
      void this.core
        .bind(
          ns,
          pod.metadata.name ?? '',
          {
            metadata: { name: pod.metadata.name, uid: pod.metadata.uid },
            target: { kind: 'Node', name: target },
          },
          { fieldManager: SCHEDULER_MANAGER },
        )
        .catch((e: unknown) => {
          // a conflict (deleted, replaced or already bound meanwhile) is retried by the next pass
          if (!(e instanceof ApiError)) throw e;
          load.set(target, (load.get(target) ?? 1) - 1);
        });
    }
  }

  /** Why the pod's claims keep it from scheduling, or undefined when every claim is Bound. */
  private unboundClaim(namespace: string, spec: PodSpecView): string | undefined {
    for (const v of spec.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = this.core.store.get({ resource: '/persistentvolumeclaims', namespace, name: claim });
      if (!pvc) return `persistentvolumeclaim "${claim}" not found`;
      if ((pvc.status as { phase?: string } | undefined)?.phase !== 'Bound')
        return 'pod has unbound immediate PersistentVolumeClaims';
    }
    return undefined;
  }

  private markUnschedulable(pod: KubeObject, message: string): void {
    const status = (pod.status ?? {}) as {
      conditions?: { type: string; status: string; reason?: string; message?: string }[];
    };
    const existing = status.conditions?.find((c) => c.type === 'PodScheduled');
    if (existing && existing.status === 'False' && existing.message === message) return;
    const next = structuredClone(pod);
    const st = (next.status ?? {}) as { conditions?: Record<string, unknown>[] };
    st.conditions = [
      ...(st.conditions ?? []).filter((c) => c.type !== 'PodScheduled'),
      {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: rfc3339(this.now()),
        reason: 'Unschedulable',
        message,
      },
    ];
    next.status = st;
    try {
      this.core.store.update(
        { resource: '/pods', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '' },
        next,
        {
          expectedResourceVersion: pod.metadata.resourceVersion,
        },
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
}
