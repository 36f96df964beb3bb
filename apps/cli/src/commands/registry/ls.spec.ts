import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const creds = [
  {
    registry: 'reg.test:5000',
    username: 'alice',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  },
];

describe('berth registry ls', () => {
  it('lists registry logins; -q hosts, --json the views', async () => {
    const berth = new FakeBerth().on('GET', '/v1/registry-credentials', { data: creds });
    expect((await runBerth(['registry', 'ls'], { berth })).stdout).toMatch(
      /^REGISTRY\s+USERNAME\s+UPDATED\nreg\.test:5000\s+alice\s+/,
    );
    expect((await runBerth(['registry', 'ls', '-q'], { berth })).stdout).toBe('reg.test:5000\n');
    expect(JSON.parse((await runBerth(['registry', 'ls', '--json'], { berth })).stdout)).toEqual(creds);
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/registry-credentials',
      apiError(401, 'auth/unauthenticated', 'invalid API key'),
    );
    expect(await runBerth(['registry', 'ls'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: auth/unauthenticated: invalid API key\n',
    });
  });
});
