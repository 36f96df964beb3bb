import { DomainError } from './errors';
import {
  ANYWHERE,
  describeRule,
  effectiveRules,
  RULE_DIRECTIONS,
  RULE_PROTOCOLS,
  validateSecurityRule,
  type GroupRule,
  type SecurityRuleInput,
} from './security-rules';

function refusal(input: SecurityRuleInput): { message: string; field: unknown } {
  try {
    validateSecurityRule(input);
  } catch (e) {
    if (e instanceof DomainError) {
      expect(e.code).toBe('request/invalid');
      return { message: e.message, field: e.details?.field };
    }
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe('validateSecurityRule', () => {
  const tcp = { direction: 'ingress', protocol: 'tcp', cidr: '10.0.0.0/24' } as const;

  it('lists directions and protocols', () => {
    expect(RULE_DIRECTIONS).toEqual(['ingress', 'egress']);
    expect(RULE_PROTOCOLS).toEqual(['tcp', 'udp', 'icmp', 'all']);
  });

  it('accepts a tcp port range and keeps it', () => {
    expect(validateSecurityRule({ ...tcp, portFrom: 80, portTo: 443 })).toEqual({
      direction: 'ingress',
      protocol: 'tcp',
      portFrom: 80,
      portTo: 443,
      cidr: '10.0.0.0/24',
      remoteGroup: null,
    });
  });

  it('reads portFrom alone as one port, and no ports as every port', () => {
    expect(validateSecurityRule({ ...tcp, protocol: 'udp', portFrom: 53 })).toMatchObject({
      portFrom: 53,
      portTo: 53,
    });
    expect(validateSecurityRule({ ...tcp, portFrom: null, portTo: null })).toMatchObject({
      portFrom: null,
      portTo: null,
    });
    expect(validateSecurityRule(tcp)).toMatchObject({ portFrom: null, portTo: null });
  });

  it.each([
    [1, 1],
    [1, 65535],
    [65535, 65535],
  ])('accepts ports %d-%d', (portFrom, portTo) => {
    expect(validateSecurityRule({ ...tcp, portFrom, portTo })).toMatchObject({ portFrom, portTo });
  });

  it.each([
    [{ portFrom: 0 }, 'portFrom', /1 to 65535/],
    [{ portFrom: 65536 }, 'portFrom', /1 to 65535/],
    [{ portFrom: 80.5 }, 'portFrom', /integer/],
    [{ portFrom: '80' }, 'portFrom', /integer/],
    [{ portFrom: 80, portTo: 0 }, 'portTo', /1 to 65535/],
    [{ portFrom: 80, portTo: 70000 }, 'portTo', /1 to 65535/],
    [{ portFrom: 443, portTo: 80 }, 'portTo', /must not be below portFrom/],
    [{ portTo: 80 }, 'portFrom', /portTo needs portFrom/],
  ])('refuses tcp %p', (ports, field, message) => {
    const r = refusal({ ...tcp, ...ports });
    expect(r.field).toBe(field);
    expect(r.message).toMatch(message);
  });

  it.each(['icmp', 'all'])('refuses ports for %s, and accepts it without', (protocol) => {
    expect(refusal({ ...tcp, protocol, portFrom: 1 }).message).toMatch(/only to tcp and udp/);
    expect(refusal({ ...tcp, protocol, portTo: 1 }).message).toMatch(/only to tcp and udp/);
    expect(validateSecurityRule({ ...tcp, protocol })).toMatchObject({
      protocol,
      portFrom: null,
      portTo: null,
    });
    expect(validateSecurityRule({ ...tcp, protocol, portFrom: null })).toMatchObject({ portFrom: null });
  });

  it.each([
    [{ direction: 'sideways' }, 'direction'],
    [{ direction: undefined }, 'direction'],
    [{ direction: 1 }, 'direction'],
    [{ protocol: 'sctp' }, 'protocol'],
    [{ protocol: 'TCP' }, 'protocol'],
    [{ protocol: undefined }, 'protocol'],
  ])('refuses %p', (over, field) => {
    expect(refusal({ ...tcp, ...over }).field).toBe(field);
  });

  it('wants exactly one of cidr and remoteGroup', () => {
    expect(refusal({ direction: 'ingress', protocol: 'all' }).message).toMatch(/exactly one of cidr/);
    expect(refusal({ direction: 'ingress', protocol: 'all', cidr: null, remoteGroup: null }).field).toBe(
      'cidr',
    );
    expect(
      refusal({ direction: 'ingress', protocol: 'all', cidr: '10.0.0.0/8', remoteGroup: 'web' }).field,
    ).toBe('remoteGroup');
  });

  it('accepts a remote group by id or name, as written', () => {
    expect(validateSecurityRule({ direction: 'egress', protocol: 'all', remoteGroup: 'web' })).toEqual({
      direction: 'egress',
      protocol: 'all',
      portFrom: null,
      portTo: null,
      cidr: null,
      remoteGroup: 'web',
    });
    expect(refusal({ direction: 'egress', protocol: 'all', remoteGroup: '' }).field).toBe('remoteGroup');
    expect(refusal({ direction: 'egress', protocol: 'all', remoteGroup: 7 }).field).toBe('remoteGroup');
  });

  it('puts the cidr in canonical form, a bare address as its /32', () => {
    expect(validateSecurityRule({ ...tcp, cidr: '0.0.0.0/0' }).cidr).toBe('0.0.0.0/0');
    expect(validateSecurityRule({ ...tcp, cidr: '198.51.100.7' }).cidr).toBe('198.51.100.7/32');
    expect(refusal({ ...tcp, cidr: '10.0.0.1/24' }).message).toMatch(/did you mean 10.0.0.0\/24/);
    expect(refusal({ ...tcp, cidr: 'everywhere' }).field).toBe('cidr');
    expect(refusal({ ...tcp, cidr: 42 }).field).toBe('cidr');
  });
});

describe('effectiveRules', () => {
  const rule = (over: Partial<GroupRule>): GroupRule => ({
    direction: 'ingress',
    protocol: 'tcp',
    portFrom: 80,
    portTo: 80,
    cidr: null,
    remoteGroupId: null,
    ...over,
  });

  it('gives a container without groups ingress from its networks and all egress', () => {
    expect(
      effectiveRules({
        networkCidrs: ['10.240.0.0/24', '10.1.0.0/16', '10.240.0.0/24'],
        groups: [],
        groupMemberIps: new Map(),
      }),
    ).toEqual({
      ingress: [{ protocol: 'all', portFrom: null, portTo: null, cidrs: ['10.1.0.0/16', '10.240.0.0/24'] }],
      egress: [{ protocol: 'all', portFrom: null, portTo: null, cidrs: [ANYWHERE] }],
    });
  });

  it('gives no ingress to a container without groups and without networks', () => {
    expect(effectiveRules({ networkCidrs: [], groups: [], groupMemberIps: new Map() }).ingress).toEqual([]);
  });

  it("takes exactly the groups' rules when the container has groups: no default ingress or egress", () => {
    const out = effectiveRules({
      networkCidrs: ['10.240.0.0/24'],
      groups: [{ rules: [rule({ cidr: '0.0.0.0/0' })] }],
      groupMemberIps: new Map(),
    });
    expect(out).toEqual({
      ingress: [{ protocol: 'tcp', portFrom: 80, portTo: 80, cidrs: ['0.0.0.0/0'] }],
      egress: [],
    });
  });

  it('expands remote groups to their members as /32s, and drops a rule whose group has no members', () => {
    const out = effectiveRules({
      networkCidrs: ['10.240.0.0/24'],
      groups: [
        {
          rules: [
            rule({ remoteGroupId: 'sg_web', portFrom: 5432, portTo: 5432 }),
            rule({ remoteGroupId: 'sg_empty', portFrom: 22, portTo: 22 }),
            rule({ direction: 'egress', protocol: 'all', portFrom: null, portTo: null, cidr: '0.0.0.0/0' }),
          ],
        },
      ],
      groupMemberIps: new Map([
        ['sg_web', ['10.240.0.3', '10.0.0.2', '10.240.0.3']],
        ['sg_empty', []],
      ]),
    });
    expect(out.ingress).toEqual([
      { protocol: 'tcp', portFrom: 5432, portTo: 5432, cidrs: ['10.0.0.2/32', '10.240.0.3/32'] },
    ]);
    expect(out.egress).toEqual([{ protocol: 'all', portFrom: null, portTo: null, cidrs: ['0.0.0.0/0'] }]);
  });

  it('unions the rules of several groups, merging those with the same protocol and ports', () => {
    const out = effectiveRules({
      networkCidrs: [],
      groups: [
        {
          rules: [
            rule({ cidr: '10.0.0.0/8' }),
            rule({ protocol: 'icmp', portFrom: null, portTo: null, cidr: '0.0.0.0/0' }),
          ],
        },
        {
          rules: [
            rule({ cidr: '192.168.0.0/16' }),
            rule({ cidr: '10.0.0.0/8' }),
            rule({ protocol: 'udp', portFrom: 53, portTo: 53, cidr: '10.0.0.0/8' }),
            rule({ portFrom: 443, portTo: 443, remoteGroupId: 'sg_a' }),
          ],
        },
      ],
      groupMemberIps: new Map([['sg_a', ['10.0.0.9']]]),
    });
    expect(out.ingress).toEqual([
      { protocol: 'tcp', portFrom: 80, portTo: 80, cidrs: ['10.0.0.0/8', '192.168.0.0/16'] },
      { protocol: 'tcp', portFrom: 443, portTo: 443, cidrs: ['10.0.0.9/32'] },
      { protocol: 'udp', portFrom: 53, portTo: 53, cidrs: ['10.0.0.0/8'] },
      { protocol: 'icmp', portFrom: null, portTo: null, cidrs: ['0.0.0.0/0'] },
    ]);
  });

  it('is the same whatever order groups and rules come in', () => {
    const rules = [
      rule({ cidr: '10.0.0.0/8' }),
      rule({ protocol: 'all', portFrom: null, portTo: null, cidr: '192.168.1.0/24' }),
      rule({ protocol: 'udp', portFrom: 1000, portTo: 2000, remoteGroupId: 'sg_x' }),
      rule({ direction: 'egress', protocol: 'tcp', portFrom: 443, portTo: 443, cidr: '0.0.0.0/0' }),
    ];
    const members = new Map([['sg_x', ['10.0.0.7', '10.0.0.3']]]);
    const a = effectiveRules({ networkCidrs: [], groups: [{ rules }], groupMemberIps: members });
    const b = effectiveRules({
      networkCidrs: [],
      groups: [{ rules: [rules[3]!, rules[2]!] }, { rules: [rules[1]!, rules[0]!] }],
      groupMemberIps: new Map([['sg_x', ['10.0.0.3', '10.0.0.7']]]),
    });
    expect(b).toEqual(a);
    expect(a.ingress.map((r) => r.protocol)).toEqual(['all', 'tcp', 'udp']);
  });

  it('treats an address and its /32 as one', () => {
    const out = effectiveRules({
      networkCidrs: [],
      groups: [{ rules: [rule({ cidr: '10.0.0.9/32' }), rule({ remoteGroupId: 'sg_a' })] }],
      groupMemberIps: new Map([['sg_a', ['10.0.0.9']]]),
    });
    expect(out.ingress).toEqual([{ protocol: 'tcp', portFrom: 80, portTo: 80, cidrs: ['10.0.0.9/32'] }]);
  });
});

describe('describeRule', () => {
  it('writes rules the way people read them', () => {
    expect(
      describeRule({
        direction: 'ingress',
        protocol: 'tcp',
        portFrom: 80,
        portTo: 443,
        cidr: '10.0.0.0/8',
        remoteGroupId: null,
      }),
    ).toBe('ingress tcp 80-443 from 10.0.0.0/8');
    expect(
      describeRule({
        direction: 'egress',
        protocol: 'udp',
        portFrom: 53,
        portTo: 53,
        cidr: null,
        remoteGroup: 'dns',
      }),
    ).toBe('egress udp 53 to group dns');
    expect(
      describeRule({
        direction: 'egress',
        protocol: 'all',
        portFrom: null,
        portTo: null,
        cidr: '0.0.0.0/0',
        remoteGroupId: null,
      }),
    ).toBe('egress all to 0.0.0.0/0');
  });
});
