import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const revoked = (id: string, prefix: string) => ({
  id,
  name: 'k',
  prefix,
  createdAt: NOW.toISOString(),
  lastUsedAt: null,
  revokedAt: NOW.toISOString(),
});

describe('berth keys revoke', () => {
  it('deletes each key and prints its id', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/keys/key_2', revoked('key_2', 'bk_0000000000'))
      .on('DELETE', '/v1/keys/key_3', revoked('key_3', 'bk_1111111111'));
    const res = await runBerth(['keys', 'revoke', 'key_2', 'key_3'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'key_2\nkey_3\n', stderr: '' });
    const json = await runBerth(['keys', 'rm', '--json', 'key_2'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([revoked('key_2', 'bk_0000000000')]);
  });

  it("warns when the key revoked is the CLI's own", async () => {
    const berth = new FakeBerth().on('DELETE', '/v1/keys/key_1', revoked('key_1', 'bk_abcdefghij'));
    const res = await runBerth(['keys', 'revoke', 'key_1'], { berth });
    expect(res.stderr).toContain('key_1 was the key this CLI uses');
  });

  it('an unknown key: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'DELETE',
      '/v1/keys/key_9',
      apiError(404, 'api_key/not_found', 'no such key'),
    );
    expect(await runBerth(['keys', 'revoke', 'key_9'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: api_key/not_found: no such key\n',
    });
  });
});
