/**
 * The local cluster's scheduler: binds pending pods to nodes through the `pods/binding` semantics
 * ({@link bindPod}), honouring nodeSelector, required node affinity, taints and PVC binding.
 */
export { Scheduler, nodeFits, type SchedulerOptions } from './scheduler.js';
export { bindPod, type Binding } from './binding.js';
