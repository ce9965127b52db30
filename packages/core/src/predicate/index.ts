/**
 * Predicates: filters deciding which object events reach a controller's event handlers
 * (controller-runtime pkg/predicate). Updates show the predicate both the old and the new object.
 */
export {
  and,
  annotationsChanged,
  eventTypes,
  generationChanged,
  labelSelector,
  labelsChanged,
  not,
  objectPredicate,
  or,
  resourceVersionChanged,
  type LabelSelector,
  type Predicate,
} from './predicate.js';
