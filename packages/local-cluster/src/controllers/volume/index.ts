/** PersistentVolume binding and local hostPath provisioning, with the default `standard` StorageClass. */
export {
  PersistentVolumeController,
  LOCAL_PROVISIONER,
  DEFAULT_STORAGE_CLASS,
  quantityBytes,
} from './persistent-volume-controller.js';
