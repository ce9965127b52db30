/** PodDisruptionBudget status and the Eviction subresource's rules. */
export { DisruptionController, computePdbStatus } from './disruption-controller.js';
export { evictPod } from './eviction.js';
