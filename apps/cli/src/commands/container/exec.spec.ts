import { apiError, FakeBerth, operation, runBerth } from '../../testing/harness';

const result = (over = {}) => ({
  exitCode: 0,
  stdout: 'out\n',
  stderr: 'err\n',
  operation: operation({ kind: 'container.exec' }),
  ...over,
});

describe('berth exec', () => {
  it('builds the exec request; flags after the container belong to the command', async () => {
    const berth = new FakeBerth().on('POST', '/v1/containers/web/exec', result());
    const res = await runBerth(
      [
        'exec',
        '-e',
        'A=1',
        '-e',
        'HOME_DIR',
        '-w',
        '/tmp',
        '-u',
        'app',
        '--timeout',
        '30',
        'web',
        'ls',
        '-la',
        '--color',
      ],
      { berth, env: { BERTH_API_KEY: 'bk_x', HOME_DIR: '/home/me' } },
    );
    expect(res).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    expect(berth.requests[0]!.body).toEqual({
      command: ['ls', '-la', '--color'],
      env: ['A=1', 'HOME_DIR=/home/me'],
      workdir: '/tmp',
      user: 'app',
      timeoutSeconds: 30,
    });
  });

  it("exits with the command's exit code; --json prints the result", async () => {
    const berth = new FakeBerth().on('POST', '/v1/containers/web/exec', result({ exitCode: 4 }));
    expect((await runBerth(['exec', 'web', 'false'], { berth })).code).toBe(4);
    const json = await runBerth(['exec', '--json', 'web', 'false'], { berth });
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ exitCode: 4, stdout: 'out\n' });
  });

  it('a command still running when the wait ended is an error', async () => {
    const berth = new FakeBerth().on('POST', '/v1/containers/web/exec', result({ exitCode: null }));
    const res = await runBerth(['exec', 'web', 'sleep', '999'], { berth });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Error: exec/unfinished: the command was still running');
  });

  it('a stopped container: the coded error and exit 1; a bad --timeout: exit 2', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/containers/web/exec',
      apiError(409, 'container/not_running', 'container web is not running'),
    );
    const res = await runBerth(['exec', 'web', 'true'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stderr: 'Error: container/not_running: container web is not running\n',
    });
    expect((await runBerth(['exec', '--timeout', '0', 'web', 'true'])).code).toBe(2);
  });
});
