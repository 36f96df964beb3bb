import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const env = { BERTH_OPERATOR_TOKEN: 'op' };
const tenant = (id: string) => ({
  id,
  name: 'acme',
  state: 'suspended',
  createdAt: NOW.toISOString(),
  suspendedAt: null,
});

describe('berth admin tenants suspend', () => {
  it('posts suspend for each tenant and prints its new state', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/admin/tenants/ten_1/suspend', tenant('ten_1'))
      .on('POST', '/v1/admin/tenants/ten_2/suspend', tenant('ten_2'));
    const res = await runBerth(['admin', 'tenants', 'suspend', 'ten_1', 'ten_2'], { berth, env });
    expect(res).toMatchObject({ code: 0, stdout: 'ten_1 suspended\nten_2 suspended\n' });
    const json = await runBerth(['admin', 'tenants', 'suspend', '--json', 'ten_1'], { berth, env });
    expect(JSON.parse(json.stdout)).toEqual([tenant('ten_1')]);
  });

  it('an unknown tenant: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/admin/tenants/ten_9/suspend',
      apiError(404, 'tenant/not_found', 'no such tenant'),
    );
    expect(await runBerth(['admin', 'tenants', 'suspend', 'ten_9'], { berth, env })).toMatchObject({
      code: 1,
      stderr: 'Error: tenant/not_found: no such tenant\n',
    });
  });
});
