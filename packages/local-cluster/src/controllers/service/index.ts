/** ClusterIP allocation for Services (the API server's job upstream; see cluster-ip-controller.ts). */
export { ClusterIpController } from './cluster-ip-controller.js';
