import { copiedPagesMib, parseSmaps, parseSmapsRollup, tcgCodeMib } from './memory';

const ROLLUP = `557f4aef6000-7ffe6d2e6000 ---p 00000000 00:00 0                          [rollup]
Rss:               65536 kB
Pss:               20480 kB
Pss_Dirty:          4096 kB
Pss_Anon:           4096 kB
Pss_File:           1024 kB
Pss_Shmem:         15360 kB
Shared_Clean:      61440 kB
SwapPss:               0 kB
`;

describe('parseSmapsRollup', () => {
  it('reads Rss, Pss and its anonymous, file and tmpfs parts in MiB (not Pss_Dirty or SwapPss)', () => {
    expect(parseSmapsRollup(ROLLUP)).toEqual({
      rssMib: 64,
      pssMib: 20,
      pssAnonMib: 4,
      pssFileMib: 1,
      pssShmemMib: 15,
    });
  });
  it('refuses a text without Pss rather than report zero', () => {
    expect(() => parseSmapsRollup('Rss:  100 kB\nPss_Anon:  10 kB\n')).toThrow('smaps_rollup has no Pss');
  });
});

const SMAPS = `55d0c0a1a000-55d0c0b1a000 r-xp 00000000 08:01 1234                       /usr/bin/qemu-system-x86_64
Rss:                4096 kB
Anonymous:             0 kB
7f0000000000-7f0004000000 rw-p 00000000 00:1a 99                         /dev/shm/t/abc/memory
Rss:               30720 kB
Anonymous:         12288 kB
7f0004000000-7f0006000000 rwxp 00000000 00:00 0 
Rss:               22528 kB
Anonymous:         22528 kB
7f0006000000-7f0006100000 rw-p 04000000 00:1a 99                         /dev/shm/t/abc/memory (deleted)
Anonymous:          1024 kB
7f0007000000-7f0007100000 rw-p 00000000 00:00 0                          [heap]
Rss:                6144 kB
Anonymous:          6144 kB
`;

describe('parseSmaps', () => {
  it('reads each mapping: its permissions, its file (without " (deleted)"), Rss and Anonymous', () => {
    const maps = parseSmaps(SMAPS);
    expect(maps).toHaveLength(5);
    expect(maps[1]).toEqual({
      perms: 'rw-p',
      path: '/dev/shm/t/abc/memory',
      rssKib: 30720,
      anonymousKib: 12288,
    });
    expect(maps[2]).toMatchObject({ perms: 'rwxp', path: '' });
    expect(maps[3]).toMatchObject({ path: '/dev/shm/t/abc/memory', rssKib: 0, anonymousKib: 1024 });
  });
});

describe('copiedPagesMib', () => {
  it("sums the anonymous pages of the template file's mappings only (QEMU's own are elsewhere)", () => {
    expect(copiedPagesMib(parseSmaps(SMAPS), '/dev/shm/t/abc/memory')).toBe(13);
  });
  it('answers 0 for a process that does not map the file (a cold VM)', () => {
    expect(copiedPagesMib(parseSmaps(SMAPS), '/dev/shm/t/other/memory')).toBe(0);
  });
});

describe('tcgCodeMib', () => {
  it("counts anonymous executable memory only: not QEMU's binary, its heap or guest RAM", () => {
    expect(tcgCodeMib(parseSmaps(SMAPS))).toBe(22);
  });
});
