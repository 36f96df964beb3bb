import { backupProgress } from './qmp-backup';

describe('backupProgress', () => {
  it('follows the job by its id until QEMU says it concluded, with or without an error', () => {
    const other = { id: 'backup-other', status: 'concluded', error: 'not ours' };
    expect(backupProgress([other, { id: 'backup-1', status: 'running' }], 'backup-1')).toEqual({
      done: false,
    });
    expect(backupProgress([{ id: 'backup-1', status: 'concluded' }], 'backup-1')).toEqual({
      done: true,
      error: null,
    });
    expect(
      backupProgress([{ id: 'backup-1', status: 'concluded', error: 'No space left' }], 'backup-1'),
    ).toEqual({
      done: true,
      error: 'No space left',
    });
  });

  it('fails when the job is no longer listed', () => {
    expect(() => backupProgress([], 'backup-1')).toThrow(/vanished/);
  });
});
