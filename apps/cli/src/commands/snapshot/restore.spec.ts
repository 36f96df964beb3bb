import { apiError, FakeBerth, operation, runBerth } from '../../testing/harness';
import { volume } from '../../testing/fixtures';

const restored = { id: 'vol_2', name: 'pgdata-copy', sourceSnapshotId: 'snap_1' };
const accepted = {
  operation: operation({ kind: 'volume.create', state: 'pending', targetId: 'vol_2' }),
  data: volume({ ...restored, state: 'creating' }),
};

describe('berth snapshot restore', () => {
  it('posts the new name, waits for the volume to be made, prints its name, id and size', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/snapshots/nightly/restore', accepted)
      .on('GET', '/v1/operations/op_1', operation({ kind: 'volume.create' }))
      .on('GET', '/v1/volumes/vol_2', volume(restored));
    const res = await runBerth(['snapshot', 'restore', 'nightly', 'pgdata-copy'], { berth });
    expect(res).toMatchObject({
      code: 0,
      stdout: 'pgdata-copy (vol_2): 10 GB, restored from nightly\n',
      stderr: '',
    });
    expect(berth.calls('POST')[0]!.body).toEqual({ name: 'pgdata-copy' });
    expect(res.output.activities).toEqual(['Restoring nightly into pgdata-copy']);
  });

  it('--size becomes sizeGb; -q prints the id, --json the volume as made', async () => {
    const big = volume({ ...restored, sizeGb: 50 });
    const berth = new FakeBerth()
      .on('POST', '/v1/snapshots/snap_1/restore', accepted)
      .on('GET', '/v1/operations/op_1', operation({ kind: 'volume.create' }))
      .on('GET', '/v1/volumes/vol_2', big);
    const quiet = await runBerth(['snapshot', 'restore', '-q', '--size', '50', 'snap_1', 'pgdata-copy'], {
      berth,
    });
    expect(quiet.stdout).toBe('vol_2\n');
    expect(berth.calls('POST')[0]!.body).toEqual({ name: 'pgdata-copy', sizeGb: 50 });
    const json = await runBerth(['snapshot', 'restore', '--json', 'snap_1', 'pgdata-copy'], { berth });
    expect(JSON.parse(json.stdout)).toEqual(big);
  });

  it('--no-wait prints the creating volume and its operation at once', async () => {
    const berth = new FakeBerth().on('POST', '/v1/snapshots/nightly/restore', accepted);
    const res = await runBerth(['snapshot', 'restore', '--no-wait', 'nightly', 'pgdata-copy'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'pgdata-copy (vol_2): creating (operation op_1)\n' });
    expect(berth.requests).toHaveLength(1);
  });

  it("a restore that failed on the host: the operation's coded error and exit 1", async () => {
    const berth = new FakeBerth().on('POST', '/v1/snapshots/nightly/restore', accepted).on(
      'GET',
      '/v1/operations/op_1',
      operation({
        kind: 'volume.create',
        state: 'failed',
        error: { code: 'host/lost', message: 'the host is gone' },
      }),
    );
    expect(await runBerth(['snapshot', 'restore', 'nightly', 'pgdata-copy'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: host/lost: the host is gone\n',
    });
  });

  it('a size below the snapshot: the API error, exit 1; bad or missing arguments: exit 2', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/snapshots/nightly/restore',
      apiError(
        400,
        'request/invalid',
        'snapshot nightly is of a 10 GB volume; restore it into 10 GB or more',
      ),
    );
    expect(
      await runBerth(['snapshot', 'restore', '--size', '5', 'nightly', 'pgdata-copy'], { berth }),
    ).toMatchObject({
      code: 1,
      stderr:
        'Error: request/invalid: snapshot nightly is of a 10 GB volume; restore it into 10 GB or more\n',
    });
    const noName = await runBerth(['snapshot', 'restore', 'nightly']);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain("missing required argument 'name'");
    const badSize = await runBerth(['snapshot', 'restore', '--size', 'x', 'nightly', 'copy']);
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toContain('--size must be a whole number from 1.');
    expect([...noName.berth.requests, ...badSize.berth.requests]).toHaveLength(0);
  });
});
