import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { snapshot } from '../../testing/fixtures';

describe('berth snapshot inspect', () => {
  it('prints snapshots as a JSON array; an unknown one: its error and exit 1', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/snapshots/nightly', snapshot())
      .on('GET', '/v1/snapshots/nope', apiError(404, 'snapshot/not_found', 'snapshot nope does not exist'));
    const ok = await runBerth(['snapshot', 'inspect', 'nightly'], { berth });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([snapshot()]);
    const mixed = await runBerth(['snapshot', 'inspect', 'nightly', 'nope'], { berth });
    expect(mixed.code).toBe(1);
    expect(JSON.parse(mixed.stdout)).toEqual([snapshot()]);
    expect(mixed.stderr).toBe('Error: snapshot/not_found: snapshot nope does not exist\n');
  });
});
