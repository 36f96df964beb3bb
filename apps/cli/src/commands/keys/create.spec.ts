import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const key = {
  id: 'key_1',
  name: 'ci',
  prefix: 'bk_zzzzzzzzzz',
  createdAt: NOW.toISOString(),
  lastUsedAt: null,
  revokedAt: null,
  secret: 'bk_zzzzzzzzzz_secret',
};

describe('berth keys create', () => {
  it('posts the name and shows the secret once', async () => {
    const berth = new FakeBerth().on('POST', '/v1/keys', key);
    const res = await runBerth(['keys', 'create', '--name', 'ci'], { berth });
    expect(berth.requests[0]!.body).toEqual({ name: 'ci' });
    expect(res.stdout).toBe(
      'Created API key key_1 (ci). Its secret, shown this once:\nbk_zzzzzzzzzz_secret\n',
    );
  });

  it('without --name posts an empty body; -q prints the secret, --json the key', async () => {
    const berth = new FakeBerth().on('POST', '/v1/keys', key);
    expect((await runBerth(['keys', 'create', '-q'], { berth })).stdout).toBe('bk_zzzzzzzzzz_secret\n');
    expect(berth.requests[0]!.body).toEqual({});
    expect(JSON.parse((await runBerth(['keys', 'create', '--json'], { berth })).stdout)).toEqual(key);
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/keys',
      apiError(400, 'request/invalid', 'name must be shorter'),
    );
    expect(await runBerth(['keys', 'create', '--name', 'x'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: request/invalid: name must be shorter\n',
    });
  });
});
