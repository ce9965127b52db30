/**
 * The local cluster's scheduler: binds pending pods to nodes through the API server's `pods/binding`
 * subresource (`ApiCore.bind`), honouring nodeSelector, required node affinity, taints and PVC binding.
 */
export { Scheduler, nodeFits, type SchedulerOptions } from './scheduler.js';
