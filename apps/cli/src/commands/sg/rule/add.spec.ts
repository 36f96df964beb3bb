import { apiError, FakeBerth, runBerth } from '../../../testing/harness';
import { rule, securityGroup } from '../../../testing/fixtures';

const egressAll = securityGroup().rules[0]!;

describe('berth sg rule add', () => {
  it('builds the rule from its flags and prints the new rule id', async () => {
    const added = rule({ id: 'sgr_new', portFrom: 8000, portTo: 8080 });
    const berth = new FakeBerth().on(
      'POST',
      '/v1/security-groups/web/rules',
      securityGroup({ rules: [egressAll, rule(), added] }),
    );
    const res = await runBerth(
      [
        'sg',
        'rule',
        'add',
        'web',
        '--ingress',
        '--proto',
        'tcp',
        '--port',
        '8000-8080',
        '--cidr',
        '0.0.0.0/0',
      ],
      { berth },
    );
    expect(res).toMatchObject({ code: 0, stdout: 'sgr_new\n', stderr: '' });
    expect(berth.requests[0]!.body).toEqual({
      direction: 'ingress',
      protocol: 'tcp',
      portFrom: 8000,
      portTo: 8080,
      cidr: '0.0.0.0/0',
    });
  });

  it('ingress by default; one port; an address matched as the /32 berth stores', async () => {
    const added = rule({ id: 'sgr_one', protocol: 'udp', portFrom: 53, portTo: 53, cidr: '10.0.0.5/32' });
    const berth = new FakeBerth().on(
      'POST',
      '/v1/security-groups/web/rules',
      securityGroup({ rules: [egressAll, added] }),
    );
    const res = await runBerth(
      ['sg', 'rule', 'add', 'web', '--proto', 'udp', '--port', '53', '--cidr', '10.0.0.5'],
      {
        berth,
      },
    );
    expect(res.stdout).toBe('sgr_one\n');
    expect(berth.requests[0]!.body).toEqual({
      direction: 'ingress',
      protocol: 'udp',
      portFrom: 53,
      portTo: 53,
      cidr: '10.0.0.5',
    });
  });

  it('--egress with --to-group, and --from-group resolved by name when rules differ only by group', async () => {
    const byOther = rule({ id: 'sgr_other', direction: 'egress', cidr: null, remoteGroupId: 'sg_2' });
    const byDb = rule({ id: 'sgr_db', direction: 'egress', cidr: null, remoteGroupId: 'sg_3' });
    const berth = new FakeBerth()
      .on('POST', '/v1/security-groups/web/rules', securityGroup({ rules: [egressAll, byOther, byDb] }))
      .on('GET', '/v1/security-groups/db', securityGroup({ id: 'sg_3', name: 'db' }));
    const res = await runBerth(
      ['sg', 'rule', 'add', 'web', '--egress', '--proto', 'tcp', '--port', '80', '--to-group', 'db'],
      { berth },
    );
    expect(res).toMatchObject({ code: 0, stdout: 'sgr_db\n' });
    expect(berth.requests[0]!.body).toEqual({
      direction: 'egress',
      protocol: 'tcp',
      portFrom: 80,
      portTo: 80,
      remoteGroup: 'db',
    });

    const icmp = rule({
      id: 'sgr_icmp',
      protocol: 'icmp',
      portFrom: null,
      portTo: null,
      cidr: null,
      remoteGroupId: 'sg_2',
    });
    const berth2 = new FakeBerth().on(
      'POST',
      '/v1/security-groups/web/rules',
      securityGroup({ rules: [icmp] }),
    );
    const res2 = await runBerth(['sg', 'rule', 'add', 'web', '--proto', 'icmp', '--from-group', 'other'], {
      berth: berth2,
    });
    expect(res2.stdout).toBe('sgr_icmp\n');
    expect(berth2.requests[0]!.body).toEqual({
      direction: 'ingress',
      protocol: 'icmp',
      remoteGroup: 'other',
    });
  });

  it('--json prints the whole group', async () => {
    const group = securityGroup({ rules: [egressAll, rule()] });
    const berth = new FakeBerth().on('POST', '/v1/security-groups/web/rules', group);
    const res = await runBerth(
      ['sg', 'rule', 'add', 'web', '--proto', 'tcp', '--port', '80', '--cidr', '0.0.0.0/0', '--json'],
      { berth },
    );
    expect(JSON.parse(res.stdout)).toEqual(group);
  });

  it('refuses contradicting or missing flags with exit 2 and sends nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--proto', 'tcp'], /give exactly one peer: --cidr ADDRESSES or --from-group GROUP/],
      [['--proto', 'tcp', '--cidr', '0.0.0.0/0', '--from-group', 'x'], /give exactly one peer/],
      [['--ingress', '--egress', '--proto', 'tcp', '--cidr', '0.0.0.0/0'], /not both/],
      [['--egress', '--proto', 'tcp', '--from-group', 'x'], /--from-group is for ingress rules/],
      [['--proto', 'tcp', '--to-group', 'x'], /--to-group is for egress rules/],
      [['--proto', 'icmp', '--port', '80', '--cidr', '0.0.0.0/0'], /--port applies to tcp and udp only/],
      [['--proto', 'tcp', '--port', '90-80', '--cidr', '0.0.0.0/0'], /below where it starts/],
      [['--proto', 'tcp', '--port', '70000', '--cidr', '0.0.0.0/0'], /a port is 1 to 65535/],
      [['--proto', 'sctp', '--cidr', '0.0.0.0/0'], /Allowed choices are tcp, udp, icmp, all/],
      [['--cidr', '0.0.0.0/0'], /required option '--proto <protocol>' not specified/],
    ];
    for (const [flags, message] of cases) {
      const res = await runBerth(['sg', 'rule', 'add', 'web', ...flags]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(res.berth.requests).toHaveLength(0);
    }
  });

  it("the API's refusal: its code and exit 1", async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/security-groups/web/rules',
      apiError(400, 'request/invalid', 'cidr must be an IPv4 block such as 10.0.0.0/24'),
    );
    expect(
      await runBerth(['sg', 'rule', 'add', 'web', '--proto', 'all', '--cidr', 'nonsense'], { berth }),
    ).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: request/invalid: cidr must be an IPv4 block such as 10.0.0.0/24\n',
    });
  });
});
