import { apiError, FakeBerth, operation, runBerth } from '../../testing/harness';
import { volume } from '../../testing/fixtures';

function accepted(id: string, name: string, op: string) {
  return {
    operation: operation({ id: op, kind: 'volume.delete', state: 'pending', targetId: id }),
    data: volume({ id, name, state: 'deleting' }),
  };
}

describe('berth volume rm', () => {
  it('deletes each volume, waits for each operation, prints the refs as given', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/volumes/pgdata', accepted('vol_1', 'pgdata', 'op_1'))
      .on('DELETE', '/v1/volumes/vol_2', accepted('vol_2', 'b', 'op_2'))
      .on('GET', /^\/v1\/operations\/op_[12]$/, operation({ kind: 'volume.delete' }));
    const res = await runBerth(['volume', 'rm', 'pgdata', 'vol_2'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'pgdata\nvol_2\n', stderr: '' });
    expect(
      berth
        .calls('GET')
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/v1/operations/op_1', '/v1/operations/op_2']);
    expect(berth.calls('GET')[0]!.query).toEqual({ wait: 30 });
    expect(res.output.activities).toEqual(['Removing 2 volumes']);
  });

  it('--json reports the state reached; --no-wait returns once accepted', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/volumes/pgdata', accepted('vol_1', 'pgdata', 'op_1'))
      .on('GET', '/v1/operations/op_1', operation({ kind: 'volume.delete' }));
    const json = await runBerth(['volume', 'remove', '--json', 'pgdata'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([volume({ state: 'deleted' })]);
    expect(json.output.activities).toEqual(['Removing pgdata']);
    const noWait = await runBerth(['volume', 'rm', '--no-wait', '--json', 'pgdata'], { berth });
    expect(JSON.parse(noWait.stdout)).toEqual([volume({ state: 'deleting' })]);
    expect(noWait.output.activities).toEqual([]);
    // One DELETE and one wait for the first run, one DELETE only for --no-wait.
    expect(berth.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'DELETE /v1/volumes/pgdata',
      'GET /v1/operations/op_1',
      'DELETE /v1/volumes/pgdata',
    ]);
  });

  it('a volume in use: the others go, then its coded error and exit 1', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/volumes/a', accepted('vol_1', 'a', 'op_1'))
      .on(
        'DELETE',
        '/v1/volumes/busy',
        apiError(
          409,
          'volume/in_use',
          'volume busy is attached to container db at /data; delete the container first',
        ),
      )
      .on('GET', '/v1/operations/op_1', operation({ kind: 'volume.delete' }));
    expect(await runBerth(['volume', 'rm', 'a', 'busy'], { berth })).toMatchObject({
      code: 1,
      stdout: 'a\n',
      stderr:
        'Error: volume/in_use: volume busy is attached to container db at /data; delete the container first\n',
    });
  });

  it("a deletion that failed on the host: the operation's coded error and exit 1", async () => {
    const berth = new FakeBerth().on('DELETE', '/v1/volumes/pgdata', accepted('vol_1', 'pgdata', 'op_1')).on(
      'GET',
      '/v1/operations/op_1',
      operation({
        kind: 'volume.delete',
        state: 'failed',
        error: { code: 'host/lost', message: 'the host is gone' },
      }),
    );
    expect(await runBerth(['volume', 'rm', 'pgdata'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: host/lost: the host is gone\n',
    });
  });

  it('Ctrl-C while waiting: exits 130 and says how to follow', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/volumes/pgdata', accepted('vol_1', 'pgdata', 'op_1'))
      .on('GET', '/v1/operations/op_1', () => {
        const e = new Error('aborted');
        e.name = 'AbortError';
        return e;
      });
    const res = await runBerth(['volume', 'rm', 'pgdata'], { berth });
    expect(res.code).toBe(130);
    expect(res.stderr).toContain('berth operation wait op_1');
  });
});
