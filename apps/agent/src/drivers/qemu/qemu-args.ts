import * as path from 'node:path';
import { FALLBACK_TSC_KHZ } from './host-tsc';

export type Accel = 'kvm' | 'tcg';

export interface QemuMachine {
  readonly name: string;
  readonly dir: string;
  readonly vcpu: number;
  readonly memoryMib: number;
  readonly kernel: string;
  readonly initrd: string;
  readonly accel: Accel;
  /** Block devices in order; the guest finds them by serial, not by position. */
  readonly disks: readonly { readonly serial: string; readonly file: string; readonly readOnly: boolean }[];
  /** NICs in order; `ifname` null: no tap behind it (a template's NIC, see clone-args.ts). */
  readonly taps?: readonly { readonly ifname: string | null; readonly mac: string }[];
  readonly extraKernelArgs?: readonly string[];
  /** The host's TSC rate, for TCG guests' kernels (hostTscKhz()). */
  readonly tscKhz?: number;
  /** Guest RAM in a file (VM templates, see clone-args.ts); absent: QEMU's own anonymous memory. */
  readonly memoryFile?: MemoryFile;
  /** Wait for the machine's state over QMP `migrate-incoming` instead of booting (a template's clone). */
  readonly incoming?: boolean;
}

/**
 * Guest RAM backed by a file on tmpfs: `shared` while a template is built (its RAM ends up in the file),
 * private (copy-on-write) in a clone, so a clone's writes never reach the template.
 */
export interface MemoryFile {
  readonly path: string;
  readonly shared: boolean;
}

export const QMP_SOCKET = 'qmp.sock';
export const AGENT_SOCKET = 'agent.sock';
export const CONSOLE_LOG = 'console.log';
export const PID_FILE = 'qemu.pid';

/**
 * Kernel command line. Under TCG microvm has no kvmclock, HPET or PM timer, and the kernel hangs
 * calibrating the TSC unless told its rate (../shared/notes/microvm-on-these-machines.md, section 2).
 */
export function kernelCommandLine(
  accel: Accel,
  extra: readonly string[] = [],
  tscKhz: number = FALLBACK_TSC_KHZ,
): string {
  const base = ['console=ttyS0', 'panic=-1', 'quiet', 'mitigations=off', 'reboot=t'];
  // The rate must be the host's (see host-tsc.ts): a wrong one makes guest time run fast or slow.
  const tcg = accel === 'tcg' ? [`tsc_early_khz=${Math.round(tscKhz)}`, 'tsc=reliable'] : [];
  return [...base, ...tcg, ...extra].join(' ');
}

/**
 * The machine and boot part of every microVM berth starts: the machine type, CPU and memory, and the
 * kernel and initramfs booted directly. The driver adds disks, NICs and sockets; the accelerator probe
 * and the boot benchmark add only a serial console, so that they boot exactly what the driver boots.
 */
export function bootArgs(b: {
  readonly accel: Accel;
  readonly memoryMib: number;
  readonly vcpu: number;
  readonly kernel: string;
  readonly initrd: string;
  readonly append: string;
  readonly memoryFile?: MemoryFile;
}): string[] {
  const memory = b.memoryFile
    ? [
        '-object',
        `memory-backend-file,id=mem,size=${b.memoryMib}M,mem-path=${b.memoryFile.path},share=${b.memoryFile.shared ? 'on' : 'off'}`,
      ]
    : [];
  return [
    '-accel',
    b.accel === 'kvm' ? 'kvm' : 'tcg,tb-size=32',
    ...memory,
    '-M',
    b.memoryFile ? 'microvm,memory-backend=mem' : 'microvm',
    ...(b.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m',
    `${b.memoryMib}M`,
    '-smp',
    String(b.vcpu),
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    '-no-reboot',
    '-kernel',
    b.kernel,
    '-initrd',
    b.initrd,
    '-append',
    b.append,
  ];
}

/**
 * The QEMU command line of one microVM: the `microvm` machine type, an uncompressed kernel booted
 * directly (PVH), berth-init as initramfs, virtio-mmio disks, a virtio-serial port for the agent
 * channel and a QMP socket. Everything the VM needs lives in `dir`.
 */
export function qemuArgs(m: QemuMachine): string[] {
  const inDir = (f: string) => path.join(m.dir, f);
  const args = [
    '-name',
    `berth-${m.name},process=berth-${m.name}`,
    ...bootArgs({ ...m, append: kernelCommandLine(m.accel, m.extraKernelArgs, m.tscKhz) }),
    '-serial',
    `file:${inDir(CONSOLE_LOG)}`,
    '-qmp',
    `unix:${inDir(QMP_SOCKET)},server=on,wait=off`,
    '-pidfile',
    inDir(PID_FILE),
    '-device',
    'virtio-serial-device',
    '-chardev',
    `socket,id=agent,path=${inDir(AGENT_SOCKET)},server=on,wait=off`,
    '-device',
    'virtserialport,chardev=agent,name=berth.0',
  ];
  for (const d of m.disks) {
    // The drive is named after its serial, so QMP commands (a live snapshot) can name it.
    // Writable disks pass the guest's discards through: deleted data frees the host's sparse file.
    args.push(
      '-drive',
      `id=${d.serial},file=${d.file},format=raw,if=none${d.readOnly ? ',readonly=on' : ',discard=unmap'}`,
      '-device',
      `virtio-blk-device,drive=${d.serial},serial=${d.serial}`,
    );
  }
  (m.taps ?? []).forEach((t, i) => {
    args.push(
      '-netdev',
      t.ifname === null
        ? `hubport,id=net${i},hubid=${i}`
        : `tap,id=net${i},ifname=${t.ifname},script=no,downscript=no`,
      '-device',
      `virtio-net-device,netdev=net${i},mac=${t.mac}`,
    );
  });
  if (m.incoming) args.push('-incoming', 'defer');
  return args;
}
