/**
 * Owner references: make a controller own the objects it creates so the garbage collector deletes
 * them with it and its watches find the owner (controller-runtime pkg/controller/controllerutil).
 */
export {
  AlreadyOwnedError,
  InvalidOwnerError,
  getControllerOf,
  hasOwnerReference,
  isControlledBy,
  ownerReferenceFor,
  removeOwnerReference,
  setControllerReference,
  setOwnerReference,
  type ControllerReferenceOptions,
} from './owner-references.js';
