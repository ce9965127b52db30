/** The StatefulSet controller of the local cluster (pods, claims, revisions and status of StatefulSets). */
export {
  StatefulSetController,
  parentAndOrdinal,
  claimName,
  REVISION_LABEL,
  POD_NAME_LABEL,
  POD_INDEX_LABEL,
} from './statefulset-controller.js';
export { REVISION_HASH_LABEL, revisionHash } from './revisions.js';
