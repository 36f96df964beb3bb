import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { ConfigStore } from '../../config/config-store';

describe('berth logout', () => {
  it('deletes the stored config', async () => {
    // Log in first, in the same temp HOME, by writing what login would.
    const first = await runBerth(['logout'], { env: {} });
    expect(first.stdout).toMatch(/^Not logged in \(no .*config\.json\)\.\n$/);
    const store = new ConfigStore(first.store.dir);
    store.write({ apiUrl: 'http://b.test', apiKey: 'bk_x' });
    const again = await runBerth(['logout'], {
      env: { HOME: first.store.dir.replace(/\/\.config\/berth$/, '') },
    });
    expect(again.stdout).toBe(`Removed ${store.file}.\n`);
    expect(store.read()).toEqual({});
  });

  it('HOST forgets the registry login in berth', async () => {
    const berth = new FakeBerth().on('DELETE', '/v1/registry-credentials/reg.test%3A5000', {
      registry: 'reg.test:5000',
      username: 'alice',
    });
    const res = await runBerth(['logout', 'reg.test:5000'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'Removed the login for reg.test:5000.\n' });
  });

  it('an unknown registry: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'DELETE',
      '/v1/registry-credentials/nope.test',
      apiError(404, 'registry_credential/not_found', 'no login for nope.test'),
    );
    expect(await runBerth(['logout', 'nope.test'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: registry_credential/not_found: no login for nope.test\n',
    });
  });
});
