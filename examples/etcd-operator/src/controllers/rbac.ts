/**
 * What the EtcdCluster controller reads and writes, for `opkit generate rbac` (least privilege: the
 * CLI derives the ClusterRole from this declaration).
 */
import { ETCD_GROUP } from '../api/index.js';

/** The shape `opkit generate rbac` reads (`@opkit/cli` ControllerRbacDeclaration). */
export interface EtcdControllerRbac {
  for: { group: string; version: string; kind: string; plural?: string };
  owns: { group: string; version: string; kind: string; plural?: string }[];
  watches: { group: string; version: string; kind: string; plural?: string }[];
  rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

export const rbac: EtcdControllerRbac = {
  for: { group: ETCD_GROUP, version: 'v1alpha1', kind: 'EtcdCluster' },
  owns: [
    { group: 'apps', version: 'v1', kind: 'StatefulSet' },
    { group: '', version: 'v1', kind: 'Service' },
    { group: '', version: 'v1', kind: 'ConfigMap' },
    { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' },
    // a removed member's claim is deleted by the runbook, never reused
    { group: '', version: 'v1', kind: 'PersistentVolumeClaim' },
  ],
  // pods are deleted one at a time by the rolling update (OnDelete strategy)
  watches: [{ group: '', version: 'v1', kind: 'Pod' }],
  rules: [
    { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
    // TLS material of spec.tls, read by name
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  ],
};
