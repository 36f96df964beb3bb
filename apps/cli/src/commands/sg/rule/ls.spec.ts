import { apiError, FakeBerth, runBerth } from '../../../testing/harness';
import { rule, securityGroup } from '../../../testing/fixtures';

const group = securityGroup({
  rules: [
    ...securityGroup().rules,
    rule({ portFrom: 8000, portTo: 8080 }),
    rule({ id: 'sgr_2', protocol: 'udp', portFrom: null, portTo: null, cidr: '10.0.0.0/8' }),
    rule({ id: 'sgr_3', protocol: 'tcp', portFrom: 5432, portTo: 5432, cidr: null, remoteGroupId: 'sg_2' }),
    rule({ id: 'sgr_4', protocol: 'icmp', portFrom: null, portTo: null, cidr: null, remoteGroupId: 'sg_1' }),
  ],
});

describe('berth sg rule ls', () => {
  it("lists a group's rules, naming the peer groups", async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/security-groups/web', group)
      .on('GET', '/v1/security-groups', {
        data: [group, securityGroup({ id: 'sg_2', name: 'db' })],
        nextCursor: null,
      });
    const res = await runBerth(['sg', 'rule', 'ls', 'web'], { berth });
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RULE ID\s+DIRECTION\s+PROTOCOL\s+PORTS\s+PEER$/);
    expect(lines[1]).toMatch(/^sgr_egress\s+egress\s+all\s+-\s+0\.0\.0\.0\/0$/);
    expect(lines[2]).toMatch(/^sgr_1\s+ingress\s+tcp\s+8000-8080\s+0\.0\.0\.0\/0$/);
    expect(lines[3]).toMatch(/^sgr_2\s+ingress\s+udp\s+all\s+10\.0\.0\.0\/8$/);
    expect(lines[4]).toMatch(/^sgr_3\s+ingress\s+tcp\s+5432\s+sg:db$/);
    expect(lines[5]).toMatch(/^sgr_4\s+ingress\s+icmp\s+-\s+sg:web$/);
  });

  it('-q and --json print the rules only, without looking up other groups', async () => {
    const berth = new FakeBerth().on('GET', '/v1/security-groups/web', group);
    expect((await runBerth(['sg', 'rule', 'list', '-q', 'web'], { berth })).stdout).toBe(
      'sgr_egress\nsgr_1\nsgr_2\nsgr_3\nsgr_4\n',
    );
    expect(JSON.parse((await runBerth(['sg', 'rule', 'ls', '--json', 'web'], { berth })).stdout)).toEqual(
      group.rules,
    );
    expect(berth.requests).toHaveLength(2);
  });

  it('an unknown group: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/security-groups/nope',
      apiError(404, 'security_group/not_found', 'security group nope does not exist'),
    );
    expect(await runBerth(['sg', 'rule', 'ls', 'nope'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: security_group/not_found: security group nope does not exist\n',
    });
  });
});
