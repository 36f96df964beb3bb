import { readCliEnv } from './cli-env';
import { runBerth, FakeBerth } from '../testing/harness';

describe('readCliEnv', () => {
  it('reads the BERTH_* variables, ignoring blank ones', () => {
    const env = readCliEnv({
      HOME: '/h',
      BERTH_API_URL: ' http://b.test ',
      BERTH_API_KEY: '',
      BERTH_OPERATOR_TOKEN: 'op',
    });
    expect(env).toMatchObject({
      apiUrl: 'http://b.test',
      apiKey: undefined,
      operatorToken: 'op',
      plain: false,
    });
    expect(env.lookup('HOME')).toBe('/h');
  });

  it('CI, NO_COLOR and TERM=dumb ask for plain output (no spinners)', () => {
    expect(readCliEnv({ HOME: '/h', CI: 'true' }).plain).toBe(true);
    expect(readCliEnv({ HOME: '/h', CI: 'false' }).plain).toBe(false);
    expect(readCliEnv({ HOME: '/h', NO_COLOR: '' }).plain).toBe(true);
    expect(readCliEnv({ HOME: '/h', TERM: 'dumb' }).plain).toBe(true);
  });
});

describe('settings precedence', () => {
  it('BERTH_API_URL and BERTH_API_KEY win over the stored login', async () => {
    const berth = new FakeBerth().on('GET', '/v1/images', { data: [], nextCursor: null });
    // First run: store a login in a temp HOME, through the store runBerth made.
    const first = await runBerth(['images', '-q'], {
      berth,
      env: { BERTH_API_KEY: 'bk_env', BERTH_API_URL: 'http://env.test' },
    });
    expect(berth.requests[0]).toMatchObject({ token: 'bk_env', baseUrl: 'http://env.test' });
    first.store.write({ apiUrl: 'http://stored.test', apiKey: 'bk_stored' });
    const home = first.store.dir.replace(/\/\.config\/berth$/, '');
    await runBerth(['images', '-q'], { berth, env: { HOME: home } });
    expect(berth.requests[1]).toMatchObject({ token: 'bk_stored', baseUrl: 'http://stored.test' });
    await runBerth(['images', '-q'], { berth, env: { HOME: home, BERTH_API_KEY: 'bk_env' } });
    expect(berth.requests[2]).toMatchObject({ token: 'bk_env', baseUrl: 'http://stored.test' });
  });
});
