import { FakeBerth, runBerth } from '../../testing/harness';

const env = { BERTH_OPERATOR_TOKEN: 'op' };
const tokens = [
  {
    id: 'jtk_1',
    prefix: 'bj_aaaaaaaaaa',
    description: 'rack 4',
    hostId: null,
    createdAt: '2026-01-01T03:04:05.000Z',
    expiresAt: '2026-01-03T03:04:05.000Z',
    lastUsedAt: '2026-01-02T02:04:05.000Z',
  },
  {
    id: 'jtk_2',
    prefix: 'bj_bbbbbbbbbb',
    description: 're-admission of host host-a',
    hostId: 'hst_1',
    createdAt: '2026-01-01T03:04:05.000Z',
    expiresAt: '2026-01-01T04:04:05.000Z',
    lastUsedAt: null,
  },
];

describe('berth admin join-tokens ls', () => {
  it('lists prefix, purpose, expiry and last use; -q and --json', async () => {
    const berth = new FakeBerth().on('GET', '/v1/admin/join-tokens', { data: tokens, nextCursor: null });
    const res = await runBerth(['admin', 'join-tokens', 'ls'], { berth, env });
    expect(berth.requests[0]!.token).toBe('op');
    expect(res.stdout).toMatch(/^TOKEN ID\s+PREFIX\s+FOR\s+EXPIRES\s+LAST USED\s+DESCRIPTION\n/);
    expect(res.stdout).toMatch(
      /jtk_1\s+bj_aaaaaaaaaa\s+new hosts\s+in 24 hours\s+About an hour ago\s+rack 4\n/,
    );
    expect(res.stdout).toMatch(
      /jtk_2\s+bj_bbbbbbbbbb\s+re-admit hst_1\s+expired 23 hours ago\s+-\s+re-admission of host host-a\n/,
    );
    expect(res.stdout).not.toMatch(/secret/);
    expect((await runBerth(['admin', 'join-tokens', 'ls', '-q'], { berth, env })).stdout).toBe(
      'jtk_1\njtk_2\n',
    );
    const json = await runBerth(['admin', 'join-tokens', 'ls', '--json'], { berth, env });
    expect(JSON.parse(json.stdout)).toEqual(tokens);
  });
});
