import { kernelCommandLine, qemuArgs } from './qemu-args';

const base = {
  name: 'ctr_x',
  dir: '/var/lib/berth/m/ctr_x',
  vcpu: 2,
  memoryMib: 256,
  kernel: '/k/vmlinux',
  initrd: '/k/initramfs.cpio',
  disks: [
    { serial: 'berth-root', file: '/img/rootfs.erofs', readOnly: true },
    { serial: 'berth-rw', file: '/m/rw.ext4', readOnly: false },
  ],
};

describe('qemuArgs', () => {
  it('builds a TCG microvm with PVH kernel, initramfs, agent port, QMP and disks by serial', () => {
    const a = qemuArgs({ ...base, accel: 'tcg' }).join(' ');
    expect(a).toContain('-accel tcg,tb-size=32 -M microvm');
    expect(a).toContain('-m 256M -smp 2');
    expect(a).toContain('-kernel /k/vmlinux -initrd /k/initramfs.cpio');
    expect(a).toContain('tsc_early_khz=2000000');
    expect(a).toContain('-no-reboot');
    expect(a).toContain('-qmp unix:/var/lib/berth/m/ctr_x/qmp.sock,server=on,wait=off');
    expect(a).toContain('socket,id=agent,path=/var/lib/berth/m/ctr_x/agent.sock,server=on,wait=off');
    expect(a).toContain('virtserialport,chardev=agent,name=berth.0');
    expect(a).toContain('id=berth-root,file=/img/rootfs.erofs,format=raw,if=none,readonly=on');
    expect(a).toContain('id=berth-rw,file=/m/rw.ext4,format=raw,if=none,discard=unmap');
    expect(a).toContain('virtio-blk-device,drive=berth-rw,serial=berth-rw');
    expect(a).not.toContain('-cpu host');
  });

  it("tells a TCG guest's kernel the host's TSC rate", () => {
    expect(qemuArgs({ ...base, accel: 'tcg', tscKhz: 2_596_120 }).join(' ')).toContain(
      'tsc_early_khz=2596120',
    );
  });

  it('uses the host CPU and no TSC hints under KVM', () => {
    const a = qemuArgs({ ...base, accel: 'kvm' }).join(' ');
    expect(a).toContain('-accel kvm -M microvm -cpu host');
    expect(kernelCommandLine('kvm')).not.toContain('tsc_early_khz');
  });

  it('names each drive after its serial, so QMP can address a volume for a live snapshot', () => {
    const disks = [...base.disks, { serial: 'berth-vol0', file: '/pool/volumes/vol_x.raw', readOnly: false }];
    const a = qemuArgs({ ...base, disks, accel: 'tcg' }).join(' ');
    expect(a).toContain('-drive id=berth-vol0,file=/pool/volumes/vol_x.raw,format=raw,if=none,discard=unmap');
    expect(a).toContain('-device virtio-blk-device,drive=berth-vol0,serial=berth-vol0');
  });

  it('adds a virtio-net device per tap', () => {
    const a = qemuArgs({ ...base, accel: 'tcg', taps: [{ ifname: 'tap0', mac: '52:54:00:00:00:01' }] }).join(
      ' ',
    );
    expect(a).toContain('-netdev tap,id=net0,ifname=tap0,script=no,downscript=no');
    expect(a).toContain('virtio-net-device,netdev=net0,mac=52:54:00:00:00:01');
  });
});
