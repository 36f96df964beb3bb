import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import {
  TerminalVolumeError,
  type DriveSource,
  type LiveDisk,
  type VolumeBackend,
  type VolumeRef,
} from '../../volumes/volume-backend';
import { pathExists } from '../../util/path-exists';
import { ensureSparseExt4, growExt4, inProgressPath } from '../sparse-ext4';

const run = promisify(execFile);
const GIB = 1024 ** 3;
const ID = /^(vol|snap)_[0-9a-z]{26}$/;

export interface HostLocalOptions {
  readonly dir: string;
  /** Overrides the size of the pool's filesystem. */
  readonly capacityGib?: number | null;
}

/**
 * Volumes as sparse raw files in a pool directory (`volumes/<id>.raw`), snapshots as qcow2 files
 * beside them (`snapshots/<id>.qcow2`), which store only the clusters that hold data. A volume costs
 * the host what the workload wrote, not its size; snapshots likewise.
 */
export class HostLocalVolumeBackend implements VolumeBackend {
  readonly name = 'host-local';

  constructor(private readonly opts: HostLocalOptions) {}

  async capacityGib(): Promise<number> {
    if (this.opts.capacityGib != null) return this.opts.capacityGib;
    // Asked on every heartbeat: make the pool's directories only when they are not there yet.
    const s = await statfs(this.opts.dir).catch(async (err: unknown) => {
      if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
      await this.dirs();
      return statfs(this.opts.dir);
    });
    return Math.floor((s.blocks * s.bsize) / GIB);
  }

  volumePath(id: string): string {
    return path.join(this.opts.dir, 'volumes', `${checkId(id)}.raw`);
  }

  snapshotPath(id: string): string {
    return path.join(this.opts.dir, 'snapshots', `${checkId(id)}.qcow2`);
  }

  async prepare(v: VolumeRef): Promise<DriveSource> {
    const file = this.volumePath(v.id);
    if (!(await pathExists(file))) {
      await this.dirs();
      // No reserved blocks: the whole volume is the tenant's.
      await ensureSparseExt4(file, { sizeBytes: v.sizeGib * GIB, label: 'berth-volume', reservedPercent: 0 });
    }
    return { kind: 'file', path: file, format: 'raw' };
  }

  async remove(volumeId: string): Promise<void> {
    const file = this.volumePath(volumeId);
    await rm(inProgressPath(file), { force: true });
    await rm(file, { force: true });
  }

  async snapshot(
    snapshotId: string,
    v: VolumeRef,
    live: LiveDisk | null,
  ): Promise<{ storedBytes: number; live: boolean }> {
    const target = this.snapshotPath(snapshotId);
    if (await pathExists(target)) return { storedBytes: await allocatedBytes(target), live: false };
    // A volume never used yet is formatted first, so that its snapshot restores to a mountable volume.
    const source = await this.prepare(v);
    const tmp = inProgressPath(target);
    await rm(tmp, { force: true });
    let wasLive = false;
    if (live) wasLive = await live.backupTo(tmp);
    if (!wasLive) {
      // qemu-img takes QEMU's image lock: if a machine starts on the volume meanwhile, this fails and
      // the job is retried (and then copies live).
      await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', source.path, tmp]);
    }
    await rename(tmp, target);
    return { storedBytes: await allocatedBytes(target), live: wasLive };
  }

  async removeSnapshot(snapshotId: string): Promise<void> {
    const file = this.snapshotPath(snapshotId);
    await rm(inProgressPath(file), { force: true });
    await rm(file, { force: true });
  }

  async restore(snapshotId: string, v: VolumeRef): Promise<void> {
    const file = this.volumePath(v.id);
    if (await pathExists(file)) return;
    const snapshot = this.snapshotPath(snapshotId);
    if (!(await pathExists(snapshot))) {
      throw new TerminalVolumeError('snapshot/missing', `snapshot ${snapshotId} is not on this host`);
    }
    await this.dirs();
    const tmp = inProgressPath(file);
    await rm(tmp, { force: true });
    // Raw output is sparse: runs of zeroes are skipped, not written.
    await run('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', snapshot, tmp]);
    const want = v.sizeGib * GIB;
    // A live snapshot is crash-consistent: growExt4 replays its journal before growing the filesystem.
    if ((await stat(tmp)).size < want) await growExt4(tmp, want);
    await rename(tmp, file);
  }

  async inventory(): Promise<{ volumes: string[]; snapshots: string[] }> {
    const list = async (sub: string, ext: string) => {
      try {
        return (await readdir(path.join(this.opts.dir, sub)))
          .filter((n) => n.endsWith(ext))
          .map((n) => n.slice(0, -ext.length))
          .filter((id) => ID.test(id));
      } catch {
        return [];
      }
    };
    return { volumes: await list('volumes', '.raw'), snapshots: await list('snapshots', '.qcow2') };
  }

  private async dirs(): Promise<void> {
    await mkdir(path.join(this.opts.dir, 'volumes'), { recursive: true, mode: 0o700 });
    await mkdir(path.join(this.opts.dir, 'snapshots'), { recursive: true, mode: 0o700 });
  }
}

function checkId(id: string): string {
  // Ids come from the API; this keeps any other string from naming a path outside the pool.
  if (!ID.test(id))
    throw new TerminalVolumeError('volume/bad_id', `"${id.slice(0, 40)}" is not a volume or snapshot id`);
  return id;
}

async function allocatedBytes(p: string): Promise<number> {
  return (await stat(p)).blocks * 512;
}
