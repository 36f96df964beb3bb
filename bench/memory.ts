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

/** One mapping of `/proc/<pid>/smaps`. */
export interface Mapping {
  readonly perms: string;
  /** The mapped file ("" for anonymous memory, "[heap]" and the like for the kernel's names). */
  readonly path: string;
  readonly rssKib: number;
  readonly anonymousKib: number;
}

/** The mappings of the text of `/proc/<pid>/smaps`. Pure. */
export function parseSmaps(smaps: string): Mapping[] {
  const out: { perms: string; path: string; rssKib: number; anonymousKib: number }[] = [];
  for (const line of smaps.split('\n')) {
    // A mapping's header: "start-end perms offset dev inode [path]"; its fields follow, "Name: value".
    const header = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      out.push({
        perms: header[1]!,
        path: header[2]!.replace(/ \(deleted\)$/, ''),
        rssKib: 0,
        anonymousKib: 0,
      });
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB$/.exec(line);
    const m = out.at(-1);
    if (field && m) {
      if (field[1] === 'Rss') m.rssKib += Number(field[2]);
      else m.anonymousKib += Number(field[2]);
    }
  }
  return out;
}

/**
 * MiB of private pages in the mappings of `file`: for a clone, whose guest RAM is the template's RAM
 * file mapped privately, the guest pages it has written and so copied (the rest of its anonymous
 * memory is QEMU's own).
 */
export function copiedPagesMib(mappings: readonly Mapping[], file: string): number {
  return mappings.filter((m) => m.path === file).reduce((s, m) => s + m.anonymousKib, 0) / 1024;
}

/**
 * MiB resident in anonymous executable mappings: in a QEMU under TCG, its translated-code cache
 * (`-accel tcg,tb-size=32`), private to each process whatever the guest shares.
 */
export function tcgCodeMib(mappings: readonly Mapping[]): number {
  return (
    mappings.filter((m) => m.path === '' && m.perms.includes('x')).reduce((s, m) => s + m.rssKib, 0) / 1024
  );
}

/** A running QEMU's mappings. */
export function processMappings(pid: number): Mapping[] {
  return parseSmaps(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
}
