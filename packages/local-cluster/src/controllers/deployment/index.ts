/** The Deployment and ReplicaSet controllers of the local cluster. */
export { DeploymentController, POD_TEMPLATE_HASH_LABEL, podTemplateHash } from './deployment-controller.js';
export { ReplicaSetController } from './replicaset-controller.js';
