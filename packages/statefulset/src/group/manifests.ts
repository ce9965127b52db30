/**
 * Builds the objects of a member group from its compact spec: per set a StatefulSet, and for the
 * group a headless Service (no cluster IP, publishNotReadyAddresses so members find each other
 * before they are ready), a client Service, a PodDisruptionBudget and an optional ConfigMap, all
 * owned by the custom resource.
 */
import type { KubeObject, OwnerReference } from '../client/index.js';
import {
  GROUP_LABEL,
  MANAGED_BY_LABEL,
  RACK_LABEL,
  ROLE_LABEL,
  SET_LABEL,
  type MemberGroupSpec,
  type MemberPort,
  type MemberSetSpec,
} from './spec.js';

/** The controller owner reference to the group's custom resource. */
export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Labels every object of the group carries (also the group-wide pod selector). */
export function groupLabels(spec: MemberGroupSpec): Record<string, string> {
  return { ...spec.labels, [GROUP_LABEL]: spec.name, [MANAGED_BY_LABEL]: 'opkit' };
}

/** The selector of one set's pods. */
export function setSelector(spec: MemberGroupSpec, set: MemberSetSpec): Record<string, string> {
  return { [GROUP_LABEL]: spec.name, [SET_LABEL]: set.name };
}

function metadata(
  spec: MemberGroupSpec,
  name: string,
  extra: Record<string, string> = {},
): KubeObject['metadata'] {
  return {
    name,
    namespace: spec.namespace,
    labels: { ...groupLabels(spec), ...extra },
    ownerReferences: [ownerReferenceTo(spec.owner)],
  };
}

function servicePorts(ports: MemberPort[], clientOnly: boolean): Record<string, unknown>[] {
  return ports
    .filter((p) => !clientOnly || !p.peerOnly)
    .map((p) => ({
      name: p.name,
      port: p.containerPort,
      targetPort: p.containerPort,
      protocol: p.protocol ?? 'TCP',
    }));
}

/** The ConfigMap's name (`<name>-config` unless given). */
export function configMapName(spec: MemberGroupSpec): string | undefined {
  return spec.configMap ? (spec.configMap.name ?? `${spec.name}-config`) : undefined;
}

/**
 * The StatefulSet of one set with `replicas` members. Retention is Retain/Retain on purpose: PVCs
 * are deleted by the runbook after a member has left, never by the StatefulSet controller.
 */
export function buildStatefulSet(spec: MemberGroupSpec, set: MemberSetSpec, replicas: number): KubeObject {
  const selector = setSelector(spec, set);
  const podLabels: Record<string, string> = {
    ...groupLabels(spec),
    ...set.labels,
    ...selector,
    [ROLE_LABEL]: set.role ?? 'member',
    ...(set.rack ? { [RACK_LABEL]: set.rack } : {}),
  };
  const storageName = set.storage?.name ?? 'data';
  const mounts: Record<string, unknown>[] = [...(set.volumeMounts ?? [])];
  if (set.storage) mounts.push({ name: storageName, mountPath: set.storage.mountPath });
  const volumes: Record<string, unknown>[] = [...(set.volumes ?? [])];
  const cm = configMapName(spec);
  if (cm) {
    volumes.push({ name: 'config', configMap: { name: cm } });
    mounts.push({ name: 'config', mountPath: spec.configMap?.mountPath ?? '/etc/opkit' });
  }
  const main: Record<string, unknown> = {
    name: set.role && set.role !== 'member' ? set.role : 'main',
    image: set.image,
    ...(set.command ? { command: set.command } : {}),
    ...(set.args ? { args: set.args } : {}),
    ...(set.env ? { env: set.env } : {}),
    ports: (set.ports ?? spec.ports).map((p) => ({
      name: p.name,
      containerPort: p.containerPort,
      protocol: p.protocol ?? 'TCP',
    })),
    ...(set.resources ? { resources: set.resources } : {}),
    ...(set.readinessProbe ? { readinessProbe: set.readinessProbe } : {}),
    ...(set.livenessProbe ? { livenessProbe: set.livenessProbe } : {}),
    ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
  };
  const podSpec: Record<string, unknown> = {
    containers: [main, ...(set.extraContainers ?? [])],
    ...(volumes.length > 0 ? { volumes } : {}),
    ...(set.terminationGracePeriodSeconds !== undefined
      ? { terminationGracePeriodSeconds: set.terminationGracePeriodSeconds }
      : {}),
  };
  const strategy = set.updateStrategy ?? 'OnDelete';
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(spec, set.name, {
      [SET_LABEL]: set.name,
      ...(set.rack ? { [RACK_LABEL]: set.rack } : {}),
    }),
    spec: {
      replicas,
      serviceName: spec.serviceName ?? spec.name,
      selector: { matchLabels: selector },
      podManagementPolicy: set.podManagementPolicy ?? 'Parallel',
      updateStrategy: strategy === 'OnDelete' ? { type: 'OnDelete' } : { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: {
        metadata: { labels: podLabels, ...(set.podAnnotations ? { annotations: set.podAnnotations } : {}) },
        spec: podSpec,
      },
      ...(set.storage
        ? {
            volumeClaimTemplates: [
              {
                apiVersion: 'v1',
                kind: 'PersistentVolumeClaim',
                metadata: { name: storageName, labels: { ...groupLabels(spec), ...selector } },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: set.storage.size } },
                  ...(set.storage.storageClassName ? { storageClassName: set.storage.storageClassName } : {}),
                },
              },
            ],
          }
        : {}),
    },
  };
}

/** The headless Service: stable DNS for every member, ready or not. */
export function buildHeadlessService(spec: MemberGroupSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(spec, spec.serviceName ?? spec.name),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { [GROUP_LABEL]: spec.name },
      ports: servicePorts(spec.ports, false),
    },
  };
}

/** The client Service (ready members only), or undefined when disabled. */
export function buildClientService(spec: MemberGroupSpec): KubeObject | undefined {
  if (spec.clientService === false) return undefined;
  const opts = spec.clientService ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(spec, opts.name ?? `${spec.name}-client`),
    spec: {
      type: opts.type ?? 'ClusterIP',
      selector: { [GROUP_LABEL]: spec.name },
      ports: servicePorts(spec.ports, true),
    },
  };
}

/** The PodDisruptionBudget over all members, or undefined when disabled. */
export function buildPodDisruptionBudget(spec: MemberGroupSpec): KubeObject | undefined {
  if (spec.podDisruptionBudget === false) return undefined;
  const opts = spec.podDisruptionBudget ?? {};
  const budget =
    opts.minAvailable !== undefined
      ? { minAvailable: opts.minAvailable }
      : { maxUnavailable: opts.maxUnavailable ?? 1 };
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(spec, spec.name),
    spec: { ...budget, selector: { matchLabels: { [GROUP_LABEL]: spec.name } } },
  };
}

/** The ConfigMap, or undefined when the group has none. */
export function buildConfigMap(spec: MemberGroupSpec): KubeObject | undefined {
  const name = configMapName(spec);
  if (!name || !spec.configMap) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(spec, name),
    data: { ...spec.configMap.data },
  };
}
