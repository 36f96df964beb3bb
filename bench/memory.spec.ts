import { parseSmapsRollup } from './memory';

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
