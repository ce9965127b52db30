/**
 * The local cluster's kubelets: simulated Nodes with Lease heartbeats, pods run by the runtime their
 * images map to, pod logs and exec, and fault injection. {@link startNodeAgents} starts them with the
 * scheduler and cluster DNS.
 */
export {
  startNodeAgents,
  defaultRuntimes,
  type Faults,
  type NodeAgents,
  type NodeAgentOptions,
  type NodeAgentTimings,
} from './node-agents.js';
export { PodLogs, type PodLogOptions, type PodLogSource, type ContainerLogState } from './logs.js';
export { NODE_CAPACITY } from './nodes.js';
