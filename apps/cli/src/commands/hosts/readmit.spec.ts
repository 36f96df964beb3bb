import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const env = { BERTH_OPERATOR_TOKEN: 'op' };
const created = {
  id: 'jtk_1',
  prefix: 'bj_zzzzzzzzzz',
  description: 're-admission of host host-a',
  hostId: 'hst_1',
  createdAt: NOW.toISOString(),
  expiresAt: '2026-01-02T04:04:05.000Z',
  lastUsedAt: null,
  token: 'bj_zzzzzzzzzz_secret',
};

describe('berth admin hosts readmit', () => {
  it('posts readmit for the host (by name) and prints the one-time token', async () => {
    const berth = new FakeBerth().on('POST', '/v1/admin/hosts/host-a/readmit', created);
    const res = await runBerth(['admin', 'hosts', 'readmit', 'host-a'], { berth, env });
    expect(berth.requests[0]).toMatchObject({ token: 'op', body: {} });
    expect(res).toMatchObject({
      code: 0,
      stdout:
        'Re-admission token for host host-a (hst_1), usable once until 2026-01-02T04:04:05.000Z:\n' +
        "bj_zzzzzzzzzz_secret\nStart the host's agent with BERTH_AGENT_JOIN_TOKEN set to it.\n",
    });
  });

  it('--ttl is sent in seconds; -q prints the token only; --json all', async () => {
    const berth = new FakeBerth().on('POST', '/v1/admin/hosts/hst_1/readmit', created);
    const quiet = await runBerth(['admin', 'hosts', 'readmit', 'hst_1', '--ttl', '30m', '-q'], {
      berth,
      env,
    });
    expect(quiet.stdout).toBe('bj_zzzzzzzzzz_secret\n');
    expect(berth.requests[0]!.body).toEqual({ ttlSeconds: 1800 });
    const json = await runBerth(['admin', 'hosts', 'readmit', 'hst_1', '--json'], { berth, env });
    expect(JSON.parse(json.stdout)).toEqual(created);
  });

  it('an unknown host: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/admin/hosts/nope/readmit',
      apiError(404, 'host/not_found', 'host nope does not exist'),
    );
    expect(await runBerth(['admin', 'hosts', 'readmit', 'nope'], { berth, env })).toMatchObject({
      code: 1,
      stderr: 'Error: host/not_found: host nope does not exist\n',
    });
  });
});
