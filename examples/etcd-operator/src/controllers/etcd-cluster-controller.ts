/**
 * The EtcdCluster controller as the manager runs it: the `@Controller` declaration of what it watches
 * (the cluster, the objects it owns, and its pods and claims mapped back to it by label, so a pod
 * turning Ready or a claim disappearing re-runs the runbook's completion check at once instead of at
 * the next poll), and a thin {@link Reconciler} over {@link EtcdClusterReconciler}.
 */
import {
  Controller,
  EventRecorder,
  blueprintFromDecorator,
  controllerOptionsOf,
  type ControllerBlueprint,
  Inject,
  KubeClient,
  ManagerTokens,
  Reconciler,
  type KubeObject,
  type Logger,
  type ReconcileContext,
  type Request,
  type Result,
} from '@opkit/core';
import { clusterClientFrom, GROUP_LABEL, type EventSink } from '@opkit/statefulset';
import { ETCD_GROUP, type EtcdCluster } from '../api/index.js';
import { EtcdClusterReconciler, type EtcdClusterReconcilerOptions } from './etcd-cluster-reconciler.js';

/** Container token of {@link EtcdOperatorSettings} (bind it before the manager starts). */
export const EtcdOperatorSettingsToken = Symbol.for('etcd-operator.settings');

/** How the controller reaches etcd and how often it looks again; every field has a default. */
export type EtcdOperatorSettings = Omit<EtcdClusterReconcilerOptions, 'client' | 'engine'> & {
  /** Requeue delay while a runbook step waits (ms); watch events usually come first. Default 2000. */
  pollIntervalMs?: number;
};

/** Pods and claims of a cluster carry `app.kubernetes.io/name=etcd` and `app.kubernetes.io/instance=<cluster>`. */
export function etcdClusterOf(object: KubeObject): Request[] {
  const labels = object.metadata.labels ?? {};
  const instance = labels[GROUP_LABEL];
  if (labels['app.kubernetes.io/name'] !== 'etcd' || !instance) return [];
  return [{ namespace: object.metadata.namespace ?? '', name: instance }];
}

/** Reconciles EtcdClusters under a manager (see the module comment). */
@Controller({
  for: `${ETCD_GROUP}/v1alpha1/EtcdCluster`,
  name: 'etcdcluster',
  owns: ['apps/v1/StatefulSet', 'v1/Service', 'v1/ConfigMap', 'policy/v1/PodDisruptionBudget'],
  watches: [
    { kind: 'v1/Pod', handler: etcdClusterOf },
    { kind: 'v1/PersistentVolumeClaim', handler: etcdClusterOf },
  ],
  // clusters are independent; one slow etcd call must not hold up the others
  maxConcurrentReconciles: 4,
})
export class EtcdClusterController extends Reconciler<EtcdCluster> {
  private readonly inner: EtcdClusterReconciler;

  constructor(
    @Inject(ManagerTokens.KubeClient) kube: KubeClient,
    @Inject(ManagerTokens.Logger) logger: Logger,
    @Inject(EtcdOperatorSettingsToken) settings: EtcdOperatorSettings,
  ) {
    super();
    const { pollIntervalMs, ...rest } = settings;
    // Its own recorder: a runbook emits an Event per step, more than client-go's default spam burst
    // (25 per object) over a cluster's first minutes, and each step's own message matters (no
    // "combined from similar events"): these are what a newcomer watches.
    const recorder = new EventRecorder({
      client: kube,
      component: 'etcd-operator',
      logger,
      spamBurst: 500,
      spamQps: 1,
      aggregateMaxEvents: 1000,
    });
    const events: EventSink = {
      event: async (object, type, reason, message) => recorder.event(object, type, reason, message),
    };
    // every step is also an Event; "step X completed, next Y" in the log at info would say it twice
    const runbookLog = {
      info: (message: string, meta?: Record<string, unknown>) =>
        meta?.reason === 'StepCompleted' ? logger.debug(message, meta) : logger.info(message, meta),
      warn: (message: string, meta?: Record<string, unknown>) => logger.warn(message, meta),
    };
    this.inner = new EtcdClusterReconciler({
      ...rest,
      client: clusterClientFrom(kube),
      engine: { events, logger: runbookLog, pollIntervalMs: pollIntervalMs ?? 2000 },
    });
  }

  /** One reconcile; a TerminalError (invalid spec) is not retried until the object changes. */
  async reconcile(request: Request, _context: ReconcileContext): Promise<Result> {
    return this.inner.reconcile(request);
  }
}

/**
 * The controller as a blueprint for `runManager({ controllers })` / `manager.add`, for a program that
 * builds its client itself (no container bindings needed).
 */
export function etcdClusterController(
  kube: KubeClient,
  logger: Logger,
  settings: EtcdOperatorSettings = {},
): ControllerBlueprint {
  return blueprintFromDecorator(
    controllerOptionsOf(EtcdClusterController)!,
    new EtcdClusterController(kube, logger, settings),
  );
}
