import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const env = { BERTH_OPERATOR_TOKEN: 'op' };
const tenant = (id: string) => ({
  id,
  name: 'acme',
  state: 'active',
  createdAt: NOW.toISOString(),
  suspendedAt: null,
});

describe('berth admin tenants reactivate', () => {
  it('posts reactivate for each tenant and prints its new state', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/admin/tenants/ten_1/reactivate', tenant('ten_1'))
      .on('POST', '/v1/admin/tenants/ten_2/reactivate', tenant('ten_2'));
    const res = await runBerth(['admin', 'tenants', 'reactivate', 'ten_1', 'ten_2'], { berth, env });
    expect(res).toMatchObject({ code: 0, stdout: 'ten_1 active\nten_2 active\n' });
    const json = await runBerth(['admin', 'tenants', 'reactivate', '--json', 'ten_1'], { berth, env });
    expect(JSON.parse(json.stdout)).toEqual([tenant('ten_1')]);
  });

  it('an unknown tenant: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/admin/tenants/ten_9/reactivate',
      apiError(404, 'tenant/not_found', 'no such tenant'),
    );
    expect(await runBerth(['admin', 'tenants', 'reactivate', 'ten_9'], { berth, env })).toMatchObject({
      code: 1,
      stderr: 'Error: tenant/not_found: no such tenant\n',
    });
  });
});
