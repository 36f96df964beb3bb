import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { volume } from '../../testing/fixtures';

describe('berth volume create', () => {
  it('posts the name and --size as sizeGb, prints the id; --json prints the volume', async () => {
    const berth = new FakeBerth().on('POST', '/v1/volumes', volume({ sizeGb: 50 }));
    const res = await runBerth(['volume', 'create', 'pgdata', '--size', '50'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'vol_1\n', stderr: '' });
    expect(berth.requests[0]!.body).toEqual({ name: 'pgdata', sizeGb: 50 });
    const json = await runBerth(['volume', 'create', 'pgdata', '--json'], { berth });
    // No --size: berth's default (10 GB) applies.
    expect(berth.requests[1]!.body).toEqual({ name: 'pgdata' });
    expect(JSON.parse(json.stdout)).toEqual(volume({ sizeGb: 50 }));
  });

  it('a size that is not a whole number from 1: a usage error, exit 2, no request', async () => {
    for (const size of ['0', '1.5', 'big', '-3']) {
      const res = await runBerth(['volume', 'create', 'pgdata', '--size', size]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('--size must be a whole number from 1.');
      expect(res.berth.requests).toHaveLength(0);
    }
  });

  it('a name in use: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/volumes',
      apiError(409, 'volume/name_taken', 'a volume named pgdata already exists; pick another name'),
    );
    expect(await runBerth(['volume', 'create', 'pgdata'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: volume/name_taken: a volume named pgdata already exists; pick another name\n',
    });
  });

  it('without a name: a usage error, exit 2, no request', async () => {
    const res = await runBerth(['volume', 'create']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("missing required argument 'name'");
    expect(res.berth.requests).toHaveLength(0);
  });
});
