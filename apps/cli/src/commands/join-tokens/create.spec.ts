import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const env = { BERTH_OPERATOR_TOKEN: 'op' };
const created = {
  id: 'jtk_1',
  prefix: 'bj_zzzzzzzzzz',
  description: 'rack 4',
  hostId: null,
  createdAt: NOW.toISOString(),
  expiresAt: '2026-01-03T03:04:05.000Z',
  lastUsedAt: null,
  token: 'bj_zzzzzzzzzz_secret',
};

describe('berth admin join-tokens create', () => {
  it('posts the TTL in seconds and the description, with the operator token, and shows the token once', async () => {
    const berth = new FakeBerth().on('POST', '/v1/admin/join-tokens', created);
    const res = await runBerth(['admin', 'join-tokens', 'create', '--ttl', '1d', '--description', 'rack 4'], {
      berth,
      env,
    });
    expect(berth.requests[0]).toMatchObject({
      token: 'op',
      body: { ttlSeconds: 86_400, description: 'rack 4' },
    });
    expect(res).toMatchObject({
      code: 0,
      stdout:
        'Created join token jtk_1, expires 2026-01-03T03:04:05.000Z. The token, shown this once:\n' +
        "bj_zzzzzzzzzz_secret\nStart a new host's agent with BERTH_AGENT_JOIN_TOKEN set to it.\n",
    });
  });

  it('without flags posts an empty body (the API picks the TTL); -q prints the token, --json all', async () => {
    const berth = new FakeBerth().on('POST', '/v1/admin/join-tokens', created);
    expect((await runBerth(['admin', 'join-tokens', 'create', '-q'], { berth, env })).stdout).toBe(
      'bj_zzzzzzzzzz_secret\n',
    );
    expect(berth.requests[0]!.body).toEqual({});
    const json = await runBerth(['admin', 'join-tokens', 'create', '--json'], { berth, env });
    expect(JSON.parse(json.stdout)).toEqual(created);
  });

  it('refuses a TTL that is not a duration before calling berth (exit 2)', async () => {
    const berth = new FakeBerth();
    const res = await runBerth(['admin', 'join-tokens', 'create', '--ttl', 'soon'], { berth, env });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/"soon" is not a duration/);
    expect(berth.requests).toEqual([]);
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/admin/join-tokens',
      apiError(400, 'request/invalid', 'ttlSeconds must not be greater than 31536000'),
    );
    expect(await runBerth(['admin', 'join-tokens', 'create', '--ttl', '400d'], { berth, env })).toMatchObject(
      {
        code: 1,
        stderr: 'Error: request/invalid: ttlSeconds must not be greater than 31536000\n',
      },
    );
  });
});
