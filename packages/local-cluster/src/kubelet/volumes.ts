/**
 * Pod volumes as local directories (the kubelet's volume manager, pkg/kubelet/volumemanager, without
 * mounts): emptyDir under the pod's directory, a PVC's directory that outlives the pod (the bound
 * PV's hostPath, or one keyed by the PVC's uid), hostPath as is, and configMap/secret/downwardAPI
 * volumes written out as files.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KubeObject } from '../api/index.js';
import type { VolumeDirectory } from '../runtime/index.js';
import { ContainerConfigError, fieldRefValue } from './env.js';

interface KeyToPath {
  key: string;
  path: string;
}
interface VolumeSpec {
  name: string;
  emptyDir?: unknown;
  hostPath?: { path: string };
  persistentVolumeClaim?: { claimName: string };
  configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { secretName?: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: { path: string; fieldRef?: { fieldPath: string } }[] };
}
interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

/** Reads objects from the store. */
export interface StoreReader {
  get(resource: string, namespace: string, name: string): KubeObject | undefined;
}

/** The directory of a PVC's data: the bound PV's hostPath, or `<volumesDir>/pvc-<uid>`. */
export function claimDirectory(
  reader: StoreReader,
  volumesDir: string,
  namespace: string,
  claim: string,
): string | undefined {
  const pvc = reader.get('/persistentvolumeclaims', namespace, claim);
  if (!pvc) return undefined;
  const volumeName = (pvc.spec as { volumeName?: string } | undefined)?.volumeName;
  const pv = volumeName ? reader.get('/persistentvolumes', '', volumeName) : undefined;
  const hostPath = pv?.spec as { hostPath?: { path?: string }; local?: { path?: string } } | undefined;
  return (
    hostPath?.hostPath?.path ?? hostPath?.local?.path ?? join(volumesDir, `pvc-${pvc.metadata.uid ?? claim}`)
  );
}

function writeItems(dir: string, data: Record<string, string>, items: KeyToPath[] | undefined): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const entries = items?.length
    ? items.filter((i) => i.key in data).map((i) => [i.path, data[i.key] ?? ''] as const)
    : Object.entries(data);
  for (const [path, value] of entries) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, value);
  }
}

/** Prepares the pod's volumes; returns their directories by volume name. Throws while a PVC is missing. */
export function prepareVolumes(
  pod: KubeObject,
  reader: StoreReader,
  podDir: string,
  volumesDir: string,
  podIP: string,
  hostIP: string,
): Map<string, string> {
  const ns = pod.metadata.namespace ?? '';
  const dirs = new Map<string, string>();
  for (const v of (pod.spec as { volumes?: VolumeSpec[] } | undefined)?.volumes ?? []) {
    const local = join(podDir, 'volumes', v.name);
    if (v.persistentVolumeClaim) {
      const dir = claimDirectory(reader, volumesDir, ns, v.persistentVolumeClaim.claimName);
      if (!dir)
        throw new ContainerConfigError(
          `persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" not found`,
        );
      mkdirSync(dir, { recursive: true });
      dirs.set(v.name, dir);
    } else if (v.hostPath) {
      mkdirSync(v.hostPath.path, { recursive: true });
      dirs.set(v.name, v.hostPath.path);
    } else if (v.configMap || v.secret) {
      const secret = !!v.secret;
      const name = secret ? v.secret?.secretName : v.configMap?.name;
      const obj = reader.get(secret ? '/secrets' : '/configmaps', ns, name ?? '');
      if (!obj && !(secret ? v.secret?.optional : v.configMap?.optional)) {
        throw new ContainerConfigError(`${secret ? 'secret' : 'configmap'} "${name ?? ''}" not found`);
      }
      const raw = (obj?.data ?? {}) as Record<string, string>;
      const data: Record<string, string> = {};
      for (const [k, val] of Object.entries(raw))
        data[k] = secret ? Buffer.from(val, 'base64').toString('utf8') : val;
      writeItems(local, data, secret ? v.secret?.items : v.configMap?.items);
      dirs.set(v.name, local);
    } else if (v.downwardAPI) {
      const data: Record<string, string> = {};
      for (const item of v.downwardAPI.items ?? []) {
        if (item.fieldRef) data[item.path] = fieldRefValue(pod, item.fieldRef.fieldPath, podIP, hostIP);
      }
      writeItems(local, data, undefined);
      dirs.set(v.name, local);
    } else {
      // emptyDir and everything else: a directory that lives as long as the pod
      mkdirSync(local, { recursive: true });
      dirs.set(v.name, local);
    }
  }
  return dirs;
}

/** The mounts of one container as local directories. */
export function containerMounts(
  container: { volumeMounts?: VolumeMount[] },
  dirs: Map<string, string>,
): VolumeDirectory[] {
  const out: VolumeDirectory[] = [];
  for (const m of container.volumeMounts ?? []) {
    const base = dirs.get(m.name);
    if (!base) continue;
    const directory = m.subPath ? join(base, m.subPath) : base;
    if (m.subPath) mkdirSync(directory, { recursive: true });
    out.push({ name: m.name, mountPath: m.mountPath, directory, ...(m.readOnly ? { readOnly: true } : {}) });
  }
  return out;
}
