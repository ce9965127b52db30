/**
 * The Eviction subresource is the API server's (pod storage's EvictionREST upstream, `ApiCore.evict`
 * here); the disruption controller only computes the budgets' status it checks. This thin entry
 * point stays for callers that evict in process.
 */
import type { Status } from '../../api/index.js';
import type { ApiCore } from '../../apiserver/index.js';

/**
 * Evicts `namespace/name` as `POST …/pods/{name}/eviction` does (see `ApiCore.evict`): resolves to the
 * Success Status (HTTP 201); throws ApiError 404 for a missing pod, 429 when a budget forbids it.
 */
export function evictPod(
  core: ApiCore,
  namespace: string,
  name: string,
  body: unknown = {},
): Promise<Status> {
  return core.evict(namespace, name, body);
}
