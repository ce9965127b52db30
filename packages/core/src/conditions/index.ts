/**
 * Status conditions with Kubernetes semantics (k8s.io/apimachinery/pkg/api/meta/conditions.go):
 * lastTransitionTime moves only when a condition's status changes.
 */
export {
  findStatusCondition,
  formatConditionTime,
  isStatusConditionFalse,
  isStatusConditionPresentAndEqual,
  isStatusConditionTrue,
  removeStatusCondition,
  setStatusCondition,
  type Condition,
  type ConditionStatus,
  type NewCondition,
} from './conditions.js';
