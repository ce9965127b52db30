/**
 * `@opkit/local-cluster`: an embedded Kubernetes API server for developing and testing operators on
 * one machine. Start it with {@link LocalCluster.start}; see docs/local-cluster.md.
 */
export {
  LocalCluster,
  FAULTS_PATH,
  type LocalClusterOptions,
  type FaultName,
  type FaultRequests,
  type FaultResult,
} from './cluster/index.js';
export { ApiError, errors, type KubeObject, type Status, type ObjectMeta } from './api/index.js';
export { renderKubeconfig, writeKubeconfig, type KubeconfigInput } from './kubeconfig/index.js';
export { createServingCertificates, type ServingCertificates } from './tls/index.js';
export { consoleLogger, silentLogger, type Logger } from './logging/index.js';
export { validateCustomResourceDefinition, CustomResourceSchema } from './crd/index.js';
export {
  RuntimeRegistry,
  SimulatedRuntime,
  ProcessRuntime,
  type ContainerRuntime,
  type ContainerContext,
  type SimulatedBehaviour,
  type SimulatedContainerContext,
  type SimulatedRuntimeOptions,
} from './runtime/index.js';
export type { Faults, NodeAgents, NodeAgentOptions } from './kubelet/index.js';
export type { ApiCore } from './apiserver/index.js';
export type { RequestAttributes, UserInfo } from './apiserver/index.js';
export { findNssWrapper } from './dns/index.js';
