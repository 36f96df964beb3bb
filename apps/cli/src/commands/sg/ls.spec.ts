import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { rule, securityGroup } from '../../testing/fixtures';

const groups = [
  securityGroup({
    description: 'public web servers',
    rules: [...securityGroup().rules, rule(), rule({ id: 'sgr_2', portFrom: 443, portTo: 443 })],
  }),
  securityGroup({ id: 'sg_2', name: 'db' }),
];

describe('berth sg ls', () => {
  it('lists groups with their rule counts in an aligned table', async () => {
    const berth = new FakeBerth().on('GET', '/v1/security-groups', { data: groups, nextCursor: null });
    const res = await runBerth(['sg', 'ls'], { berth });
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SG ID\s+NAME\s+INGRESS\s+EGRESS\s+CREATED\s+DESCRIPTION$/);
    expect(lines[1]).toMatch(/^sg_1\s+web\s+2\s+1\s+2 minutes ago\s+public web servers$/);
    expect(lines[2]).toMatch(/^sg_2\s+db\s+0\s+1\s+2 minutes ago$/);
  });

  it('-q and --json', async () => {
    const berth = new FakeBerth().on('GET', '/v1/security-groups', { data: groups, nextCursor: null });
    expect((await runBerth(['sg', 'list', '-q'], { berth })).stdout).toBe('sg_1\nsg_2\n');
    expect(JSON.parse((await runBerth(['sg', 'ls', '--json'], { berth })).stdout)).toEqual(groups);
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/security-groups',
      apiError(401, 'auth/unauthenticated', 'bad key'),
    );
    expect(await runBerth(['sg', 'ls'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: auth/unauthenticated: bad key\n',
    });
  });
});
