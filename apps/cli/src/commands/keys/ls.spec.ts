import { apiError, FakeBerth, NOW, runBerth, TEST_KEY } from '../../testing/harness';

const keys = [
  {
    id: 'key_1',
    name: 'first',
    prefix: 'bk_abcdefghij',
    createdAt: NOW.toISOString(),
    lastUsedAt: NOW.toISOString(),
    revokedAt: null,
  },
  {
    id: 'key_2',
    name: 'old',
    prefix: 'bk_0000000000',
    createdAt: NOW.toISOString(),
    lastUsedAt: null,
    revokedAt: NOW.toISOString(),
  },
];

describe('berth keys ls', () => {
  it('lists keys, marking the one this CLI uses and the revoked ones', async () => {
    expect(TEST_KEY.startsWith('bk_abcdefghij_')).toBe(true);
    const berth = new FakeBerth().on('GET', '/v1/keys', { data: keys, nextCursor: null });
    const res = await runBerth(['keys', 'ls'], { berth });
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KEY ID\s+NAME\s+PREFIX\s+CREATED\s+LAST USED\s+STATE$/);
    expect(lines[1]).toMatch(/active \(this CLI\)$/);
    expect(lines[2]).toMatch(/^key_2\s+old\s+bk_0000000000\s+.*\s+-\s+revoked Less than a second ago$/);
  });

  it('-q, --json, and the list alias', async () => {
    const berth = new FakeBerth().on('GET', '/v1/keys', { data: keys, nextCursor: null });
    expect((await runBerth(['keys', 'list', '-q'], { berth })).stdout).toBe('key_1\nkey_2\n');
    expect(JSON.parse((await runBerth(['keys', 'ls', '--json'], { berth })).stdout)).toEqual(keys);
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/keys',
      apiError(403, 'tenant/suspended', 'this tenant is suspended'),
    );
    expect(await runBerth(['keys', 'ls'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: tenant/suspended: this tenant is suspended\n',
    });
  });
});
