// The agent's own small files on its host (the state dir: identity, Redis login, taps it made). They are
// written here because only drivers write host files (eslint.config.mjs): every write the agent makes
// to its host has an owner under drivers/, and the stores above stay readers of what they keep.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

let writes = 0;

export interface StateFileModes {
  /** Mode of the directory when it has to be made (umask applies); left alone when it exists. */
  readonly dirMode?: number;
  /** Mode of the file written. */
  readonly fileMode?: number;
  /**
   * false: the directory must exist already, and the write fails (ENOENT) when it does not; for a
   * file that belongs to a directory someone may have removed on purpose (a deleted machine's).
   */
  readonly makeDir?: boolean;
}

/**
 * Writes `contents` to `file` through a temporary file renamed over it, so that a reader (or an agent
 * that crashed half-way) finds the old contents or the new ones, never a part. Makes the directory
 * (unless told not to: makeDir).
 * Idempotent: writing the same contents again leaves the same file.
 */
export async function writeStateFile(
  file: string,
  contents: string,
  modes: StateFileModes = {},
): Promise<void> {
  if (modes.makeDir !== false) await mkdir(path.dirname(file), { recursive: true, mode: modes.dirMode });
  // A temporary name per write: two writes of one file in flight must not rename each other's part.
  const tmp = `${file}.${process.pid}.${++writes}.tmp`;
  await writeFile(tmp, contents, { mode: modes.fileMode });
  await rename(tmp, file);
}

/** Removes `file`; one that is already gone is not an error. */
export async function removeStateFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
