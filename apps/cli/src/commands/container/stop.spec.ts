import { apiError, FakeBerth, operation, runBerth } from '../../testing/harness';
import { container } from '../../testing/fixtures';

function accepted(id: string, op: string) {
  return {
    operation: operation({ id: op, kind: 'container.stop', state: 'pending', targetId: id }),
    data: container({ id }),
  };
}

describe('berth stop', () => {
  it('posts stop for each container, waits for each operation, prints each ref', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/containers/web/stop', accepted('ctr_1', 'op_1'))
      .on('POST', '/v1/containers/worker/stop', accepted('ctr_2', 'op_2'))
      .on('GET', /^\/v1\/operations\/op_[12]$/, operation({ state: 'succeeded' }));
    const res = await runBerth(['stop', 'web', 'worker'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'web\nworker\n', stderr: '' });
    expect(
      berth
        .calls('GET')
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/v1/operations/op_1', '/v1/operations/op_2']);
    expect(res.output.activities).toEqual(['Stopping 2 containers']);
  });

  it('--no-wait returns once accepted; --json prints the containers as they ended up', async () => {
    const berth = new FakeBerth().on('POST', '/v1/containers/web/stop', accepted('ctr_1', 'op_1'));
    const noWait = await runBerth(['stop', '--no-wait', 'web'], { berth });
    expect(noWait.stdout).toBe('web\n');
    expect(berth.requests).toHaveLength(1);

    berth
      .on('GET', '/v1/operations/op_1', operation())
      .on('GET', '/v1/containers/ctr_1', container({ state: 'stopped' }));
    const json = await runBerth(['stop', '--json', 'web'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: 'ctr_1', state: 'stopped' })]);
  });

  it('one unknown container: its coded error, the others still done, exit 1', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/containers/web/stop', accepted('ctr_1', 'op_1'))
      .on(
        'POST',
        '/v1/containers/nope/stop',
        apiError(404, 'container/not_found', 'container nope does not exist'),
      )
      .on('GET', '/v1/operations/op_1', operation());
    const res = await runBerth(['stop', 'web', 'nope'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stdout: 'web\n',
      stderr: 'Error: container/not_found: container nope does not exist\n',
    });
  });

  it('an operation that failed prints its error code', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/containers/web/stop', accepted('ctr_1', 'op_1'))
      .on(
        'GET',
        '/v1/operations/op_1',
        operation({ state: 'failed', error: { code: 'host/lost', message: 'the host is gone' } }),
      );
    const res = await runBerth(['stop', 'web'], { berth });
    expect(res).toMatchObject({ code: 1, stdout: '', stderr: 'Error: host/lost: the host is gone\n' });
  });
});
