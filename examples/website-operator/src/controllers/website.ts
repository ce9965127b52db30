/**
 * The Website controller, in the decorator style: `@Controller` declares what it watches, the
 * constructor's `@Inject` parameters are resolved by the manager's container.
 *
 * One reconcile: read the Website → keep its finalizer (or, when it is being deleted, remove its
 * DNS record and let it go) → refuse an invalid spec for good (TerminalError) → write the children
 * → publish the DNS record → report status conditions → come back later if not ready yet.
 */
import {
  CachedClient,
  Controller,
  EventRecorder,
  Inject,
  ManagerTokens,
  Reconciler,
  TerminalError,
  applyDesired,
  createOrUpdate,
  handleFinalizer,
  isNotFound,
  predicates,
  setControllerReference,
  setStatusCondition,
  updateStatus,
  type KubeObject,
  type ReconcileContext,
  type Request,
  type Result,
} from '@opkit/core';
import { WebsiteKind, type Website } from '../api/index.js';
import {
  DnsRegistry,
  WebsiteMetrics,
  WebsiteTokens,
  type WebsiteOperatorSettings,
} from '../services/index.js';
import {
  childNames,
  desiredConfigMap,
  desiredDeployment,
  desiredService,
  domainOf,
  specProblem,
} from './website-children.js';

/** The finalizer standing for the Website's DNS record. */
export const DNS_FINALIZER = 'web.opkit.dev/dns-record';
/** The field manager of every write this controller makes. */
export const FIELD_MANAGER = 'website-operator';
/** How soon to look again while pods are starting. */
export const NOT_READY_REQUEUE_MS = 2_000;
/** How often a ready site is checked again (DNS records can drift outside the cluster). */
export const RESYNC_MS = 5 * 60_000;

const managedByUs = predicates.labelSelector('app.kubernetes.io/managed-by=website-operator');

/**
 * What this controller reads and writes; `opkit generate rbac` derives the ClusterRole from it.
 * ConfigMaps cover the DNS records too (created and deleted in the DNS namespace).
 */
export const rbac = {
  for: WebsiteKind.gvk,
  owns: [
    { group: 'apps', version: 'v1', kind: 'Deployment' },
    { group: '', version: 'v1', kind: 'Service' },
    { group: '', version: 'v1', kind: 'ConfigMap' },
  ],
  watches: [],
  // the DNS namespace is created on first use
  rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['create'] }],
};

interface DeploymentStatus {
  readyReplicas?: number;
  updatedReplicas?: number;
  observedGeneration?: number;
}

@Controller({
  for: WebsiteKind.gvk,
  name: 'website',
  // spec changes (not our own status writes), label changes, and the start of a deletion
  predicates: [
    predicates.or(
      predicates.generationChanged(),
      predicates.labelsChanged(),
      predicates.objectPredicate((o) => o.metadata.deletionTimestamp !== undefined),
    ),
  ],
  // only children carrying our label wake the owner
  owns: [
    { kind: 'apps/v1/Deployment', predicates: [managedByUs] },
    { kind: 'v1/Service', predicates: [managedByUs] },
    { kind: 'v1/ConfigMap', predicates: [managedByUs] },
  ],
  maxConcurrentReconciles: 4,
})
export class WebsiteReconciler extends Reconciler<Website> {
  constructor(
    @Inject(ManagerTokens.CachedClient) private readonly client: CachedClient,
    @Inject(ManagerTokens.EventRecorder) private readonly events: EventRecorder,
    @Inject(DnsRegistry) private readonly dns: DnsRegistry,
    @Inject(WebsiteMetrics) private readonly metrics: WebsiteMetrics,
    @Inject(WebsiteTokens.Settings) private readonly settings: WebsiteOperatorSettings,
  ) {
    super();
  }

  async reconcile(request: Request, context: ReconcileContext): Promise<Result | void> {
    let site: Website;
    try {
      site = await this.client.get<Website>(WebsiteKind.gvk, request.name, { namespace: request.namespace });
    } catch (err) {
      if (isNotFound(err)) return; // deleted, children collected by the garbage collector
      throw err;
    }

    // The DNS record lives in another namespace: only a finalizer can remove it in time.
    const finalized = await handleFinalizer(
      this.client,
      site,
      DNS_FINALIZER,
      (s) => this.removeDnsRecord(s),
      {
        fieldManager: FIELD_MANAGER,
      },
    );
    if (finalized.deleting || !finalized.object) return;
    site = finalized.object;

    const problem = specProblem(site);
    if (problem) {
      await this.writeStatus(site, { degraded: problem });
      this.events.event(site, 'Warning', 'InvalidSpec', problem);
      // retrying cannot fix the spec: the next edit (a new generation) triggers the next reconcile
      throw new TerminalError(problem);
    }

    const deployment = await this.writeChildren(site, context);
    const url = `http://${domainOf(site, this.settings.domainSuffix)}`;
    const target = `${childNames(site).service}.${site.metadata.namespace ?? 'default'}.svc`;
    if (
      await this.dns.ensure(requestOf(site), { domain: domainOf(site, this.settings.domainSuffix), target })
    ) {
      this.metrics.dnsRecordsWritten.inc();
      this.events.event(site, 'Normal', 'DnsRecordWritten', `${url} points at ${target}`);
    }

    const status = (deployment['status'] ?? {}) as DeploymentStatus;
    const readyReplicas = status.readyReplicas ?? 0;
    const rolledOut =
      (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0) &&
      (status.updatedReplicas ?? 0) >= site.spec.replicas;
    const ready = rolledOut && readyReplicas >= site.spec.replicas;
    this.metrics.readyReplicas.set({ namespace: request.namespace, website: request.name }, readyReplicas);
    const wasReady = site.status?.conditions?.some(
      (c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === site.metadata.generation,
    );
    await this.writeStatus(site, { url, readyReplicas, ready });
    if (ready && !wasReady)
      this.events.event(
        site,
        'Normal',
        'Ready',
        `${readyReplicas}/${site.spec.replicas} replicas ready at ${url}`,
      );
    return { requeueAfter: ready ? RESYNC_MS : NOT_READY_REQUEUE_MS };
  }

  /** Writes ConfigMap, Deployment and Service, each controlled by the Website; returns the Deployment. */
  private async writeChildren(site: Website, context: ReconcileContext): Promise<KubeObject> {
    const wanted = desiredConfigMap(site);
    // create-or-update keeps fields others added (e.g. annotations from a backup tool)
    const cm = await createOrUpdate(
      this.client,
      wanted,
      (live) => {
        live.metadata.labels = { ...live.metadata.labels, ...wanted.metadata.labels };
        live.data = wanted.data;
        setControllerReference(site, live);
      },
      { fieldManager: FIELD_MANAGER, signal: context.signal },
    );
    if (cm.operation === 'created')
      this.events.event(site, 'Normal', 'Created', `ConfigMap ${cm.object.metadata.name ?? ''}`);

    // server-side apply: we own exactly the fields we send; a field we stop sending is removed
    const children = [desiredDeployment(site), desiredService(site)];
    let deployment: KubeObject | undefined;
    for (const child of children) {
      setControllerReference(site, child);
      const written = await applyDesired(this.client, child, {
        fieldManager: FIELD_MANAGER,
        signal: context.signal,
      });
      if (written.kind === 'Deployment') deployment = written;
    }
    return deployment!;
  }

  private async removeDnsRecord(site: Website): Promise<void> {
    if (await this.dns.remove(requestOf(site))) {
      this.metrics.dnsRecordsRemoved.inc();
      this.events.event(
        site,
        'Normal',
        'DnsRecordRemoved',
        `removed ${domainOf(site, this.settings.domainSuffix)}`,
      );
    }
  }

  /** Sets Ready, Progressing and Degraded (with observedGeneration) through the status subresource. */
  private async writeStatus(
    site: Website,
    outcome: { degraded: string } | { url: string; readyReplicas: number; ready: boolean },
  ): Promise<void> {
    const generation = site.metadata.generation;
    await updateStatus(
      this.client,
      site,
      (s) => {
        const status = (s.status ??= {});
        const conditions = (status.conditions ??= []);
        status.observedGeneration = generation;
        const set = (type: string, value: boolean, reason: string, message: string): void => {
          setStatusCondition(conditions, {
            type,
            status: value ? 'True' : 'False',
            reason,
            message,
            observedGeneration: generation,
          });
        };
        if ('degraded' in outcome) {
          set('Degraded', true, 'InvalidSpec', outcome.degraded);
          set('Ready', false, 'InvalidSpec', 'the spec must be fixed');
          set('Progressing', false, 'InvalidSpec', 'waiting for a valid spec');
          return;
        }
        status.url = outcome.url;
        status.readyReplicas = outcome.readyReplicas;
        const progress = `${outcome.readyReplicas}/${s.spec.replicas} replicas ready`;
        set('Degraded', false, 'AsExpected', '');
        set('Ready', outcome.ready, outcome.ready ? 'AllReplicasReady' : 'ReplicasNotReady', progress);
        set('Progressing', !outcome.ready, outcome.ready ? 'RolloutComplete' : 'RollingOut', progress);
      },
      { fieldManager: FIELD_MANAGER },
    );
  }
}

function requestOf(site: Website): { namespace: string; name: string } {
  return { namespace: site.metadata.namespace ?? 'default', name: site.metadata.name ?? '' };
}
