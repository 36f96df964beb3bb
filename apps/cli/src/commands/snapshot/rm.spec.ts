import { apiError, FakeBerth, operation, runBerth } from '../../testing/harness';
import { snapshot } from '../../testing/fixtures';

function accepted(id: string, op: string) {
  return {
    operation: operation({ id: op, kind: 'snapshot.delete', state: 'pending', targetId: id }),
    data: snapshot({ id, state: 'deleting' }),
  };
}

describe('berth snapshot rm', () => {
  it('deletes each snapshot, waits for each operation, prints the refs as given', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/snapshots/nightly', accepted('snap_1', 'op_1'))
      .on('DELETE', '/v1/snapshots/snap_2', accepted('snap_2', 'op_2'))
      .on('GET', /^\/v1\/operations\/op_[12]$/, operation({ kind: 'snapshot.delete' }));
    const res = await runBerth(['snapshot', 'rm', 'nightly', 'snap_2'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'nightly\nsnap_2\n', stderr: '' });
    expect(
      berth
        .calls('GET')
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/v1/operations/op_1', '/v1/operations/op_2']);
    expect(res.output.activities).toEqual(['Removing 2 snapshots']);
  });

  it('--json reports the state reached; --no-wait returns once accepted', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/snapshots/nightly', accepted('snap_1', 'op_1'))
      .on('GET', '/v1/operations/op_1', operation({ kind: 'snapshot.delete' }));
    const json = await runBerth(['snapshot', 'remove', '--json', 'nightly'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([snapshot({ state: 'deleted' })]);
    const noWait = await runBerth(['snapshot', 'rm', '--no-wait', 'nightly'], { berth });
    expect(noWait).toMatchObject({ code: 0, stdout: 'nightly\n' });
    expect(berth.calls('GET')).toHaveLength(1);
  });

  it('an unknown snapshot: the others go, then its coded error and exit 1', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/snapshots/nightly', accepted('snap_1', 'op_1'))
      .on('DELETE', '/v1/snapshots/nope', apiError(404, 'snapshot/not_found', 'snapshot nope does not exist'))
      .on('GET', '/v1/operations/op_1', operation({ kind: 'snapshot.delete' }));
    expect(await runBerth(['snapshot', 'rm', 'nope', 'nightly'], { berth })).toMatchObject({
      code: 1,
      stdout: 'nightly\n',
      stderr: 'Error: snapshot/not_found: snapshot nope does not exist\n',
    });
  });

  it('one still being made: the coded refusal, exit 1', async () => {
    const berth = new FakeBerth().on(
      'DELETE',
      '/v1/snapshots/nightly',
      apiError(
        409,
        'snapshot/not_ready',
        'snapshot nightly is creating; it can be deleted once its host has finished with it',
      ),
    );
    expect(await runBerth(['snapshot', 'rm', 'nightly'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'Error: snapshot/not_ready: snapshot nightly is creating; it can be deleted once its host has finished with it\n',
    });
  });
});
