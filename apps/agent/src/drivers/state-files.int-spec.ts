import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { removeStateFile, writeStateFile } from './state-files';

describe('state files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'berth-state-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the directory with its mode and the file with its own, leaving no temporary file', async () => {
    const file = path.join(dir, 'state', 'host.json');
    await writeStateFile(file, '{"a":1}', { dirMode: 0o700, fileMode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}');
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(['host.json']);
  });

  it('replaces what was there', async () => {
    const file = path.join(dir, 'taps', 'ctr_x.json');
    await writeStateFile(file, '["a"]');
    await writeStateFile(file, '["b"]');
    expect(readFileSync(file, 'utf8')).toBe('["b"]');
  });

  it('keeps concurrent writes of one file apart: the file ends whole, as one of them wrote it', async () => {
    const file = path.join(dir, 'state.json');
    const contents = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ write: i, pad: 'x'.repeat(i * 100) }),
    );
    await Promise.all(contents.map((c) => writeStateFile(file, c)));
    expect(contents).toContain(readFileSync(file, 'utf8'));
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('fails, writing nothing, when told not to make a directory that is missing', async () => {
    const file = path.join(dir, 'removed', 'state.json');
    await expect(writeStateFile(file, 'x', { makeDir: false })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes a file, and a missing one is no error', async () => {
    const file = path.join(dir, 'gone.json');
    await writeStateFile(file, 'x');
    await removeStateFile(file);
    await removeStateFile(file);
    expect(readdirSync(dir)).toEqual([]);
  });
});
