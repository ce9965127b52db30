/**
 * The simulated kube-controller-manager of the local cluster: the controllers that turn workload
 * objects into pods, claims, volumes and endpoints, as the real ones do (StatefulSet, Deployment,
 * ReplicaSet, Endpoints, EndpointSlice, Service clusterIPs, PersistentVolume binding and
 * provisioning, PodDisruptionBudget status, the root CA ConfigMap and `default` ServiceAccount of
 * every namespace), Events from them, plus the Eviction subresource's rules
 * ({@link evictPod}). Pod status is not theirs: the kubelet simulation owns it.
 */
import type { ApiCore } from '../apiserver/index.js';
import { silentLogger, type Logger } from '../logging/index.js';
import {
  ControllerLoop,
  controllerTypes,
  systemClock,
  type Clock,
  type ControllerContext,
  type ControllerDefinition,
} from './runtime/index.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeploymentController, ReplicaSetController } from './deployment/index.js';
import { DisruptionController } from './disruption/index.js';
import { EndpointsController, EndpointSliceController } from './endpoints/index.js';
import { ClusterIpController } from './service/index.js';
import { StatefulSetController } from './statefulset/index.js';
import { PersistentVolumeController } from './volume/index.js';
import { DefaultServiceAccountController, RootCaPublisher } from './namespace/index.js';

export { evictPod } from './disruption/index.js';
export {
  systemClock,
  WorkQueue,
  ControllerLoop,
  type Clock,
  type ControllerDefinition,
  type ControllerLoopOptions,
  type ReconcileResult,
} from './runtime/index.js';
export { POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL } from './statefulset/index.js';
export { POD_TEMPLATE_HASH_LABEL } from './deployment/index.js';
export { DEFAULT_STORAGE_CLASS, LOCAL_PROVISIONER } from './volume/index.js';
export { ROOT_CA_CONFIG_MAP, DEFAULT_SERVICE_ACCOUNT } from './namespace/index.js';
export { recordEvent, type EventType } from './runtime/index.js';

/** Options of {@link startControllers}; every field has a default. */
export interface ControllersOptions {
  /** Directory under which provisioned volumes get their hostPath directories. Default: `<os tmpdir>/opkit-volumes`. */
  volumesDir?: string;
  /** Time source and timers (tests pass a fake). Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
  /** Each controller re-examines every object this often (ms). Default 30 000; 0 disables. */
  resyncMs?: number;
  /** First retry delay after a failed sync (ms), doubling per failure. Default 5. */
  retryBaseMs?: number;
  /** Longest retry delay (ms). Default 10 000. */
  retryMaxMs?: number;
  /**
   * The cluster's CA certificate (PEM): the root-ca-cert-publisher writes it into every namespace as
   * ConfigMap `kube-root-ca.crt` (key `ca.crt`). Without it (plain HTTP) that controller does not run.
   */
  rootCaCert?: string;
  /** Which controllers run. Default: all. */
  controllers?: ControllerName[];
}

/** The names of the controllers {@link startControllers} can run. */
export type ControllerName =
  | 'statefulset'
  | 'deployment'
  | 'replicaset'
  | 'endpoints'
  | 'endpointslice'
  | 'service-ip'
  | 'persistentvolume'
  | 'disruption'
  | 'root-ca-cert-publisher'
  | 'serviceaccount';

/** Running controllers. */
export interface RunningControllers {
  /** Stops every controller after its current sync. */
  stop(): Promise<void>;
  /** Resolves once no controller has anything queued or running (delayed retries do not count). */
  idle(): Promise<void>;
}

/** Starts the simulated controllers on `core`; see the module comment. */
export async function startControllers(
  core: ApiCore,
  opts: ControllersOptions = {},
): Promise<RunningControllers> {
  const ctx: ControllerContext = {
    core,
    types: controllerTypes(core),
    clock: opts.clock ?? systemClock,
    logger: opts.logger ?? silentLogger(),
  };
  const wanted = new Set<ControllerName>(
    opts.controllers ?? [
      'statefulset',
      'deployment',
      'replicaset',
      'endpoints',
      'endpointslice',
      'service-ip',
      'persistentvolume',
      'disruption',
      'root-ca-cert-publisher',
      'serviceaccount',
    ],
  );
  const definitions: ControllerDefinition[] = [];
  if (wanted.has('statefulset')) definitions.push(new StatefulSetController(ctx));
  if (wanted.has('deployment')) definitions.push(new DeploymentController(ctx));
  if (wanted.has('replicaset')) definitions.push(new ReplicaSetController(ctx));
  if (wanted.has('endpoints')) definitions.push(new EndpointsController(ctx));
  if (wanted.has('endpointslice')) definitions.push(new EndpointSliceController(ctx));
  if (wanted.has('service-ip')) definitions.push(new ClusterIpController(ctx));
  if (wanted.has('persistentvolume')) {
    const volumes = new PersistentVolumeController(
      ctx,
      path.resolve(opts.volumesDir ?? path.join(tmpdir(), 'opkit-volumes')),
    );
    await volumes.ensureDefaultStorageClass();
    definitions.push(volumes);
  }
  if (wanted.has('disruption')) definitions.push(new DisruptionController(ctx));
  if (wanted.has('root-ca-cert-publisher') && opts.rootCaCert)
    definitions.push(new RootCaPublisher(ctx, opts.rootCaCert));
  if (wanted.has('serviceaccount')) definitions.push(new DefaultServiceAccountController(ctx));
  const loops = definitions.map(
    (d) =>
      new ControllerLoop(d, core.store, {
        clock: ctx.clock,
        logger: ctx.logger,
        resyncMs: opts.resyncMs,
        retryBaseMs: opts.retryBaseMs,
        retryMaxMs: opts.retryMaxMs,
      }),
  );
  for (const loop of loops) loop.start();
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
    async idle() {
      // one controller's writes queue work for another: wait until all are idle at once
      for (;;) {
        await Promise.all(loops.map((l) => l.idle()));
        await new Promise((r) => setImmediate(r));
        if (loops.every((l) => l.isIdle)) return;
      }
    },
  };
}
