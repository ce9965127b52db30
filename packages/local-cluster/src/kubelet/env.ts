/**
 * A container's environment, as the kubelet builds it (pkg/kubelet/kubelet_pods.go
 * makeEnvironmentVariables): envFrom first, then env in order, each value `$(VAR)`-expanded
 * against the variables defined before it; valueFrom reads fieldRefs, ConfigMaps and Secrets.
 */
import type { KubeObject } from '../api/index.js';
import { expandVariables } from '../runtime/index.js';

/** A problem that keeps a container from being created (waiting reason CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

interface KeyRef {
  name?: string;
  key: string;
  optional?: boolean;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string; containerName?: string; divisor?: string };
    configMapKeyRef?: KeyRef;
    secretKeyRef?: KeyRef;
  };
}
interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

/** Reads ConfigMaps and Secrets of the pod's namespace. */
export interface ObjectReader {
  get(resource: '/configmaps' | '/secrets', namespace: string, name: string): KubeObject | undefined;
}

function dataOf(obj: KubeObject, secret: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const data = (obj.data ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(data)) out[k] = secret ? Buffer.from(v, 'base64').toString('utf8') : v;
  if (!secret) {
    for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>))
      out[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  return out;
}

/** The value of a downward-API fieldRef (pkg/kubelet/kubelet_pods.go podFieldSelectorRuntimeValue). */
export function fieldRefValue(pod: KubeObject, fieldPath: string, podIP: string, hostIP: string): string {
  const meta = pod.metadata;
  const spec = (pod.spec ?? {}) as { nodeName?: string; serviceAccountName?: string };
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (sub) {
    const map = (sub[1] === 'labels' ? meta.labels : meta.annotations) ?? {};
    return map[sub[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return Object.entries(meta.labels ?? {})
        .map(([k, v]) => `${k}="${v}"`)
        .join('\n');
    case 'metadata.annotations':
      return Object.entries(meta.annotations ?? {})
        .map(([k, v]) => `${k}="${v}"`)
        .join('\n');
    case 'spec.nodeName':
      return spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return spec.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** The environment of one container, in definition order. */
export function containerEnvironment(
  pod: KubeObject,
  container: {
    env?: EnvVar[];
    envFrom?: EnvFromSource[];
    resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  },
  reader: ObjectReader,
  podIP: string,
  hostIP: string,
): Record<string, string> {
  const ns = pod.metadata.namespace ?? '';
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const secret = !!from.secretRef;
    const obj = reader.get(secret ? '/secrets' : '/configmaps', ns, ref?.name ?? '');
    if (!obj) {
      if (ref?.optional) continue;
      throw new ContainerConfigError(`${secret ? 'secret' : 'configmap'} "${ref?.name ?? ''}" not found`);
    }
    for (const [k, v] of Object.entries(dataOf(obj, secret))) env[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const v of container.env ?? []) {
    if (v.valueFrom) {
      const f = v.valueFrom;
      if (f.fieldRef) env[v.name] = fieldRefValue(pod, f.fieldRef.fieldPath, podIP, hostIP);
      else if (f.configMapKeyRef || f.secretKeyRef) {
        const ref = (f.configMapKeyRef ?? f.secretKeyRef) as KeyRef;
        const secret = !!f.secretKeyRef;
        const obj = reader.get(secret ? '/secrets' : '/configmaps', ns, ref.name ?? '');
        const value = obj ? dataOf(obj, secret)[ref.key] : undefined;
        if (value === undefined) {
          if (ref.optional) continue;
          throw new ContainerConfigError(
            obj
              ? `couldn't find key ${ref.key} in ${secret ? 'Secret' : 'ConfigMap'} ${ns}/${ref.name ?? ''}`
              : `${secret ? 'secret' : 'configmap'} "${ref.name ?? ''}" not found`,
          );
        }
        env[v.name] = value;
      } else if (f.resourceFieldRef) {
        const [kind, res] = f.resourceFieldRef.resource.split('.') as [string, string];
        const table = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
        // without a limit the kubelet reports the node's allocatable; a fixed node size stands in
        env[v.name] = table?.[res] ?? (res === 'cpu' ? '4' : res === 'memory' ? String(8 * 1024 ** 3) : '0');
      }
      continue;
    }
    env[v.name] = expandVariables(v.value ?? '', (name) => env[name]);
  }
  return env;
}
