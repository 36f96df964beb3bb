import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { volume } from '../../testing/fixtures';

describe('berth volume inspect', () => {
  it('prints volumes as a JSON array; an unknown one: its error and exit 1', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/volumes/pgdata', volume())
      .on('GET', '/v1/volumes/vol_2', volume({ id: 'vol_2', name: 'b' }))
      .on('GET', '/v1/volumes/nope', apiError(404, 'volume/not_found', 'volume nope does not exist'));
    const ok = await runBerth(['volume', 'inspect', 'pgdata', 'vol_2'], { berth });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([volume(), volume({ id: 'vol_2', name: 'b' })]);
    const mixed = await runBerth(['volume', 'inspect', 'pgdata', 'nope'], { berth });
    expect(mixed.code).toBe(1);
    expect(JSON.parse(mixed.stdout)).toEqual([volume()]);
    expect(mixed.stderr).toBe('Error: volume/not_found: volume nope does not exist\n');
  });
});
