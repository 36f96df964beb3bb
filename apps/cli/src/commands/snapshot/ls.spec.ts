import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { snapshot } from '../../testing/fixtures';

const snapshots = [
  snapshot(),
  snapshot({
    id: 'snap_2',
    name: 'before-upgrade',
    volumeId: 'vol_2',
    volumeName: 'scratch',
    sizeGb: 100,
    state: 'creating',
    storedBytes: null,
  }),
];

describe('berth snapshot ls', () => {
  it('lists every snapshot in an aligned table', async () => {
    const berth = new FakeBerth().on('GET', '/v1/snapshots', { data: snapshots, nextCursor: null });
    const res = await runBerth(['snapshot', 'ls'], { berth });
    expect(res.code).toBe(0);
    expect(berth.requests[0]!.query).toEqual({ limit: 200, cursor: undefined });
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SNAPSHOT ID\s+NAME\s+VOLUME\s+SIZE\s+STORED\s+STATE\s+CREATED$/);
    expect(lines[1]).toMatch(
      /^snap_1\s+nightly\s+pgdata\s+10 GB\s+1\.23 MB\s+available\s+About a minute ago$/,
    );
    expect(lines[2]).toMatch(
      /^snap_2\s+before-upgrade\s+scratch\s+100 GB\s+-\s+creating\s+About a minute ago$/,
    );
    expect(lines[2]!.indexOf('scratch')).toBe(lines[0]!.indexOf('VOLUME'));
  });

  it("--volume lists that volume's snapshots; -q, --json, the list alias, pages followed", async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/volumes/pgdata/snapshots', { data: [snapshots[0]], nextCursor: null })
      .on('GET', '/v1/volumes/pgdata/snapshots', { data: [snapshots[1]], nextCursor: 'c1' }, 1);
    expect((await runBerth(['snapshot', 'list', '--volume', 'pgdata', '-q'], { berth })).stdout).toBe(
      'snap_2\nsnap_1\n',
    );
    expect(berth.requests[1]!.query.cursor).toBe('c1');
    const json = await runBerth(['snapshot', 'ls', '--json', '--volume', 'pgdata'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([snapshots[0]]);
    expect(berth.calls('GET', '/v1/snapshots')).toHaveLength(0);
  });

  it('an unknown --volume: its coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/volumes/nope/snapshots',
      apiError(404, 'volume/not_found', 'volume nope does not exist'),
    );
    expect(await runBerth(['snapshot', 'ls', '--volume', 'nope'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: volume/not_found: volume nope does not exist\n',
    });
  });
});
