import { statSync } from 'node:fs';
import { apiError, FakeBerth, NOW, runBerth, TEST_KEY } from '../../testing/harness';

const keysPage = {
  data: [
    {
      id: 'key_1',
      name: 'first',
      prefix: 'bk_abcdefghij',
      createdAt: NOW.toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    },
  ],
  nextCursor: null,
};

describe('berth login', () => {
  it('checks the key from stdin against the API, then stores URL and key with mode 600', async () => {
    const berth = new FakeBerth().on('GET', '/v1/keys', keysPage);
    const res = await runBerth(['login', '--url', 'http://berth.test:8080/', '--key-stdin'], {
      berth,
      env: {},
      stdin: `${TEST_KEY}\n`,
    });
    expect(res.stderr).toContain('(mode 600)');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('Logged in to http://berth.test:8080 with key bk_abcdefghij (key_1, "first").\n');
    expect(berth.requests[0]).toMatchObject({
      path: '/v1/keys',
      token: TEST_KEY,
      baseUrl: 'http://berth.test:8080',
    });
    expect(res.store.read()).toEqual({ apiUrl: 'http://berth.test:8080', apiKey: TEST_KEY });
    expect(statSync(res.store.file).mode & 0o777).toBe(0o600);
    expect(statSync(res.store.dir).mode & 0o777).toBe(0o700);
  });

  it('asks for the key, hidden, on a terminal; the URL defaults to BERTH_API_URL', async () => {
    const berth = new FakeBerth().on('GET', '/v1/keys', keysPage);
    const res = await runBerth(['login'], {
      berth,
      env: { BERTH_API_URL: 'http://env.test' },
      tty: true,
      answers: [TEST_KEY],
    });
    expect(res.prompts).toEqual(['API key: ']);
    expect(res.store.read().apiUrl).toBe('http://env.test');
  });

  it('--operator stores an operator token after checking it against an admin route', async () => {
    const berth = new FakeBerth().on('GET', '/v1/admin/hosts', { data: [], nextCursor: null });
    const res = await runBerth(['login', '--operator', '--key', 'op-token', '--url', 'http://b.test'], {
      berth,
      env: {},
    });
    expect(res.code).toBe(0);
    expect(berth.requests[0]).toMatchObject({ token: 'op-token', query: { limit: 1 } });
    expect(res.store.read()).toEqual({ apiUrl: 'http://b.test', operatorToken: 'op-token' });
  });

  it('a refused key: the coded error, exit 1, nothing stored', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/keys',
      apiError(401, 'auth/unauthenticated', 'invalid API key'),
    );
    const res = await runBerth(['login', '--key', 'bk_bad_bad'], { berth, env: {} });
    expect(res).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: auth/unauthenticated: invalid API key\n',
    });
    expect(res.store.read()).toEqual({});
  });

  it('without a terminal or --key-stdin: exit 2 and how to pass the key', async () => {
    const res = await runBerth(['login'], { env: {} });
    expect(res).toMatchObject({
      code: 2,
      stderr: 'Error: cli/usage: no terminal to ask on: pipe it in with --key-stdin\n',
    });
    const bad = await runBerth(['login', '--url', 'ftp://x', '--key', 'k'], { env: {} });
    expect(bad.code).toBe(2);
  });

  it('HOST -u USER --password-stdin stores a registry login in berth', async () => {
    const berth = new FakeBerth().on('POST', '/v1/registry-credentials', {
      registry: 'reg.test:5000',
      username: 'alice',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    const res = await runBerth(['login', 'https://Reg.Test:5000/v2/', '-u', 'alice', '--password-stdin'], {
      berth,
      stdin: 'pa ss\n',
    });
    expect(res.code).toBe(0);
    expect(berth.requests[0]!.body).toEqual({
      registry: 'reg.test:5000',
      username: 'alice',
      password: 'pa ss',
    });
    expect(res.stdout).toContain('Stored the login for reg.test:5000 (user alice)');
  });

  it('registry login: prompts for what is missing on a terminal, warns about -p', async () => {
    const berth = new FakeBerth().on('POST', '/v1/registry-credentials', { registry: 'r', username: 'bob' });
    const asked = await runBerth(['login', 'r.test'], { berth, tty: true, answers: ['bob', 'pw'] });
    expect(asked.prompts).toEqual(['Username: ', 'Password: ']);
    expect(berth.requests[0]!.body).toEqual({ registry: 'r.test', username: 'bob', password: 'pw' });
    const flagged = await runBerth(['login', 'r.test', '-u', 'bob', '-p', 'pw'], { berth });
    expect(flagged.stderr).toContain('Warning: --password shows in your shell history');
  });

  it('mixing the two logins is a usage error', async () => {
    expect((await runBerth(['login', '-u', 'alice'])).code).toBe(2);
    const res = await runBerth(['login', 'reg.test', '--key', 'x']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/for `berth login` without a registry/);
  });
});
