/**
 * The fault-injection endpoint: `POST /opkit/v1/faults/<fault>` on the cluster's own API server, so
 * that `opkit cluster fault ...` (or any HTTP client holding the kubeconfig's token) injects faults
 * into a cluster running in another process. A non-resource path on purpose: it is no API group, so
 * discovery, `kubectl api-resources` and OpenAPI never show it (kube-apiserver serves `/metrics` or
 * `/debug/...` the same way).
 */
import { errors, type KubeObject } from '../api/index.js';
import type { ApiCore, NonResourceHandler, NonResourceRequest } from '../apiserver/index.js';
import type { Faults } from '../kubelet/index.js';

/** The path prefix of the fault endpoint; `POST ${FAULTS_PATH}/<fault>` with a JSON body. */
export const FAULTS_PATH = '/opkit/v1/faults';

/** The faults the endpoint serves, with the JSON body each takes. */
export interface FaultRequests {
  /** {@link Faults.killContainer} */
  'kill-container': { namespace?: string; pod: string; container?: string; signal?: 'SIGKILL' | 'SIGTERM' };
  /** {@link Faults.setUnready} (`unready: false` clears it). */
  'set-unready': { namespace?: string; pod: string; container?: string; unready?: boolean };
  /** {@link Faults.loseNode} */
  'lose-node': { node: string };
  /** {@link Faults.recoverNode} */
  'recover-node': { node: string };
  /** {@link Faults.wipeVolume} */
  'wipe-volume': { namespace?: string; claim: string };
  /** {@link Faults.slowStart} (`delayMs: 0` removes the delay). */
  'slow-start': { namespace?: string; pod: string; delayMs: number };
}

/** A fault's name (the last path segment). */
export type FaultName = keyof FaultRequests;

/** What the endpoint answers when the fault was injected. */
export interface FaultResult {
  fault: FaultName;
  /** One line saying what was done, e.g. `killed container app of pod default/web-0 (SIGKILL)`. */
  message: string;
}

const PODS = { group: '', resource: 'pods' };

function stringField(body: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw errors.badRequest(`${field} is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw errors.badRequest(`${field} must be a string`);
  return value;
}

/** The pod, with its container checked the way the kubelet checks a log or exec request's. */
function existingPod(
  core: ApiCore,
  namespace: string,
  pod: string,
  container: string | undefined,
): KubeObject {
  const obj = core.store.get({ resource: '/pods', namespace, name: pod });
  if (!obj) throw errors.notFound(PODS, pod);
  if (container !== undefined) {
    const names = ((obj.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map(
      (c) => c.name,
    );
    if (!names.includes(container))
      throw errors.badRequest(
        `container ${container} is not valid for pod ${pod} (its containers: ${names.join(', ')})`,
      );
  }
  return obj;
}

/** Serves {@link FAULTS_PATH} from `faults` (undefined: the cluster runs no nodes, every fault is a 400). */
export function faultsEndpoint(core: ApiCore, faults: () => Faults | undefined): NonResourceHandler {
  return async (request: NonResourceRequest): Promise<FaultResult> => {
    const fault = request.path.slice(FAULTS_PATH.length + 1);
    if (!Object.hasOwn(FAULT_NAMES, fault)) {
      throw errors.noRoute(
        `unknown fault "${fault}"; the faults are ${Object.keys(FAULT_NAMES).join(', ')} (POST ${FAULTS_PATH}/<fault>)`,
      );
    }
    if (request.method !== 'POST')
      throw errors.methodNotAllowed(`${request.method} is not allowed: use POST`);
    const body =
      typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body)
        ? (request.body as Record<string, unknown>)
        : {};
    const agents = faults();
    if (!agents)
      throw errors.badRequest('this local cluster runs no nodes (nodes: false), so it has no faults');
    const namespace = stringField(body, 'namespace', false) ?? 'default';
    switch (fault as FaultName) {
      case 'kill-container': {
        const pod = stringField(body, 'pod', true) ?? '';
        const container = stringField(body, 'container', false);
        const signal = stringField(body, 'signal', false) ?? 'SIGKILL';
        if (signal !== 'SIGKILL' && signal !== 'SIGTERM')
          throw errors.badRequest(`signal must be SIGKILL or SIGTERM, not "${signal}"`);
        existingPod(core, namespace, pod, container);
        agents.killContainer(namespace, pod, container, signal);
        return {
          fault: 'kill-container',
          message: `killed ${container ? `container ${container}` : 'every container'} of pod ${namespace}/${pod} (${signal})`,
        };
      }
      case 'set-unready': {
        const pod = stringField(body, 'pod', true) ?? '';
        const container = stringField(body, 'container', false);
        const unready = body.unready === undefined ? true : body.unready;
        if (typeof unready !== 'boolean') throw errors.badRequest('unready must be true or false');
        existingPod(core, namespace, pod, container);
        agents.setUnready(namespace, pod, unready, container);
        return {
          fault: 'set-unready',
          message: unready
            ? `pod ${namespace}/${pod} reports unready until cleared`
            : `pod ${namespace}/${pod}'s readiness is its probes' again`,
        };
      }
      case 'lose-node': {
        const node = stringField(body, 'node', true) ?? '';
        await agents.loseNode(node);
        return {
          fault: 'lose-node',
          message: `node ${node} is lost (Ready=Unknown; its pods are not deleted)`,
        };
      }
      case 'recover-node': {
        const node = stringField(body, 'node', true) ?? '';
        await agents.recoverNode(node);
        return { fault: 'recover-node', message: `node ${node} is back` };
      }
      case 'wipe-volume': {
        const claim = stringField(body, 'claim', true) ?? '';
        agents.wipeVolume(namespace, claim);
        return { fault: 'wipe-volume', message: `wiped the data of claim ${namespace}/${claim}` };
      }
      case 'slow-start': {
        const pod = stringField(body, 'pod', true) ?? '';
        const delayMs = body.delayMs;
        if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)
          throw errors.badRequest('delayMs must be a number of milliseconds, 0 or more');
        agents.slowStart(namespace, pod, delayMs);
        return {
          fault: 'slow-start',
          message:
            delayMs > 0
              ? `containers of pod ${namespace}/${pod} start ${delayMs} ms late`
              : `containers of pod ${namespace}/${pod} start without delay`,
        };
      }
    }
  };
}

const FAULT_NAMES: Record<FaultName, true> = {
  'kill-container': true,
  'set-unready': true,
  'lose-node': true,
  'recover-node': true,
  'wipe-volume': true,
  'slow-start': true,
};
