import type { MachineVolume } from '../driver';
import { ensureSparseExt4 } from '../sparse-ext4';
import type { StartSpec } from './guest-protocol';
import type { QemuMachine } from './qemu-args';

/** The machine's writable layer, in its directory. */
export const WRITABLE_LAYER = 'rw.ext4';
const ROOT_SERIAL = 'berth-root';
const WRITABLE_SERIAL = 'berth-rw';
const GIB = 1024 ** 3;

/**
 * Makes the writable layer the guest lays over the image's read-only root, once: a restarted
 * machine keeps what its workload wrote. Sparse: a 10 GiB layer costs a few MB until the workload writes.
 */
export async function makeWritableLayer(file: string, diskGib: number): Promise<void> {
  await ensureSparseExt4(file, { sizeBytes: diskGib * GIB, label: WRITABLE_SERIAL });
}

/** QEMU's disks: the image's root (read-only), the writable layer, then the volumes; each named by its serial. */
export function machineDisks(
  rootfs: string,
  writableLayer: string,
  volumes: readonly MachineVolume[] = [],
): QemuMachine['disks'] {
  return [
    { serial: ROOT_SERIAL, file: rootfs, readOnly: true },
    { serial: WRITABLE_SERIAL, file: writableLayer, readOnly: false },
    ...volumes.map((v) => ({ serial: v.serial, file: v.file, readOnly: false })),
  ];
}

/** How berth-init finds the same disks inside the guest (by serial, not position) and where it mounts them. */
export function guestDisks(
  volumes: readonly MachineVolume[] = [],
): Pick<StartSpec, 'rootReadOnlyDevice' | 'rootWritableDevice' | 'mounts'> {
  return {
    rootReadOnlyDevice: `serial:${ROOT_SERIAL}`,
    rootWritableDevice: `serial:${WRITABLE_SERIAL}`,
    mounts: volumes.map((v) => ({ device: `serial:${v.serial}`, path: v.path, fstype: 'ext4' })),
  };
}
