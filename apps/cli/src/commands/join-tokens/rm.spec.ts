import { apiError, FakeBerth, runBerth } from '../../testing/harness';

const env = { BERTH_OPERATOR_TOKEN: 'op' };

describe('berth admin join-tokens rm', () => {
  it('deletes each token and prints its id', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/admin/join-tokens/jtk_1', undefined)
      .on('DELETE', '/v1/admin/join-tokens/jtk_2', undefined);
    const res = await runBerth(['admin', 'join-tokens', 'rm', 'jtk_1', 'jtk_2'], { berth, env });
    expect(res).toMatchObject({ code: 0, stdout: 'jtk_1\njtk_2\n' });
    expect(berth.requests.map((r) => [r.method, r.path, r.token])).toEqual([
      ['DELETE', '/v1/admin/join-tokens/jtk_1', 'op'],
      ['DELETE', '/v1/admin/join-tokens/jtk_2', 'op'],
    ]);
  });

  it('an unknown token: the coded error and exit 1, the others still deleted', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/admin/join-tokens/jtk_1', undefined)
      .on(
        'DELETE',
        '/v1/admin/join-tokens/jtk_9',
        apiError(404, 'join_token/not_found', 'join token jtk_9 does not exist'),
      );
    const res = await runBerth(['admin', 'join-tokens', 'rm', 'jtk_1', 'jtk_9'], { berth, env });
    expect(res).toMatchObject({ code: 1, stdout: 'jtk_1\n' });
    expect(res.stderr).toMatch(/join_token\/not_found: join token jtk_9 does not exist/);
  });
});
