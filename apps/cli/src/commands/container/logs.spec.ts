import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const LINES = [
  { at: '2026-01-02T03:04:00.000Z', stream: 'stdout', text: 'one' },
  { at: '2026-01-02T03:04:01.000Z', stream: 'stderr', text: 'two' },
];

describe('berth logs', () => {
  it('prints stdout lines to stdout and stderr lines to stderr', async () => {
    const berth = new FakeBerth().on('GET', '/v1/containers/web/logs', LINES);
    const res = await runBerth(['logs', 'web'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'one\n', stderr: 'two\n' });
    expect(berth.requests[0]!.query).toEqual({});
  });

  it('maps -f, --tail, --since (a duration back from now) and -t', async () => {
    const berth = new FakeBerth().on('GET', '/v1/containers/web/logs', LINES);
    const res = await runBerth(['logs', '-f', '--tail', '20', '--since', '10m', '-t', 'web'], { berth });
    expect(berth.requests[0]!.query).toEqual({
      follow: 'true',
      tail: '20',
      since: ((NOW.getTime() - 600_000) / 1000).toFixed(3),
    });
    expect(res.stdout).toBe('2026-01-02T03:04:00.000Z one\n');
  });

  it('--json prints NDJSON lines; refs are URL-encoded', async () => {
    const berth = new FakeBerth().on('GET', '/v1/containers/a%2Fb/logs', LINES);
    const res = await runBerth(['logs', '--json', 'a/b'], { berth });
    expect(
      res.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(LINES);
  });

  it('refuses a bad --tail or --since with exit code 2', async () => {
    expect((await runBerth(['logs', '--tail', 'lots', 'web'])).code).toBe(2);
    const since = await runBerth(['logs', '--since', 'yesterday-ish', 'web']);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/^Error: cli\/usage: --since "yesterday-ish"/);
  });

  it('an unknown container: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/containers/nope/logs',
      apiError(404, 'container/not_found', 'container nope does not exist'),
    );
    const res = await runBerth(['logs', 'nope'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stderr: 'Error: container/not_found: container nope does not exist\n',
    });
  });
});
