import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { container, floatingIp } from '../../testing/fixtures';

const LIVE = 'pending,creating,starting,running,stopping,restarting';

describe('berth ps', () => {
  it('lists running-ish containers by default, in an aligned table', async () => {
    const berth = new FakeBerth().on('GET', '/v1/containers', {
      data: [
        container(),
        container({
          id: 'ctr_2',
          name: 'worker-long-name',
          command: ['sh', '-c', 'echo hi'],
          state: 'starting',
        }),
      ],
      nextCursor: null,
    });
    const res = await runBerth(['ps'], { berth });
    expect(res.code).toBe(0);
    expect(berth.requests[0]!.query).toEqual({ state: LIVE, limit: 200, cursor: undefined });
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONTAINER ID\s+NAME\s+IMAGE\s+COMMAND\s+SIZE\s+CREATED\s+STATUS$/);
    expect(lines[1]).toMatch(/^ctr_1\s+web\s+reg\.test\/me\/app:1\s+s1\s+2 minutes ago\s+Up About a minute$/);
    expect(lines[2]).toContain(`"sh -c 'echo hi'"`);
    // Columns line up: NAME starts at the same offset on every line.
    expect(lines[1]!.indexOf('web')).toBe(lines[0]!.indexOf('NAME'));
  });

  it('-a lists every state, --filter maps to the query, and pages are followed', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/containers', { data: [container({ id: 'ctr_2' })], nextCursor: null })
      .on('GET', '/v1/containers', { data: [container()], nextCursor: 'c1' }, 1);
    const res = await runBerth(
      ['ps', '-a', '-q', '--filter', 'name=web', '-f', 'label=app=web', '-f', 'label=tier=1'],
      {
        berth,
      },
    );
    expect(res.stdout).toBe('ctr_1\nctr_2\n');
    expect(berth.requests.map((r) => r.query)).toEqual([
      { name: 'web', label: ['app=web', 'tier=1'], limit: 200, cursor: undefined },
      { name: 'web', label: ['app=web', 'tier=1'], limit: 200, cursor: 'c1' },
    ]);
  });

  it('status= filters replace the default states; --json prints the containers', async () => {
    const berth = new FakeBerth().on('GET', '/v1/containers', {
      data: [container({ state: 'exited', exitCode: 3 })],
      nextCursor: null,
    });
    const res = await runBerth(['ps', '--filter', 'status=exited', '--json'], { berth });
    expect(berth.requests[0]!.query.state).toBe('exited');
    expect(JSON.parse(res.stdout)).toEqual([expect.objectContaining({ id: 'ctr_1', exitCode: 3 })]);
  });

  it("-w adds each container's addresses and floating IP", async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/containers', {
        data: [
          container({
            networks: [
              { networkId: 'net_1', name: 'mynet', ip: '10.1.0.2', mac: '52:54:00:00:00:01' },
              { networkId: 'net_2', name: 'db', ip: '10.2.0.2', mac: '52:54:00:00:00:02' },
            ],
          }),
          container({ id: 'ctr_2', name: 'other', networks: [] }),
        ],
        nextCursor: null,
      })
      .on('GET', '/v1/fips', {
        data: [
          floatingIp({ containerId: 'ctr_1' }),
          floatingIp({ id: 'fip_2', address: '203.0.113.11', containerId: null }),
        ],
        nextCursor: null,
      });
    const res = await runBerth(['ps', '-w'], { berth });
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/\s+STATUS\s+NETWORKS\s+FLOATING IP$/);
    expect(lines[1]).toMatch(/Up About a minute\s+mynet:10\.1\.0\.2,db:10\.2\.0\.2\s+203\.0\.113\.10$/);
    expect(lines[2]).toMatch(/^ctr_2\s+other\s.*Up About a minute\s+-\s+-$/);
    expect(lines[1]!.indexOf('mynet')).toBe(lines[0]!.indexOf('NETWORKS'));
    // Without -w, no floating IPs are asked for.
    await runBerth(['ps'], { berth });
    expect(berth.calls('GET', '/v1/fips')).toHaveLength(1);
  });

  it('refuses an unknown filter with exit code 2', async () => {
    const res = await runBerth(['ps', '--filter', 'colour=red']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      'Error: cli/usage: unknown filter "colour": use name=NAME, label=KEY=VALUE or status=STATE\n',
    );
  });

  it("prints the API's coded error and exits 1", async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/containers',
      apiError(400, 'request/invalid', 'state must be among ...'),
    );
    const res = await runBerth(['ps', '-f', 'status=bogus'], { berth });
    expect(res).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: request/invalid: state must be among ...\n',
    });
  });
});
