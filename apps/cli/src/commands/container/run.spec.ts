import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { apiError, FakeBerth, operation, runBerth } from '../../testing/harness';
import { container } from '../../testing/fixtures';

function accepted(over = {}) {
  return { operation: operation({ state: 'pending' }), data: container({ state: 'pending', ...over }) };
}

describe('berth run', () => {
  it('builds the create request from its flags and, with -d, prints the id once it runs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-envfile-'));
    const envFile = path.join(dir, 'app.env');
    writeFileSync(envFile, '# comment\n\nFROM_FILE=1\nOVERRIDDEN=file\nPASSED\n');
    const berth = new FakeBerth()
      .on('POST', '/v1/containers', accepted())
      .on('GET', '/v1/operations/op_1', operation({ state: 'succeeded' }));
    const res = await runBerth(
      [
        'run',
        '-d',
        '--name',
        'web',
        '--size',
        's1',
        '--restart',
        'on-failure:3',
        '-e',
        'A=1',
        '-e',
        'OVERRIDDEN=flag',
        '-e',
        'PASSED',
        '--env-file',
        envFile,
        '-l',
        'app=web',
        'reg.test/me/app:1',
        'sh',
        '-c',
        'echo hi',
        '--not-a-berth-flag',
      ],
      { berth, env: { BERTH_API_KEY: 'bk_x', PASSED: 'from-my-shell' } },
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('ctr_1\n');
    expect(berth.calls('POST', '/v1/containers')[0]!.body).toEqual({
      image: 'reg.test/me/app:1',
      name: 'web',
      command: ['sh', '-c', 'echo hi', '--not-a-berth-flag'],
      env: { FROM_FILE: '1', OVERRIDDEN: 'flag', PASSED: 'from-my-shell', A: '1' },
      size: 's1',
      restartPolicy: 'on-failure:3',
      labels: { app: 'web' },
    });
    expect(berth.calls('GET', '/v1/operations/op_1')[0]!.query).toEqual({ wait: 30 });
  });

  it('sends only the image when given no flags, and --no-wait prints the id without waiting', async () => {
    const berth = new FakeBerth().on('POST', '/v1/containers', accepted());
    const res = await runBerth(['run', '-d', '--no-wait', 'reg.test/me/app:1'], { berth });
    expect(res.code).toBe(0);
    expect(berth.requests).toHaveLength(1);
    expect(berth.requests[0]!.body).toEqual({ image: 'reg.test/me/app:1' });
  });

  it('--net and --sg, each repeatable, become networks and securityGroups in order', async () => {
    const berth = new FakeBerth().on('POST', '/v1/containers', accepted());
    const res = await runBerth(
      [
        'run',
        '-d',
        '--no-wait',
        '--net',
        'front',
        '--sg',
        'web',
        '--net',
        'net_2',
        '--sg',
        'ssh',
        'img',
        'sh',
      ],
      { berth },
    );
    expect(res.code).toBe(0);
    expect(berth.requests[0]!.body).toEqual({
      image: 'img',
      command: ['sh'],
      networks: ['front', 'net_2'],
      securityGroups: ['web', 'ssh'],
    });
  });

  it('-v and --volume, repeatable, become volumes in order, as given', async () => {
    const berth = new FakeBerth().on('POST', '/v1/containers', accepted());
    const res = await runBerth(
      ['run', '-d', '--no-wait', '-v', 'pgdata:/var/lib/data', '--volume', 'vol_2:/srv/', 'img', 'sh', '-v'],
      { berth },
    );
    expect(res.code).toBe(0);
    expect(berth.requests[0]!.body).toEqual({
      image: 'img',
      command: ['sh', '-v'],
      volumes: ['pgdata:/var/lib/data', 'vol_2:/srv/'],
    });
  });

  it('a -v that is not name:/path: a usage error, exit 2, nothing sent', async () => {
    for (const [spec, why] of [
      ['pgdata', 'volume "pgdata" must be name:/path'],
      [':/data', 'volume ":/data" must be name:/path'],
      ['pg data:/data', 'volume name "pg data" is not valid'],
      ['pgdata:data', 'mount path "data" must be absolute (start with /)'],
      ['pgdata:/', 'mount path "/" cannot be /'],
      ['pgdata:/proc/x', 'mount path "/proc/x" is under /proc'],
    ] as const) {
      const res = await runBerth(['run', '-d', '-v', spec, 'img']);
      expect(res.code).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain(`Error: cli/usage: -v: ${why}`);
      expect(res.berth.requests).toHaveLength(0);
    }
  });

  it('a volume attached to another container: the coded error and exit 125', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/containers',
      apiError(409, 'volume/in_use', 'volume pgdata is attached to container db'),
    );
    const res = await runBerth(['run', '-d', '-v', 'pgdata:/data', 'img'], { berth });
    expect(res).toMatchObject({
      code: 125,
      stderr: 'Error: volume/in_use: volume pgdata is attached to container db\n',
    });
  });

  it('an unknown network: the coded error and exit 125', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/containers',
      apiError(404, 'network/not_found', 'network nope does not exist'),
    );
    const res = await runBerth(['run', '-d', '--net', 'nope', 'img'], { berth });
    expect(res).toMatchObject({
      code: 125,
      stderr: 'Error: network/not_found: network nope does not exist\n',
    });
  });

  it('tells a person watching how the container started; scripts get the id only', async () => {
    const started = (message: string) =>
      new FakeBerth()
        .on('POST', '/v1/containers', accepted({ name: 'web' }))
        .on('GET', '/v1/operations/op_1', operation({ progress: { start: { path: 'cold', message } } }));
    const fallback = 'booted cold: template k1 did not restore';
    const watched = await runBerth(['run', '-d', 'img'], { berth: started(fallback), interactive: true });
    expect(watched).toMatchObject({ code: 0, stdout: 'ctr_1\n', stderr: `web: ${fallback}\n` });
    const piped = await runBerth(['run', '-d', 'img'], { berth: started('started from a VM template') });
    expect(piped).toMatchObject({ code: 0, stdout: 'ctr_1\n', stderr: '' });
    // An operation without a start path (an older API): nothing said.
    const bare = new FakeBerth()
      .on('POST', '/v1/containers', accepted())
      .on('GET', '/v1/operations/op_1', operation());
    expect((await runBerth(['run', '-d', 'img'], { berth: bare, interactive: true })).stderr).toBe('');
  });

  it('-d --json prints the running container', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/containers', accepted())
      .on('GET', '/v1/operations/op_1', operation())
      .on('GET', '/v1/containers/ctr_1', container());
    const res = await runBerth(['run', '-d', '--json', 'img'], { berth });
    expect(JSON.parse(res.stdout)).toMatchObject({ id: 'ctr_1', state: 'running' });
  });

  it("attached: streams stdout and stderr, then exits with the container's exit code", async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/containers', accepted())
      .on('GET', '/v1/operations/op_1', operation())
      .on('GET', '/v1/containers/ctr_1/logs', [
        { at: '2026-01-02T03:04:05.000Z', stream: 'stdout', text: 'hello' },
        { at: '2026-01-02T03:04:05.001Z', stream: 'stderr', text: 'oops' },
      ])
      .on('GET', '/v1/containers/ctr_1', container({ state: 'exited', exitCode: 3 }));
    const res = await runBerth(['run', 'img'], { berth });
    expect(res.stdout).toBe('hello\n');
    expect(res.stderr).toBe('oops\n');
    expect(res.code).toBe(3);
    expect(berth.calls('GET', '/v1/containers/ctr_1/logs')[0]!.query).toEqual({
      follow: 'true',
      since: undefined,
    });
  });

  it('attached: follows again after a restart without repeating lines, and --rm deletes at the end', async () => {
    const line = { at: '2026-01-02T03:04:05.000Z', stream: 'stdout', text: 'attempt' };
    // Later routes win while they last: the first follow ends on a restart, the second on the exit.
    const berth = new FakeBerth()
      .on('POST', '/v1/containers', accepted())
      .on('GET', '/v1/operations/op_1', operation())
      .on('GET', '/v1/containers/ctr_1/logs', [line, { ...line, at: '2026-01-02T03:04:06.000Z' }])
      .on('GET', '/v1/containers/ctr_1', container({ state: 'exited', exitCode: 0 }))
      .on('GET', '/v1/containers/ctr_1/logs', [line], 1)
      .on('GET', '/v1/containers/ctr_1', container({ state: 'restarting' }), 1)
      .on('DELETE', '/v1/containers/ctr_1', { operation: operation({ id: 'op_2' }), data: container() })
      .on('GET', '/v1/operations/op_2', operation({ id: 'op_2' }));
    const res = await runBerth(['run', '--rm', 'img'], { berth });
    expect(res.stdout).toBe('attempt\nattempt\n');
    expect(res.code).toBe(0);
    const logCalls = berth.calls('GET', '/v1/containers/ctr_1/logs');
    expect(logCalls).toHaveLength(2);
    expect(logCalls[1]!.query.since).toBe('1767323045.000');
    expect(berth.calls('DELETE', '/v1/containers/ctr_1')[0]!.query).toEqual({ force: 'true' });
  });

  it('prints the coded error of a failed start and exits 125, as docker run does', async () => {
    const berth = new FakeBerth().on('POST', '/v1/containers', accepted()).on(
      'GET',
      '/v1/operations/op_1',
      operation({
        state: 'failed',
        error: { code: 'image/unauthorized', message: 'the registry refused' },
      }),
    );
    const res = await runBerth(['run', 'img'], { berth });
    expect(res.stderr).toBe('Error: image/unauthorized: the registry refused\n');
    expect(res.code).toBe(125);
  });

  it('prints an API error on create and exits 125', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/containers',
      apiError(409, 'container/name_taken', 'a container named web exists'),
    );
    const res = await runBerth(['run', '--name', 'web', 'img'], { berth });
    expect(res.stderr).toBe('Error: container/name_taken: a container named web exists\n');
    expect(res.code).toBe(125);
  });

  it('refuses flags that do not go together, and bad env names, with exit code 2', async () => {
    for (const argv of [
      ['run', '-d', '--rm', 'img'],
      ['run', '--json', 'img'],
      ['run', '--no-wait', 'img'],
      ['run', '-e', '1BAD=x', 'img'],
      ['run', '--size', 'xl9', 'img'],
    ]) {
      const res = await runBerth(argv);
      expect(res.code).toBe(2);
      expect(res.berth.requests).toHaveLength(0);
      expect(res.stderr).toMatch(/error|Error/);
    }
  });

  it('says how to log in when there is no key', async () => {
    const res = await runBerth(['run', 'img'], { env: {} });
    expect(res.stderr).toBe(
      'Error: auth/not_logged_in: not logged in: run `berth login` (or set BERTH_API_KEY)\n',
    );
    expect(res.code).toBe(125);
  });

  it('Ctrl-C while it starts: exits 130 and says how to follow', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/containers', accepted())
      .on('GET', '/v1/operations/op_1', () => {
        const e = new Error('aborted');
        e.name = 'AbortError';
        return e;
      });
    const res = await runBerth(['run', '-d', 'img'], { berth });
    expect(res.code).toBe(130);
    expect(res.stderr).toContain('berth operation wait op_1');
  });
});
