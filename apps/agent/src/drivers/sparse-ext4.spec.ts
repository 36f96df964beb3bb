import { growExt4Commands, inProgressPath, sparseExt4Commands } from './sparse-ext4';

const GIB = 1024 ** 3;

describe('sparseExt4Commands', () => {
  it('makes a hole of the full size, then a lazily initialised ext4 that writes no more than it must', () => {
    expect(sparseExt4Commands('/m/rw.ext4.new', { sizeBytes: 10 * GIB, label: 'berth-rw' })).toEqual([
      { file: 'truncate', args: ['-s', String(10 * GIB), '/m/rw.ext4.new'] },
      {
        file: 'mkfs.ext4',
        args: [
          '-q',
          '-F',
          '-L',
          'berth-rw',
          '-E',
          'lazy_itable_init=1,lazy_journal_init=1,nodiscard',
          '/m/rw.ext4.new',
        ],
      },
    ]);
  });

  it('reserves the blocks it is told to (none, for a volume), and mkfs decides when it is not told', () => {
    const volume = sparseExt4Commands('/v.raw', {
      sizeBytes: GIB,
      label: 'berth-volume',
      reservedPercent: 0,
    });
    expect(volume[1]?.args).toEqual(expect.arrayContaining(['-m', '0', '-L', 'berth-volume']));
    const layer = sparseExt4Commands('/rw', { sizeBytes: GIB, label: 'berth-rw' });
    expect(layer[1]?.args).not.toContain('-m');
  });
});

describe('growExt4Commands', () => {
  it('grows the file, replays the journal (exit 1 means it fixed something), then grows the filesystem', () => {
    expect(growExt4Commands('/v.raw.new', 3 * GIB)).toEqual([
      { file: 'truncate', args: ['-s', String(3 * GIB), '/v.raw.new'] },
      { file: 'e2fsck', args: ['-f', '-y', '/v.raw.new'], alsoSucceedsWith: [1] },
      { file: 'resize2fs', args: ['-f', '/v.raw.new'] },
    ]);
  });
});

describe('inProgressPath', () => {
  it('is a sibling of the image, so the rename into place stays on one filesystem', () => {
    expect(inProgressPath('/pool/volumes/vol_x.raw')).toBe('/pool/volumes/vol_x.raw.new');
  });
});
