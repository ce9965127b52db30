/**
 * The member group: one custom resource's StatefulSets (one per rack, arbiters apart) under one
 * identity scheme, the Services, PodDisruptionBudget and ConfigMap around them, their observed
 * state in one read, and the storage policy for members that have left.
 */
export {
  GROUP_LABEL,
  MANAGED_BY_LABEL,
  MEMBER_LEFT_ANNOTATION,
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  RACK_LABEL,
  REVISION_LABEL,
  ROLE_LABEL,
  SET_LABEL,
  type EnvVar,
  type MemberGroupSpec,
  type MemberPort,
  type MemberSetSpec,
  type MemberStorage,
  type StoragePolicy,
} from './spec.js';
export {
  GroupIdentity,
  claimName,
  memberFqdn,
  memberName,
  ordinalOf,
  peerList,
  selectSeeds,
  type PeerListOptions,
  type SeedCandidate,
} from './identity.js';
export {
  buildClientService,
  buildConfigMap,
  buildHeadlessService,
  buildPodDisruptionBudget,
  buildStatefulSet,
  configMapName,
  groupLabels,
  ownerReferenceTo,
  setSelector,
} from './manifests.js';
export {
  MemberGroup,
  type ObservedClaim,
  type ObservedGroup,
  type ObservedMember,
  type ObservedSet,
} from './member-group.js';
