import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureSparseExt4, growExt4, inProgressPath } from './sparse-ext4';

jest.setTimeout(60_000);

const GIB = 1024 ** 3;

/** The helper with the real truncate, mkfs.ext4, e2fsck and resize2fs on real files. */
describe('sparse ext4 images', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'berth-sparse-ext4-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const header = (file: string) =>
    execFileSync('dumpe2fs', ['-h', file], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

  it('makes a sparse, labelled ext4 of the full size, leaving no half-made file', async () => {
    const file = path.join(dir, 'rw.ext4');
    expect(await ensureSparseExt4(file, { sizeBytes: 2 * GIB, label: 'berth-rw' })).toBe(true);
    const st = statSync(file);
    expect(st.size).toBe(2 * GIB);
    expect(st.blocks * 512).toBeLessThan(64 * 1024 * 1024);
    expect(header(file)).toMatch(/Filesystem volume name:\s+berth-rw/);
    // mkfs's default reserve (5 %) when none is asked for.
    expect(Number(/Reserved block count:\s+(\d+)/.exec(header(file))?.[1])).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual(['rw.ext4']);
  });

  it('reserves no blocks when told so', async () => {
    const file = path.join(dir, 'vol.raw');
    await ensureSparseExt4(file, { sizeBytes: GIB, label: 'berth-volume', reservedPercent: 0 });
    expect(header(file)).toMatch(/Reserved block count:\s+0\n/);
  });

  it('leaves an existing image as it is, and replaces a half-made one left by a crash', async () => {
    const file = path.join(dir, 'vol.raw');
    writeFileSync(inProgressPath(file), 'half an image');
    await ensureSparseExt4(file, { sizeBytes: GIB, label: 'berth-volume' });
    expect(existsSync(inProgressPath(file))).toBe(false);
    const before = header(file);
    expect(await ensureSparseExt4(file, { sizeBytes: 2 * GIB, label: 'other' })).toBe(false);
    expect(statSync(file).size).toBe(GIB);
    expect(header(file)).toBe(before);
  });

  it('grows an image and its filesystem', async () => {
    const file = path.join(dir, 'vol.raw');
    await ensureSparseExt4(file, { sizeBytes: GIB, label: 'berth-volume' });
    await growExt4(file, 3 * GIB);
    expect(statSync(file).size).toBe(3 * GIB);
    expect(Number(/Block count:\s+(\d+)/.exec(header(file))?.[1])).toBe((3 * GIB) / 4096);
  });
});
