import * as path from 'node:path';
import type { StartSpec } from './guest-protocol';
import type { QemuMachine } from './qemu-args';
import { TEMPLATE_MEMORY, type TemplateLayout } from './template-store';

/** On the kernel command line: berth-init stops at the template point (guest/init/berth-init.c). */
export const TEMPLATE_KERNEL_ARG = 'berth.template';
/** What berth-init prints on the console at the template point. */
export const TEMPLATE_POINT_LINE = 'berth-init: template point';

/**
 * The capacity of a template's placeholder disks, which every clone's kernel keeps believing (the
 * template's kernel probed them; re-probing a clone's disks costs ~100 ms each under TCG): 4 TiB,
 * above any disk berth makes (volumes are at most 1 TiB, the writable layer is the size's disk). A
 * filesystem reads and writes only within its own size, so a larger device is harmless; a machine
 * with a disk larger than this boots cold (cloneable()).
 */
export const PLACEHOLDER_DISK_BYTES = 4 * 1024 ** 4;

/** Whether a machine can start as a clone: each of its disks fits the template's placeholder capacity. */
export function cloneable(diskBytes: readonly number[]): boolean {
  return diskBytes.every((b) => b <= PLACEHOLDER_DISK_BYTES);
}

/** The layout a machine's template must have (see TemplateLayout). */
export function layoutOf(m: QemuMachine): TemplateLayout {
  return {
    kernel: m.kernel,
    initrd: m.initrd,
    accel: m.accel,
    ...(m.tscKhz ? { tscKhz: m.tscKhz } : {}),
    memoryMib: m.memoryMib,
    vcpu: m.vcpu,
    disks: m.disks.map((d) => d.readOnly),
    nics: (m.taps ?? []).length,
  };
}

/**
 * The machine a template of `layout` is built as, in `dir`: the layout's disks on empty placeholder
 * files (the guest reads nothing from them; a clone re-probes its own), its RAM in a shared file there.
 */
export function templateMachine(layout: TemplateLayout, key: string, dir: string): QemuMachine {
  return {
    name: `template-${key}`,
    dir,
    vcpu: layout.vcpu,
    memoryMib: layout.memoryMib,
    kernel: layout.kernel,
    initrd: layout.initrd,
    accel: layout.accel,
    ...(layout.tscKhz ? { tscKhz: layout.tscKhz } : {}),
    disks: layout.disks.map((readOnly, i) => ({
      serial: `berth-slot${i}`,
      file: path.join(dir, `slot${i}.raw`),
      readOnly,
    })),
    // NICs without a tap (a hub port with nothing else on it) and a placeholder MAC: the template never
    // configures them; a clone sets its own MACs (cloneStart) before its links come up.
    taps: Array.from({ length: layout.nics }, (_, i) => ({
      ifname: null,
      mac: `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`,
    })),
    extraKernelArgs: [TEMPLATE_KERNEL_ARG],
    memoryFile: { path: path.join(dir, TEMPLATE_MEMORY), shared: true },
  };
}

/**
 * `m` started as a clone of the template in `templateDir`: its own disks, sockets and directory, the
 * template's RAM mapped privately, waiting for the template's device state. The kernel command line
 * is the template's (it is in the template's RAM); it is repeated so that the clone's is the same.
 */
export function cloneMachine(m: QemuMachine, templateMemoryFile: string): QemuMachine {
  return {
    ...m,
    extraKernelArgs: [...(m.extraKernelArgs ?? []), TEMPLATE_KERNEL_ARG],
    memoryFile: { path: templateMemoryFile, shared: false },
    incoming: true,
  };
}

/**
 * What a clone's berth-init gets on top of a cold boot's START: fresh host entropy to reseed its RNG
 * with, and each NIC's MAC (a virtio-net MAC is migrated device state: a clone's NICs come up with the
 * template's, whatever its command line says).
 */
export function cloneStart(start: StartSpec, m: QemuMachine, entropy: Buffer): StartSpec {
  return { ...start, entropy, macs: (m.taps ?? []).map((t, i) => `eth${i} ${t.mac}`) };
}
