/**
 * PersistentVolume binding and provisioning, after pkg/controller/volume/persistentvolume
 * (pv_controller.go syncClaim / syncVolume, the retroactive default StorageClass assignment of
 * KEP-3333) and an external hostPath provisioner (sig-storage-lib-external-provisioner):
 *
 * - a `standard` StorageClass annotated `storageclass.kubernetes.io/is-default-class: "true"` exists
 *   from the start; a claim without storageClassName gets the default class;
 * - a Pending claim binds to an Available volume of its class with enough capacity and its access
 *   modes, else — when its class is ours — a volume `pvc-<claim uid>` is provisioned with a hostPath
 *   under the embedder's directory;
 * - binding is written both ways: the volume's claimRef and phase Bound, the claim's volumeName, the
 *   bind annotations, phase Bound, capacity and access modes;
 * - when the claim goes, a bound volume is Released; reclaim policy Delete deletes it (and its
 *   directory), Retain keeps it Released.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { KubeObject } from '../../api/index.js';
import { ApiError } from '../../api/index.js';
import {
  CONTROLLER_MANAGER,
  deleteIgnoringMissing,
  getObject,
  listObjectKeys,
  listObjects,
  objectKey,
  splitKey,
  writeStatus,
  type ControllerContext,
  type ControllerDefinition,
} from '../runtime/index.js';

/** The provisioner name of the local cluster's default StorageClass. */
export const LOCAL_PROVISIONER = 'opkit.dev/local-hostpath';
/** The default StorageClass created at start. */
export const DEFAULT_STORAGE_CLASS = 'standard';
const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';

interface ClaimSpec {
  storageClassName?: string | null;
  volumeName?: string;
  accessModes?: string[];
  volumeMode?: string;
  resources?: { requests?: { storage?: string } };
}

interface VolumeSpec {
  storageClassName?: string;
  claimRef?: { namespace?: string; name?: string; uid?: string };
  accessModes?: string[];
  capacity?: { storage?: string };
  persistentVolumeReclaimPolicy?: string;
  hostPath?: { path?: string };
}

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A storage quantity in bytes (resource.Quantity for the suffixes storage uses). */
export function quantityBytes(q: string | undefined): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q ?? '');
  if (!m) return 0;
  return Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1);
}

/** Binds claims to volumes and provisions hostPath volumes; see the module comment. */
export class PersistentVolumeController implements ControllerDefinition {
  readonly name = 'persistentvolume';

  constructor(
    private readonly ctx: ControllerContext,
    private readonly volumesDir: string,
  ) {}

  /** Creates the default StorageClass unless one named `standard` exists. */
  async ensureDefaultStorageClass(): Promise<void> {
    if (getObject(this.ctx, this.ctx.types.storageClasses, '', DEFAULT_STORAGE_CLASS)) return;
    try {
      await this.ctx.core.create(
        this.ctx.types.storageClasses,
        '',
        {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
          provisioner: LOCAL_PROVISIONER,
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'Immediate',
        },
        { fieldManager: CONTROLLER_MANAGER },
      );
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  }

  keysFor(event: {
    key: { resource: string; namespace: string; name: string };
    object: KubeObject;
  }): string[] {
    const { resource, namespace, name } = event.key;
    if (resource === '/persistentvolumeclaims') {
      const volume = (event.object.spec as ClaimSpec | undefined)?.volumeName;
      return [`claim:${objectKey(namespace, name)}`, ...(volume ? [`volume:${volume}`] : [])];
    }
    if (resource === '/persistentvolumes') {
      const ref = (event.object.spec as VolumeSpec | undefined)?.claimRef;
      return [`volume:${name}`, ...(ref?.name ? [`claim:${objectKey(ref.namespace, ref.name)}`] : [])];
    }
    return [];
  }

  listKeys(): string[] {
    return [
      ...listObjectKeys(this.ctx, this.ctx.types.pvcs).map((k) => `claim:${k}`),
      ...listObjects(this.ctx, this.ctx.types.pvs, undefined).map((v) => `volume:${v.metadata.name ?? ''}`),
    ];
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith('claim:')) await this.syncClaim(key.slice('claim:'.length));
    else await this.syncVolume(key.slice('volume:'.length));
  }

  private defaultClass(): KubeObject | undefined {
    const classes = listObjects(
      this.ctx,
      this.ctx.types.storageClasses,
      undefined,
      (c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true',
    );
    // several defaults: the newest wins (GetDefaultClass since 1.26)
    return classes.sort((a, b) =>
      (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
    )[0];
  }

  private async syncClaim(claimKey: string): Promise<void> {
    const { namespace, name } = splitKey(claimKey);
    const claim = getObject(this.ctx, this.ctx.types.pvcs, namespace, name);
    if (!claim || claim.metadata.deletionTimestamp) return;
    const spec = (claim.spec ?? {}) as ClaimSpec;
    if (spec.storageClassName === undefined || spec.storageClassName === null) {
      // retroactive default class assignment (pv_controller.go assignDefaultStorageClass)
      const dflt = this.defaultClass();
      if (!dflt) return;
      await this.ctx.core.update(
        this.ctx.types.pvcs,
        namespace,
        name,
        { ...claim, spec: { ...spec, storageClassName: dflt.metadata.name } },
        { fieldManager: CONTROLLER_MANAGER },
      );
      return;
    }
    if (spec.volumeName) {
      const volume = getObject(this.ctx, this.ctx.types.pvs, '', spec.volumeName);
      if (!volume) {
        // the volume is gone: the claim is Lost (syncBoundClaim)
        await writeStatus(this.ctx, this.ctx.types.pvcs, claim, {
          ...(claim.status as object),
          phase: 'Lost',
        });
        return;
      }
      const ref = (volume.spec as VolumeSpec).claimRef;
      if (!ref?.uid || ref.uid === claim.metadata.uid) await this.bind(claim, volume);
      return;
    }
    const volume = this.findVolume(claim) ?? (await this.provision(claim));
    if (volume) await this.bind(claim, volume);
  }

  /** An Available volume of the claim's class, big enough, with its access modes (findBestMatchForClaim: smallest fit). */
  private findVolume(claim: KubeObject): KubeObject | undefined {
    const spec = (claim.spec ?? {}) as ClaimSpec;
    const want = quantityBytes(spec.resources?.requests?.storage);
    const candidates = listObjects(this.ctx, this.ctx.types.pvs, undefined, (v) => {
      const vs = (v.spec ?? {}) as VolumeSpec;
      const ref = vs.claimRef;
      if (ref?.uid && ref.uid !== claim.metadata.uid) return false;
      if (
        ref?.name &&
        (ref.name !== claim.metadata.name || (ref.namespace ?? '') !== claim.metadata.namespace)
      )
        return false;
      if (
        !ref &&
        (v.status as { phase?: string } | undefined)?.phase !== 'Available' &&
        (v.status as { phase?: string } | undefined)?.phase !== 'Pending'
      )
        return false;
      if ((vs.storageClassName ?? '') !== (spec.storageClassName ?? '')) return false;
      if (quantityBytes(vs.capacity?.storage) < want) return false;
      return (spec.accessModes ?? []).every((m) => (vs.accessModes ?? []).includes(m));
    });
    return candidates.sort(
      (a, b) =>
        quantityBytes((a.spec as VolumeSpec).capacity?.storage) -
        quantityBytes((b.spec as VolumeSpec).capacity?.storage),
    )[0];
  }

  /** Dynamic provisioning by the local hostPath provisioner. */
  private async provision(claim: KubeObject): Promise<KubeObject | undefined> {
    const spec = (claim.spec ?? {}) as ClaimSpec;
    const cls = getObject(this.ctx, this.ctx.types.storageClasses, '', spec.storageClassName ?? '');
    if (!cls || (cls as { provisioner?: string }).provisioner !== LOCAL_PROVISIONER) return undefined;
    const name = `pvc-${claim.metadata.uid ?? ''}`;
    const existing = getObject(this.ctx, this.ctx.types.pvs, '', name);
    if (existing) return existing;
    const dir = path.join(this.volumesDir, name);
    await mkdir(dir, { recursive: true });
    return this.ctx.core.create(
      this.ctx.types.pvs,
      '',
      {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name, annotations: { [PROVISIONED_BY]: LOCAL_PROVISIONER } },
        spec: {
          accessModes: spec.accessModes ?? ['ReadWriteOnce'],
          capacity: { storage: spec.resources?.requests?.storage ?? '1Gi' },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace: claim.metadata.namespace,
            name: claim.metadata.name,
            uid: claim.metadata.uid,
            resourceVersion: claim.metadata.resourceVersion,
          },
          hostPath: { path: dir, type: 'DirectoryOrCreate' },
          persistentVolumeReclaimPolicy: (cls as { reclaimPolicy?: string }).reclaimPolicy ?? 'Delete',
          storageClassName: cls.metadata.name,
          volumeMode: spec.volumeMode ?? 'Filesystem',
        },
      },
      { fieldManager: CONTROLLER_MANAGER },
    );
  }

  /** bind(): volume claimRef + Bound, then claim volumeName, annotations, Bound. */
  private async bind(claim: KubeObject, volume: KubeObject): Promise<void> {
    const vs = (volume.spec ?? {}) as VolumeSpec;
    const namespace = claim.metadata.namespace ?? '';
    let current = volume;
    if (!vs.claimRef?.uid) {
      current = await this.ctx.core.update(
        this.ctx.types.pvs,
        '',
        volume.metadata.name ?? '',
        {
          ...volume,
          spec: {
            ...vs,
            claimRef: {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              namespace,
              name: claim.metadata.name,
              uid: claim.metadata.uid,
              resourceVersion: claim.metadata.resourceVersion,
            },
          },
        },
        { fieldManager: CONTROLLER_MANAGER },
      );
      current.metadata.annotations = current.metadata.annotations ?? {};
    }
    await writeStatus(this.ctx, this.ctx.types.pvs, current, { phase: 'Bound' });
    const cs = (claim.spec ?? {}) as ClaimSpec;
    let latestClaim = claim;
    const annotations = claim.metadata.annotations ?? {};
    if (cs.volumeName !== volume.metadata.name || annotations[BIND_COMPLETED] !== 'yes') {
      const provisioned = volume.metadata.annotations?.[PROVISIONED_BY];
      latestClaim = await this.ctx.core.update(
        this.ctx.types.pvcs,
        namespace,
        claim.metadata.name ?? '',
        {
          ...claim,
          metadata: {
            ...claim.metadata,
            annotations: {
              ...annotations,
              [BIND_COMPLETED]: 'yes',
              [BOUND_BY_CONTROLLER]: 'yes',
              ...(provisioned
                ? {
                    [STORAGE_PROVISIONER]: provisioned,
                    'volume.beta.kubernetes.io/storage-provisioner': provisioned,
                  }
                : {}),
            },
          },
          spec: { ...cs, volumeName: volume.metadata.name },
        },
        { fieldManager: CONTROLLER_MANAGER },
      );
    }
    await writeStatus(this.ctx, this.ctx.types.pvcs, latestClaim, {
      phase: 'Bound',
      accessModes: vs.accessModes ?? [],
      capacity: { ...(vs.capacity ?? {}) },
    });
  }

  private async syncVolume(name: string): Promise<void> {
    const volume = getObject(this.ctx, this.ctx.types.pvs, '', name);
    if (!volume || volume.metadata.deletionTimestamp) return;
    const vs = (volume.spec ?? {}) as VolumeSpec;
    const phase = (volume.status as { phase?: string } | undefined)?.phase;
    if (!vs.claimRef?.name) {
      if (phase !== 'Available')
        await writeStatus(this.ctx, this.ctx.types.pvs, volume, { phase: 'Available' });
      return;
    }
    const claim = getObject(this.ctx, this.ctx.types.pvcs, vs.claimRef.namespace ?? '', vs.claimRef.name);
    if (claim && (!vs.claimRef.uid || claim.metadata.uid === vs.claimRef.uid)) return; // the claim's sync binds
    if (!vs.claimRef.uid) return; // pre-bound to a claim that does not exist yet
    // the claim is gone: Released, then reclaimed (reclaimVolume)
    if (vs.persistentVolumeReclaimPolicy === 'Delete') {
      if (
        vs.hostPath?.path &&
        volume.metadata.annotations?.[PROVISIONED_BY] === LOCAL_PROVISIONER &&
        vs.hostPath.path.startsWith(this.volumesDir)
      ) {
        await rm(vs.hostPath.path, { recursive: true, force: true });
      }
      await deleteIgnoringMissing(this.ctx, this.ctx.types.pvs, '', name);
      return;
    }
    if (phase !== 'Released') await writeStatus(this.ctx, this.ctx.types.pvs, volume, { phase: 'Released' });
  }
}
