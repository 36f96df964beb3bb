import { apiError, FakeBerth, operation, runBerth } from '../../testing/harness';
import { snapshot } from '../../testing/fixtures';

const accepted = {
  operation: operation({ kind: 'snapshot.create', state: 'pending', targetId: 'snap_1' }),
  data: snapshot({ state: 'creating', storedBytes: null, live: null }),
};

describe('berth snapshot create', () => {
  it('posts --name to the volume, waits for the operation, prints the name, id and bytes stored', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/volumes/pgdata/snapshots', accepted)
      .on('GET', '/v1/operations/op_1', operation({ kind: 'snapshot.create' }))
      .on('GET', '/v1/snapshots/snap_1', snapshot());
    const res = await runBerth(['snapshot', 'create', 'pgdata', '--name', 'nightly'], { berth });
    expect(res).toMatchObject({
      code: 0,
      stdout: 'nightly (snap_1): snapshot of pgdata, 1.23 MB stored\n',
      stderr: '',
    });
    expect(berth.calls('POST')[0]!.body).toEqual({ name: 'nightly' });
    expect(berth.calls('GET', '/v1/operations/op_1')[0]!.query).toEqual({ wait: 30 });
    expect(res.output.activities).toEqual(['Snapshotting pgdata']);
  });

  it('no --name: an empty body (berth names it); -q prints the id, --json the snapshot', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/volumes/vol_1/snapshots', accepted)
      .on('GET', '/v1/operations/op_1', operation({ kind: 'snapshot.create' }))
      .on('GET', '/v1/snapshots/snap_1', snapshot());
    expect((await runBerth(['snapshot', 'create', '-q', 'vol_1'], { berth })).stdout).toBe('snap_1\n');
    expect(berth.calls('POST')[0]!.body).toEqual({});
    const json = await runBerth(['snapshot', 'create', '--json', 'vol_1'], { berth });
    expect(JSON.parse(json.stdout)).toEqual(snapshot());
  });

  it('--no-wait prints the operation at once and waits for nothing', async () => {
    const berth = new FakeBerth().on('POST', '/v1/volumes/pgdata/snapshots', accepted);
    const res = await runBerth(['snapshot', 'create', '--no-wait', 'pgdata'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'nightly (snap_1): creating (operation op_1)\n' });
    expect(berth.requests).toHaveLength(1);
  });

  it("a snapshot that failed on the host: the operation's coded error and exit 1", async () => {
    const berth = new FakeBerth().on('POST', '/v1/volumes/pgdata/snapshots', accepted).on(
      'GET',
      '/v1/operations/op_1',
      operation({
        kind: 'snapshot.create',
        state: 'failed',
        error: { code: 'capacity/unavailable', message: 'the host pool is full' },
      }),
    );
    expect(await runBerth(['snapshot', 'create', 'pgdata'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: capacity/unavailable: the host pool is full\n',
    });
  });

  it('an unknown volume: the API error and exit 1; no volume: a usage error, exit 2', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/volumes/nope/snapshots',
      apiError(404, 'volume/not_found', 'volume nope does not exist'),
    );
    expect(await runBerth(['snapshot', 'create', 'nope'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: volume/not_found: volume nope does not exist\n',
    });
    const usage = await runBerth(['snapshot', 'create']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'volume'");
    expect(usage.berth.requests).toHaveLength(0);
  });

  it('Ctrl-C while waiting: exits 130 and says how to follow', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/volumes/pgdata/snapshots', accepted)
      .on('GET', '/v1/operations/op_1', () => {
        const e = new Error('aborted');
        e.name = 'AbortError';
        return e;
      });
    const res = await runBerth(['snapshot', 'create', 'pgdata'], { berth });
    expect(res.code).toBe(130);
    expect(res.stderr).toContain('berth operation wait op_1');
  });
});
