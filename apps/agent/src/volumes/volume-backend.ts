/** A volume as the backend needs it. */
export interface VolumeRef {
  readonly id: string;
  readonly sizeGib: number;
}

/**
 * How QEMU opens a volume. Host-local volumes are raw files; a Ceph backend would hand QEMU an RBD
 * image (`driver=rbd,pool=...,image=...`), which QEMU speaks natively (docs/volumes-ceph-rbd.md).
 */
export type DriveSource = { readonly kind: 'file'; readonly path: string; readonly format: 'raw' };

/**
 * A running machine's view of one of its disks: makes a crash-consistent copy while the guest keeps
 * writing (QMP drive-backup). Returns false when the machine is not running after all.
 */
export interface LiveDisk {
  backupTo(target: string): Promise<boolean>;
}

/**
 * Where volumes and snapshots live. Every method is idempotent (a retried job runs it again) and
 * makes its result appear atomically (temporary name, then rename): a crash leaves the old state or
 * the new one, never half a volume.
 */
export interface VolumeBackend {
  readonly name: string;
  /** GiB this host offers for volumes and snapshots, reported at registration. */
  capacityGib(): Promise<number>;
  /** Makes the volume on its first use (sparse, ext4), and says how to open it. */
  prepare(v: VolumeRef): Promise<DriveSource>;
  remove(volumeId: string): Promise<void>;
  /** Copies the volume: through `live` when a running machine has it open, directly otherwise. */
  snapshot(
    snapshotId: string,
    v: VolumeRef,
    live: LiveDisk | null,
  ): Promise<{ storedBytes: number; live: boolean }>;
  removeSnapshot(snapshotId: string): Promise<void>;
  /** Makes volume `v` from a snapshot; a larger volume gets its filesystem grown to fill it. */
  restore(snapshotId: string, v: VolumeRef): Promise<void>;
  /** Ids of the volumes and snapshots present, for clearing away what the API no longer lists. */
  inventory(): Promise<{ volumes: string[]; snapshots: string[] }>;
}

/** A fault that a retry will meet again (a missing snapshot, a full pool). */
export class TerminalVolumeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TerminalVolumeError';
  }
}
