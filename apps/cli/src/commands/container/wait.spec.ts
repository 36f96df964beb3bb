import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { container } from '../../testing/fixtures';

describe('berth wait', () => {
  it('polls until the container has exited, prints its exit code and exits with it', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/containers/job', container({ state: 'exited', exitCode: 5 }))
      .on('GET', '/v1/containers/job', container({ state: 'running' }), 2);
    const res = await runBerth(['wait', 'job'], { berth });
    expect(res).toMatchObject({ code: 5, stdout: '5\n', stderr: '' });
    expect(berth.requests).toHaveLength(3);
  });

  it('exit code 0 exits 0; --json prints the outcome', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/containers/job',
      container({ state: 'stopped', exitCode: 0 }),
    );
    const res = await runBerth(['wait', '--json', 'job'], { berth });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ id: 'ctr_1', name: 'web', state: 'stopped', exitCode: 0 });
  });

  it('a container deleted while waited on ends the wait with the last exit code seen', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/containers/job', apiError(404, 'container/not_found', 'gone'))
      .on('GET', '/v1/containers/job', container({ state: 'deleting', exitCode: 2 }), 1);
    const res = await runBerth(['wait', 'job'], { berth });
    expect(res).toMatchObject({ code: 2, stdout: '2\n' });
  });

  it('a failed container without an exit code is an error', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/containers/job',
      container({ state: 'failed', stateReason: 'image/unauthorized' }),
    );
    const res = await runBerth(['wait', 'job'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: container/failed: web failed without an exit code: image/unauthorized\n',
    });
  });

  it('an unknown container: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/containers/nope',
      apiError(404, 'container/not_found', 'container nope does not exist'),
    );
    const res = await runBerth(['wait', 'nope'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stderr: 'Error: container/not_found: container nope does not exist\n',
    });
  });
});
