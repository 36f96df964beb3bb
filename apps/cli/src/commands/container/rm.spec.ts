import { apiError, FakeBerth, operation, runBerth } from '../../testing/harness';
import { container } from '../../testing/fixtures';

const accepted = {
  operation: operation({ kind: 'container.delete', state: 'pending' }),
  data: container({ state: 'deleting' }),
};

describe('berth rm', () => {
  it('deletes without force by default and waits for the deletion', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/containers/web', accepted)
      .on('GET', '/v1/operations/op_1', operation());
    const res = await runBerth(['rm', 'web'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'web\n' });
    expect(berth.calls('DELETE')[0]!.query).toEqual({});
  });

  it('-f sends force=true; --json reports the state reached', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/containers/web', accepted)
      .on('GET', '/v1/operations/op_1', operation());
    const res = await runBerth(['rm', '-f', '--json', 'web'], { berth });
    expect(berth.calls('DELETE')[0]!.query).toEqual({ force: 'true' });
    expect(JSON.parse(res.stdout)).toEqual([expect.objectContaining({ id: 'ctr_1', state: 'deleted' })]);
    const noWait = await runBerth(['rm', '--no-wait', '--json', 'web'], { berth });
    expect(JSON.parse(noWait.stdout)).toEqual([expect.objectContaining({ state: 'deleting' })]);
  });

  it('a running container without -f: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'DELETE',
      '/v1/containers/web',
      apiError(409, 'container/invalid_state', 'container web is running: stop it or use force'),
    );
    const res = await runBerth(['rm', 'web'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: container/invalid_state: container web is running: stop it or use force\n',
    });
  });
});
