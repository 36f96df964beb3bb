import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { HostLocalVolumeBackend } from './host-local.backend';
import { TerminalVolumeError } from '../../volumes/volume-backend';

jest.setTimeout(60_000);

const GIB = 1024 ** 3;
const VOL = 'vol_01jabcdefghjkmnpqrstvwxyz0';
const VOL2 = 'vol_01jabcdefghjkmnpqrstvwxyz1';
const VOL3 = 'vol_01jabcdefghjkmnpqrstvwxyz2';
const SNAP = 'snap_01jabcdefghjkmnpqrstvwxyz0';

/** The host-local backend on real files, with the real mkfs.ext4, qemu-img, e2fsck and resize2fs. */
describe('HostLocalVolumeBackend', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-pool-'));
  const scratch = mkdtempSync(path.join(tmpdir(), 'berth-pool-scratch-'));
  const backend = new HostLocalVolumeBackend({ dir });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  const dumpe2fs = (file: string) =>
    execFileSync('dumpe2fs', ['-h', file], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const write = (file: string, name: string, content: string) => {
    const src = path.join(scratch, name);
    writeFileSync(src, content);
    execFileSync('debugfs', ['-w', '-R', `write ${src} ${name}`, file], { stdio: 'pipe' });
  };
  const read = (file: string, name: string) =>
    execFileSync('debugfs', ['-R', `cat ${name}`, file], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

  it('makes a volume on first use: sparse, ext4, no reserved blocks; later uses keep its data', async () => {
    const drive = await backend.prepare({ id: VOL, sizeGib: 1 });
    expect(drive).toEqual({ kind: 'file', path: path.join(dir, 'volumes', `${VOL}.raw`), format: 'raw' });
    const st = statSync(drive.path);
    expect(st.size).toBe(GIB);
    expect(st.blocks * 512).toBeLessThan(64 * 1024 * 1024);
    const header = dumpe2fs(drive.path);
    expect(header).toMatch(/Filesystem volume name:\s+berth-volume/);
    expect(header).toMatch(/Reserved block count:\s+0\n/);

    write(drive.path, 'keep.txt', 'kept\n');
    await backend.prepare({ id: VOL, sizeGib: 1 });
    expect(read(drive.path, 'keep.txt')).toBe('kept\n');
    expect(existsSync(`${drive.path}.new`)).toBe(false);
  });

  it('replaces a half-made volume that a crash left, and removes one', async () => {
    const file = path.join(dir, 'volumes', `${VOL2}.raw`);
    writeFileSync(`${file}.new`, 'half a volume');
    await backend.prepare({ id: VOL2, sizeGib: 1 });
    expect(dumpe2fs(file)).toMatch(/Filesystem volume name:\s+berth-volume/);
    expect(existsSync(`${file}.new`)).toBe(false);
    writeFileSync(`${file}.new`, 'half a volume');
    await backend.remove(VOL2);
    expect(existsSync(`${file}.new`)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses anything but an id as a name, so no path leaves the pool', async () => {
    for (const id of ['../../etc/passwd', 'vol_x', `${VOL}/../x`, '']) {
      await expect(backend.prepare({ id, sizeGib: 1 })).rejects.toBeInstanceOf(TerminalVolumeError);
      await expect(backend.remove(id)).rejects.toBeInstanceOf(TerminalVolumeError);
    }
  });

  it('snapshots a detached volume into a small qcow2, and restores it (same size and larger)', async () => {
    const file = (await backend.prepare({ id: VOL, sizeGib: 1 })).path;
    write(file, 'data.txt', 'before the snapshot\n');
    const notRunning = { backupTo: () => Promise.resolve(false) };
    const snap = await backend.snapshot(SNAP, { id: VOL, sizeGib: 1 }, notRunning);
    expect(snap.live).toBe(false);
    expect(snap.storedBytes).toBeGreaterThan(0);
    expect(snap.storedBytes).toBeLessThan(64 * 1024 * 1024);
    // Taking it again is a no-op (a retried job).
    expect((await backend.snapshot(SNAP, { id: VOL, sizeGib: 1 }, null)).storedBytes).toBe(snap.storedBytes);
    write(file, 'data.txt', 'after the snapshot\n');

    await backend.restore(SNAP, { id: VOL2, sizeGib: 1 });
    const same = path.join(dir, 'volumes', `${VOL2}.raw`);
    expect(read(same, 'data.txt')).toBe('before the snapshot\n');
    expect(statSync(same).size).toBe(GIB);

    await backend.restore(SNAP, { id: VOL3, sizeGib: 3 });
    const grown = path.join(dir, 'volumes', `${VOL3}.raw`);
    expect(statSync(grown).size).toBe(3 * GIB);
    expect(Number(/Block count:\s+(\d+)/.exec(dumpe2fs(grown))?.[1])).toBe((3 * GIB) / 4096);
    expect(read(grown, 'data.txt')).toBe('before the snapshot\n');
    // Restoring onto an existing volume changes nothing (a retried job).
    write(grown, 'later.txt', 'x');
    await backend.restore(SNAP, { id: VOL3, sizeGib: 3 });
    expect(read(grown, 'later.txt')).toBe('x');
  });

  it('formats a never-used volume before snapshotting it, so the restore is mountable', async () => {
    const fresh = 'vol_01jabcdefghjkmnpqrstvwxyz3';
    const snap = 'snap_01jabcdefghjkmnpqrstvwxyz1';
    await backend.snapshot(snap, { id: fresh, sizeGib: 1 }, null);
    const restored = 'vol_01jabcdefghjkmnpqrstvwxyz4';
    await backend.restore(snap, { id: restored, sizeGib: 1 });
    expect(dumpe2fs(path.join(dir, 'volumes', `${restored}.raw`))).toMatch(/Filesystem state:\s+clean/);
  });

  it('says a missing snapshot cannot be restored, for good', async () => {
    await expect(
      backend.restore('snap_01jabcdefghjkmnpqrstvwxyz9', {
        id: 'vol_01jabcdefghjkmnpqrstvwxyz9',
        sizeGib: 1,
      }),
    ).rejects.toMatchObject({ code: 'snapshot/missing' });
  });

  it('lists what it holds, ignoring stray files, and removes idempotently', async () => {
    writeFileSync(path.join(dir, 'volumes', 'notes.txt'), 'not a volume');
    const before = await backend.inventory();
    expect(before.volumes).toEqual(expect.arrayContaining([VOL, VOL2, VOL3]));
    expect(before.volumes).not.toContain('notes');
    expect(before.snapshots).toContain(SNAP);
    await backend.remove(VOL2);
    await backend.remove(VOL2);
    await backend.removeSnapshot(SNAP);
    await backend.removeSnapshot(SNAP);
    const after = await backend.inventory();
    expect(after.volumes).not.toContain(VOL2);
    expect(after.snapshots).not.toContain(SNAP);
    expect(existsSync(path.join(dir, 'volumes', `${VOL2}.raw`))).toBe(false);
  });

  it("reports its filesystem's size as capacity unless told otherwise", async () => {
    expect(await backend.capacityGib()).toBeGreaterThan(0);
    expect(await new HostLocalVolumeBackend({ dir, capacityGib: 42 }).capacityGib()).toBe(42);
  });
});
