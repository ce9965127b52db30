/**
 * The API calls of this package as a small interface ({@link ClusterClient}), its adapter over
 * `@opkit/core`'s KubeClient, and an in-memory fake for unit tests.
 */
export {
  refOf,
  statusCodeOf,
  type ApplyOptions,
  type ClusterClient,
  type DeleteOptions,
  type KindRef,
  type MergePatchOptions,
  type ObjectRef,
} from './cluster-client.js';
export { clusterClientFrom } from './kube-adapter.js';
export { FakeApiError, FakeClusterClient, mergePatch, type FakeChange } from './fake-cluster-client.js';
// The object shapes are `@opkit/core`'s, re-exported so operators need one import for both.
export type { KubeObject, ObjectMeta, OwnerReference } from '@opkit/core';
export type { KubeClientLike } from './kube-adapter.js';
