import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const tenants = [
  { id: 'ten_1', name: 'acme', state: 'active', createdAt: NOW.toISOString(), suspendedAt: null },
];
const env = { BERTH_OPERATOR_TOKEN: 'op' };

describe('berth admin tenants ls', () => {
  it('lists tenants in a table, -q ids, --json the views', async () => {
    const berth = new FakeBerth().on('GET', '/v1/admin/tenants', { data: tenants, nextCursor: null });
    const table = await runBerth(['admin', 'tenants', 'ls'], { berth, env });
    expect(table.stdout).toMatch(/^TENANT ID\s+NAME\s+STATE\s+CREATED\nten_1\s+acme\s+active\s+/);
    expect(berth.requests[0]!.token).toBe('op');
    expect((await runBerth(['admin', 'tenants', 'ls', '-q'], { berth, env })).stdout).toBe('ten_1\n');
    expect(JSON.parse((await runBerth(['admin', 'tenants', 'ls', '--json'], { berth, env })).stdout)).toEqual(
      tenants,
    );
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/admin/tenants',
      apiError(401, 'auth/unauthenticated', 'invalid operator token'),
    );
    expect(await runBerth(['admin', 'tenants', 'ls'], { berth, env })).toMatchObject({
      code: 1,
      stderr: 'Error: auth/unauthenticated: invalid operator token\n',
    });
  });
});
