// The one recipe for the ext4 images berth hands to microVMs: a container's writable layer and the
// host-local volumes. Both are sparse raw files, so a 10 GiB disk costs the host what was written.
import { execFile } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { pathExists } from '../util/path-exists';

const run = promisify(execFile);

export interface Command {
  readonly file: string;
  readonly args: readonly string[];
  /** Exit codes other than 0 that still mean success. */
  readonly alsoSucceedsWith?: readonly number[];
}

export interface SparseExt4 {
  readonly sizeBytes: number;
  /** The filesystem label (`berth-rw`, `berth-volume`). */
  readonly label: string;
  /** Blocks reserved for root, in percent; mkfs's default (5) when left out. A volume reserves none. */
  readonly reservedPercent?: number;
}

/** Where an image is built before it is renamed into place; a crash leaves this name, never a half image. */
export function inProgressPath(file: string): string {
  return `${file}.new`;
}

/**
 * The commands that make `file` a sparse ext4 image: truncate makes a hole of the full size, and
 * lazy init with nodiscard keeps mkfs from writing (or punching) the whole of it.
 */
export function sparseExt4Commands(file: string, fs: SparseExt4): Command[] {
  return [
    { file: 'truncate', args: ['-s', String(fs.sizeBytes), file] },
    {
      file: 'mkfs.ext4',
      args: [
        '-q',
        '-F',
        ...(fs.reservedPercent !== undefined ? ['-m', String(fs.reservedPercent)] : []),
        '-L',
        fs.label,
        '-E',
        'lazy_itable_init=1,lazy_journal_init=1,nodiscard',
        file,
      ],
    },
  ];
}

/**
 * The commands that grow the ext4 image `file` to `sizeBytes`, keeping its data. The filesystem is
 * checked first: a crash-consistent copy (a live snapshot) must replay its journal before resize2fs.
 */
export function growExt4Commands(file: string, sizeBytes: number): Command[] {
  return [
    { file: 'truncate', args: ['-s', String(sizeBytes), file] },
    // e2fsck exits 1 when it fixed something (a replayed journal): that is success here.
    { file: 'e2fsck', args: ['-f', '-y', file], alsoSucceedsWith: [1] },
    { file: 'resize2fs', args: ['-f', file] },
  ];
}

/**
 * Makes `file` a fresh sparse ext4 image unless it exists (idempotent: an existing image keeps its
 * data). Built under inProgressPath(file) and renamed, so `file` is either absent or whole.
 * Returns whether it made the image.
 */
export async function ensureSparseExt4(file: string, fs: SparseExt4): Promise<boolean> {
  if (await pathExists(file)) return false;
  const tmp = inProgressPath(file);
  await rm(tmp, { force: true });
  for (const command of sparseExt4Commands(tmp, fs)) await runCommand(command);
  await rename(tmp, file);
  return true;
}

/** Grows the ext4 image `file` to `sizeBytes` (see growExt4Commands). */
export async function growExt4(file: string, sizeBytes: number): Promise<void> {
  for (const command of growExt4Commands(file, sizeBytes)) await runCommand(command);
}

async function runCommand(c: Command): Promise<void> {
  try {
    await run(c.file, [...c.args]);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number' && c.alsoSucceedsWith?.includes(code)) return;
    throw err;
  }
}
