import { guestDisks, machineDisks } from './disk-recipe';

const volumes = [
  { serial: 'berth-vol0', path: '/data', file: '/pool/volumes/vol_a.raw' },
  { serial: 'berth-vol1', path: '/cache', file: '/pool/volumes/vol_b.raw' },
];

describe('the disk recipe', () => {
  it("gives QEMU the image's root read-only, then the writable layer and the volumes writable", () => {
    expect(machineDisks('/img/rootfs.erofs', '/m/ctr_a/rw.ext4', volumes)).toEqual([
      { serial: 'berth-root', file: '/img/rootfs.erofs', readOnly: true },
      { serial: 'berth-rw', file: '/m/ctr_a/rw.ext4', readOnly: false },
      { serial: 'berth-vol0', file: '/pool/volumes/vol_a.raw', readOnly: false },
      { serial: 'berth-vol1', file: '/pool/volumes/vol_b.raw', readOnly: false },
    ]);
    expect(machineDisks('/img/rootfs.erofs', '/m/ctr_a/rw.ext4')).toHaveLength(2);
  });

  it('tells the guest the same disks by serial, and mounts each volume as ext4 at its path', () => {
    expect(guestDisks(volumes)).toEqual({
      rootReadOnlyDevice: 'serial:berth-root',
      rootWritableDevice: 'serial:berth-rw',
      mounts: [
        { device: 'serial:berth-vol0', path: '/data', fstype: 'ext4' },
        { device: 'serial:berth-vol1', path: '/cache', fstype: 'ext4' },
      ],
    });
    expect(guestDisks().mounts).toEqual([]);
  });
});
