import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { volume } from '../../testing/fixtures';

const volumes = [
  volume({ attachment: { containerId: 'ctr_1', containerName: 'db', path: '/var/lib/data' } }),
  volume({ id: 'vol_2', name: 'scratch', sizeGb: 100, state: 'creating' }),
];

describe('berth volume ls', () => {
  it('lists volumes in an aligned table with their size and where each is mounted', async () => {
    const berth = new FakeBerth().on('GET', '/v1/volumes', { data: volumes, nextCursor: null });
    const res = await runBerth(['volume', 'ls'], { berth });
    expect(res.code).toBe(0);
    expect(berth.requests[0]!.query).toEqual({ limit: 200, cursor: undefined });
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VOLUME ID\s+NAME\s+SIZE\s+STATE\s+ATTACHED TO\s+CREATED$/);
    expect(lines[1]).toMatch(/^vol_1\s+pgdata\s+10 GB\s+available\s+db:\/var\/lib\/data\s+2 minutes ago$/);
    expect(lines[2]).toMatch(/^vol_2\s+scratch\s+100 GB\s+creating\s+-\s+2 minutes ago$/);
    expect(lines[2]!.indexOf('100 GB')).toBe(lines[0]!.indexOf('SIZE'));
    expect(lines[2]!.indexOf('- ')).toBe(lines[0]!.indexOf('ATTACHED TO'));
  });

  it('-q, --json, the list alias, and pages followed', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/volumes', { data: [volumes[1]], nextCursor: null })
      .on('GET', '/v1/volumes', { data: [volumes[0]], nextCursor: 'c1' }, 1);
    expect((await runBerth(['volume', 'list', '-q'], { berth })).stdout).toBe('vol_1\nvol_2\n');
    expect(berth.requests[1]!.query.cursor).toBe('c1');
    expect(JSON.parse((await runBerth(['volume', 'ls', '--json'], { berth })).stdout)).toEqual([volumes[1]]);
  });

  it('no volumes: the header only; an API error: its code and exit 1', async () => {
    const empty = new FakeBerth().on('GET', '/v1/volumes', { data: [], nextCursor: null });
    expect((await runBerth(['volume', 'ls'], { berth: empty })).stdout).toMatch(/^VOLUME ID\s+NAME.*\n$/);
    const berth = new FakeBerth().on('GET', '/v1/volumes', apiError(403, 'tenant/suspended', 'suspended'));
    expect(await runBerth(['volume', 'ls'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: tenant/suspended: suspended\n',
    });
  });
});
