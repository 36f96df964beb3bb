import {
  cloneable,
  cloneMachine,
  cloneStart,
  layoutOf,
  PLACEHOLDER_DISK_BYTES,
  TEMPLATE_KERNEL_ARG,
  templateMachine,
} from './clone-args';
import { VOLUME_MAX_GIB } from '@berth/domain';
import { qemuArgs, type QemuMachine } from './qemu-args';

const machine: QemuMachine = {
  name: 'ctr_x',
  dir: '/m/ctr_x',
  vcpu: 1,
  memoryMib: 128,
  kernel: '/k/vmlinux',
  initrd: '/k/initramfs.cpio',
  accel: 'tcg',
  tscKhz: 2_500_000,
  disks: [
    { serial: 'berth-root', file: '/img/rootfs.erofs', readOnly: true },
    { serial: 'berth-rw', file: '/m/ctr_x/rw.ext4', readOnly: false },
    { serial: 'berth-vol0', file: '/pool/vol.raw', readOnly: false },
  ],
};

describe('VM template machines', () => {
  it("takes a machine's size, boot files and device layout as its template's layout, not its files", () => {
    expect(layoutOf(machine)).toEqual({
      kernel: '/k/vmlinux',
      initrd: '/k/initramfs.cpio',
      accel: 'tcg',
      tscKhz: 2_500_000,
      memoryMib: 128,
      vcpu: 1,
      disks: [true, false, false],
      nics: 0,
    });
    const otherFiles = { ...machine, name: 'ctr_y', disks: machine.disks.map((d) => ({ ...d, file: '/x' })) };
    expect(layoutOf(otherFiles)).toEqual(layoutOf(machine));
  });

  it('builds a template with the same devices on placeholders in its directory, its RAM shared in a file there', () => {
    const t = templateMachine(layoutOf(machine), 'k1', '/tpl/k1.building');
    expect(t.disks).toEqual([
      { serial: 'berth-slot0', file: '/tpl/k1.building/slot0.raw', readOnly: true },
      { serial: 'berth-slot1', file: '/tpl/k1.building/slot1.raw', readOnly: false },
      { serial: 'berth-slot2', file: '/tpl/k1.building/slot2.raw', readOnly: false },
    ]);
    const a = qemuArgs(t).join(' ');
    expect(a).toContain(
      '-object memory-backend-file,id=mem,size=128M,mem-path=/tpl/k1.building/memory,share=on -M microvm,memory-backend=mem',
    );
    expect(a).toContain(TEMPLATE_KERNEL_ARG);
    expect(a).toContain('tsc_early_khz=2500000');
    expect(a).not.toContain('-incoming');
  });

  it('starts a clone on its own disks and sockets, the template RAM private, waiting for the state', () => {
    const a = qemuArgs(cloneMachine(machine, '/tpl/k1/memory')).join(' ');
    expect(a).toContain('mem-path=/tpl/k1/memory,share=off');
    expect(a).toContain('-M microvm,memory-backend=mem');
    expect(a).toContain('id=berth-vol0,file=/pool/vol.raw');
    expect(a).toContain('path=/m/ctr_x/agent.sock');
    expect(a).toContain(TEMPLATE_KERNEL_ARG);
    expect(a.endsWith('-incoming defer')).toBe(true);
    // Device for device the clone's command line is its template's (the same options, in order).
    const options = (args: string[]) => args.filter((x) => x.startsWith('-') && x !== '-incoming');
    const template = templateMachine(layoutOf(machine), 'k1', '/tpl/k1.building');
    expect(options(qemuArgs(cloneMachine(machine, '/tpl/k1/memory')))).toEqual(options(qemuArgs(template)));
  });

  it("gives a template's NICs no tap and placeholder MACs, and a clone its own taps, then its MACs in START", () => {
    const withNics: QemuMachine = {
      ...machine,
      taps: [
        { ifname: 'tap-a', mac: '52:54:00:12:34:56' },
        { ifname: 'tap-b', mac: '52:54:00:12:34:57' },
      ],
    };
    const t = qemuArgs(templateMachine(layoutOf(withNics), 'k2', '/tpl/k2')).join(' ');
    expect(t).toContain(
      '-netdev hubport,id=net0,hubid=0 -device virtio-net-device,netdev=net0,mac=02:00:00:00:00:00',
    );
    expect(t).toContain(
      '-netdev hubport,id=net1,hubid=1 -device virtio-net-device,netdev=net1,mac=02:00:00:00:00:01',
    );
    expect(t).not.toContain('tap');
    const c = qemuArgs(cloneMachine(withNics, '/tpl/k2/memory')).join(' ');
    expect(c).toContain('-netdev tap,id=net1,ifname=tap-b,script=no,downscript=no');
    const start = { args: ['sh'], env: [], hostname: 'h', rootReadOnlyDevice: 'serial:r', timeMs: 1 };
    const entropy = Buffer.alloc(64, 7);
    expect(cloneStart(start, withNics, entropy)).toEqual({
      ...start,
      entropy,
      macs: ['eth0 52:54:00:12:34:56', 'eth1 52:54:00:12:34:57'],
    });
    expect(cloneStart(start, machine, entropy).macs).toEqual([]);
  });

  it('clones only machines whose disks all fit the capacity the template made its clones believe', () => {
    const gib = 1024 ** 3;
    // The largest volume berth makes, a 10 GiB writable layer and an image fit.
    expect(cloneable([300 * 1024 * 1024, 10 * gib, VOLUME_MAX_GIB * gib])).toBe(true);
    expect(cloneable([PLACEHOLDER_DISK_BYTES])).toBe(true);
    expect(cloneable([1024, PLACEHOLDER_DISK_BYTES + 512])).toBe(false);
  });
});
