import { readFileSync } from 'node:fs';

/** A process's memory as the kernel accounts it, in MiB. */
export interface ProcessMemory {
  /** Resident: every page it maps that is in RAM, shared ones counted in full. */
  readonly rssMib: number;
  /**
   * Proportional: each resident page divided by the number of processes mapping it, so that the PSS of
   * all clones of one template counts the template's shared pages once.
   */
  readonly pssMib: number;
  /** The PSS's split: anonymous pages (QEMU's heap, TCG code cache, a clone's copied-on-write RAM)... */
  readonly pssAnonMib: number;
  /** ...pages of files (QEMU's binary and libraries)... */
  readonly pssFileMib: number;
  /** ...and tmpfs pages (a template's RAM file, as long as the clone has not written to them). */
  readonly pssShmemMib: number;
}

/** RSS and PSS from the text of `/proc/<pid>/smaps_rollup` (kB figures). Pure. */
export function parseSmapsRollup(text: string): ProcessMemory {
  const kib = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
    if (!m) throw new Error(`smaps_rollup has no ${field}`);
    return Number(m[1]);
  };
  return {
    rssMib: kib('Rss') / 1024,
    pssMib: kib('Pss') / 1024,
    pssAnonMib: kib('Pss_Anon') / 1024,
    pssFileMib: kib('Pss_File') / 1024,
    pssShmemMib: kib('Pss_Shmem') / 1024,
  };
}

/** The memory of a running process (root reads any process's smaps_rollup). */
export function processMemory(pid: number): ProcessMemory {
  return parseSmapsRollup(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
}
