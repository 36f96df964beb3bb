import { execFileSync } from 'node:child_process';
import { migrationOutcome, shellWord } from './qmp-template';

describe('QMP template state', () => {
  it('quotes a path as one shell word, whatever it holds', () => {
    for (const p of ['/dev/shm/t/state', "/tmp/it's here/$HOME `x`"]) {
      expect(execFileSync('sh', ['-c', `printf %s ${shellWord(p)}`], { encoding: 'utf8' })).toBe(p);
    }
  });

  it("reads a migration's outcome from query-migrate", () => {
    expect(migrationOutcome({ status: 'active' })).toBe('going');
    expect(migrationOutcome({})).toBe('going');
    expect(migrationOutcome({ status: 'completed' })).toBe('completed');
    expect(migrationOutcome({ status: 'failed', 'error-desc': 'Not a migration stream' })).toEqual({
      failed: 'Not a migration stream',
    });
    expect(migrationOutcome({ status: 'cancelled' })).toEqual({ failed: 'migration cancelled' });
  });
});
