import { DomainError } from './errors';
import {
  assignableHostCount,
  broadcastOf,
  cidrContains,
  cidrSize,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  gatewayOf,
  hostCount,
  isIpv4,
  lastAddress,
  FIRST_NIC_SLOT,
  nicSlotAddress,
  nicSlotEnd,
  lowestFreeInPool,
  nextFreeCidr,
  nthHost,
  parseAddressPool,
  parseCidr,
  parseIpv4,
  poolContains,
  poolSize,
  prefixMask,
  privateRangeOf,
  PRIVATE_RANGES,
  tryParseCidr,
  validateNetworkCidr,
  type Cidr,
} from './ipv4';

const ip = (t: string): number => {
  const n = parseIpv4(t);
  if (n === null) throw new Error(`bad test address ${t}`);
  return n;
};
const cidr = (t: string): Cidr => {
  const c = tryParseCidr(t);
  if (!c) throw new Error(`bad test cidr ${t}`);
  return c;
};

function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('parseIpv4 / formatIpv4 / isIpv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['0.0.0.1', 1],
    ['10.0.0.1', 0x0a000001],
    ['192.168.1.254', 0xc0a801fe],
    ['255.255.255.255', 0xffffffff],
    ['128.0.0.0', 0x80000000],
  ])('parses %s as %d and formats it back', (text, n) => {
    expect(parseIpv4(text)).toBe(n);
    expect(formatIpv4(n)).toBe(text);
    expect(isIpv4(text)).toBe(true);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.-1',
    '01.2.3.4',
    '1.2.3.04',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1..2.3',
    'a.b.c.d',
    '1.2.3.4/32',
    '::1',
    '0x1.2.3.4',
  ])('refuses %p', (text) => {
    expect(parseIpv4(text)).toBeNull();
    expect(isIpv4(text)).toBe(false);
  });

  it('isIpv4 refuses non-strings', () => {
    for (const v of [null, undefined, 1, {}, ['1.2.3.4']]) expect(isIpv4(v)).toBe(false);
  });

  it.each([-1, 2 ** 32, 1.5, Number.NaN])('formatIpv4 refuses %p', (n) => {
    expect(() => formatIpv4(n)).toThrow(RangeError);
  });
});

describe('prefixMask and cidrSize', () => {
  it.each([
    [0, 0, 2 ** 32],
    [1, 0x80000000, 2 ** 31],
    [8, 0xff000000, 2 ** 24],
    [24, 0xffffff00, 256],
    [29, 0xfffffff8, 8],
    [31, 0xfffffffe, 2],
    [32, 0xffffffff, 1],
  ])('/%d has mask %d and %d addresses', (prefix, mask, size) => {
    expect(prefixMask(prefix)).toBe(mask);
    expect(cidrSize({ network: 0, prefix })).toBe(size);
  });
});

describe('tryParseCidr / parseCidr / formatCidr', () => {
  it.each(['0.0.0.0/0', '10.0.0.0/8', '10.240.0.0/24', '192.168.1.8/29', '1.2.3.4/32', '1.2.3.4/31'])(
    'round-trips %s',
    (t) => {
      expect(formatCidr(cidr(t))).toBe(t);
      expect(formatCidr(parseCidr(t))).toBe(t);
    },
  );

  it.each([
    '10.0.0.0',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/08',
    '10.0.0.0/2 4',
    'x/24',
    '/24',
  ])('refuses %p', (t) => {
    expect(tryParseCidr(t)).toBeNull();
    const e = domainErrorOf(() => parseCidr(t));
    expect(e.code).toBe('request/invalid');
    expect(e.details).toMatchObject({ field: 'cidr' });
  });

  it('refuses host bits and suggests the block that was meant', () => {
    expect(tryParseCidr('10.0.0.5/24')).toBeNull();
    const e = domainErrorOf(() => parseCidr('10.0.0.5/24', 'subnet'));
    expect(e.message).toBe('subnet 10.0.0.5/24 has host bits set; did you mean 10.0.0.0/24?');
    expect(e.details).toEqual({ field: 'subnet', suggestion: '10.0.0.0/24' });
  });

  it('takes a bare address as /32 only when asked', () => {
    expect(tryParseCidr('1.2.3.4')).toBeNull();
    expect(tryParseCidr('1.2.3.4', { hostAsSlash32: true })).toEqual({ network: ip('1.2.3.4'), prefix: 32 });
    expect(formatCidr(parseCidr('1.2.3.4', 'cidr', { hostAsSlash32: true }))).toBe('1.2.3.4/32');
    expect(domainErrorOf(() => parseCidr('1.2.3', 'cidr', { hostAsSlash32: true })).message).toMatch(
      /or one address/,
    );
  });

  it('shortens absurdly long input in its message', () => {
    const e = domainErrorOf(() => parseCidr('x'.repeat(1000)));
    expect(e.message.length).toBeLessThan(200);
  });
});

describe('cidrContains / cidrsOverlap', () => {
  it.each([
    ['10.0.0.0/8', '10.1.2.0/24', true],
    ['10.0.0.0/8', '10.0.0.0/8', true],
    ['10.0.0.0/24', '10.0.0.0/8', false],
    ['10.0.0.0/24', '10.0.1.0/24', false],
    ['0.0.0.0/0', '255.255.255.255/32', true],
    ['192.168.0.0/16', '192.169.0.0/24', false],
  ])('%s contains %s: %p', (outer, inner, expected) => {
    expect(cidrContains(cidr(outer), cidr(inner))).toBe(expected);
  });

  it('contains addresses of the block and no others', () => {
    const c = cidr('10.240.0.0/24');
    expect(cidrContains(c, ip('10.240.0.0'))).toBe(true);
    expect(cidrContains(c, ip('10.240.0.255'))).toBe(true);
    expect(cidrContains(c, ip('10.240.1.0'))).toBe(false);
    expect(cidrContains(c, ip('10.239.255.255'))).toBe(false);
    expect(cidrContains(cidr('128.0.0.0/1'), ip('255.0.0.1'))).toBe(true);
    expect(cidrContains(cidr('128.0.0.0/1'), ip('127.0.0.1'))).toBe(false);
  });

  it.each([
    ['10.0.0.0/16', '10.0.5.0/24', true],
    ['10.0.5.0/24', '10.0.0.0/16', true],
    ['10.0.0.0/24', '10.0.0.0/24', true],
    ['10.0.0.0/25', '10.0.0.128/25', false],
    ['10.0.0.0/24', '10.0.1.0/24', false],
    ['0.0.0.0/0', '1.2.3.4/32', true],
    ['192.168.0.0/29', '192.168.0.8/29', false],
  ])('%s and %s overlap: %p', (a, b, expected) => {
    expect(cidrsOverlap(cidr(a), cidr(b))).toBe(expected);
    expect(cidrsOverlap(cidr(b), cidr(a))).toBe(expected);
  });
});

describe('hosts of a block', () => {
  it.each([
    ['10.0.0.0/24', 254, '10.0.0.1', '10.0.0.254', '10.0.0.255'],
    ['10.0.0.0/27', 30, '10.0.0.1', '10.0.0.30', '10.0.0.31'],
    ['10.0.0.8/29', 6, '10.0.0.9', '10.0.0.14', '10.0.0.15'],
    ['10.0.0.0/30', 2, '10.0.0.1', '10.0.0.2', '10.0.0.3'],
    ['10.0.0.0/16', 65534, '10.0.0.1', '10.0.255.254', '10.0.255.255'],
  ])('%s: %d hosts from %s to %s, broadcast %s', (block, count, first, last, broadcast) => {
    const c = cidr(block);
    expect(hostCount(c)).toBe(count);
    expect(formatIpv4(nthHost(c, 0))).toBe(first);
    expect(formatIpv4(gatewayOf(c))).toBe(first);
    expect(formatIpv4(nthHost(c, count - 1))).toBe(last);
    expect(formatIpv4(broadcastOf(c)!)).toBe(broadcast);
    expect(formatIpv4(lastAddress(c))).toBe(broadcast);
    expect(assignableHostCount(c)).toBe(count - 1);
  });

  it('has two hosts in a /31 and one in a /32, without a broadcast address', () => {
    expect(hostCount(cidr('10.0.0.0/31'))).toBe(2);
    expect(formatIpv4(nthHost(cidr('10.0.0.0/31'), 0))).toBe('10.0.0.0');
    expect(formatIpv4(nthHost(cidr('10.0.0.0/31'), 1))).toBe('10.0.0.1');
    expect(broadcastOf(cidr('10.0.0.0/31'))).toBeNull();
    expect(hostCount(cidr('10.0.0.7/32'))).toBe(1);
    expect(formatIpv4(gatewayOf(cidr('10.0.0.7/32')))).toBe('10.0.0.7');
    expect(broadcastOf(cidr('10.0.0.7/32'))).toBeNull();
    expect(assignableHostCount(cidr('10.0.0.7/32'))).toBe(0);
  });

  it.each([-1, 254, 1.5])('nthHost refuses host %p of a /24', (n) => {
    expect(() => nthHost(cidr('10.0.0.0/24'), n)).toThrow(RangeError);
  });
});

describe('NIC slots', () => {
  const c = cidr('10.0.0.0/29'); // .1 gateway, .2-.6 assignable, .7 broadcast

  it('start after the gateway and end before the broadcast address', () => {
    const given: string[] = [];
    for (let slot = FIRST_NIC_SLOT; slot < nicSlotEnd(c); slot++)
      given.push(formatIpv4(nicSlotAddress(c, slot)));
    expect(given).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(given).toHaveLength(assignableHostCount(c));
  });

  it('a /27 has 29, never its network, gateway or broadcast address', () => {
    const block = cidr('10.9.0.0/27');
    const all = new Set<number>();
    for (let slot = FIRST_NIC_SLOT; slot < nicSlotEnd(block); slot++) all.add(nicSlotAddress(block, slot));
    expect(all.size).toBe(29);
    for (const reserved of ['10.9.0.0', '10.9.0.1', '10.9.0.31']) expect(all.has(ip(reserved))).toBe(false);
  });

  it.each([0, 6, -1, 1.5])('refuses slot %p of a /29', (slot) => {
    expect(() => nicSlotAddress(c, slot)).toThrow(RangeError);
  });
});

describe('validateNetworkCidr', () => {
  it.each([
    '10.240.0.0/24',
    '10.0.0.0/16',
    '172.16.0.0/29',
    '192.168.100.0/24',
    '100.64.0.0/16',
    '172.31.255.248/29',
  ])('accepts %s', (t) => {
    expect(formatCidr(validateNetworkCidr(t))).toBe(t);
  });

  it.each([
    ['10.0.0.0/8', /prefix from \/16 to \/29/],
    ['10.0.0.0/15', /prefix from \/16 to \/29/],
    ['10.0.0.0/30', /prefix from \/16 to \/29/],
    ['10.0.0.0/32', /prefix from \/16 to \/29/],
    ['8.8.8.0/24', /private range/],
    ['172.32.0.0/24', /private range/],
    ['192.169.0.0/24', /private range/],
    ['100.128.0.0/24', /private range/],
    ['10.0.0.1/24', /host bits/],
    ['banana', /IPv4 block/],
  ])('refuses %s', (t, message) => {
    const e = domainErrorOf(() => validateNetworkCidr(t));
    expect(e.code).toBe('request/invalid');
    expect(e.message).toMatch(message);
    expect(e.details).toMatchObject({ field: 'cidr' });
  });

  it('knows the private ranges', () => {
    expect(PRIVATE_RANGES.map(formatCidr)).toEqual([
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '100.64.0.0/10',
    ]);
    expect(formatCidr(privateRangeOf(cidr('172.20.1.0/24'))!)).toBe('172.16.0.0/12');
    expect(privateRangeOf(cidr('1.1.1.0/24'))).toBeNull();
  });
});

describe('nextFreeCidr', () => {
  it('keeps the preferred block when it is free', () => {
    expect(formatCidr(nextFreeCidr(cidr('10.240.0.0/24'), [cidr('10.1.0.0/16')])!)).toBe('10.240.0.0/24');
  });

  it('moves to the next block of the same size past the taken ones', () => {
    const taken = [cidr('10.240.0.0/24'), cidr('10.240.1.0/25')];
    expect(formatCidr(nextFreeCidr(cidr('10.240.0.0/24'), taken)!)).toBe('10.240.2.0/24');
  });

  it('wraps around inside the private range', () => {
    const taken = [cidr('192.168.255.0/24')];
    expect(formatCidr(nextFreeCidr(cidr('192.168.255.0/24'), taken)!)).toBe('192.168.0.0/24');
  });

  it('gives null when the range has no room', () => {
    expect(nextFreeCidr(cidr('192.168.0.0/16'), [cidr('192.168.3.0/24')])).toBeNull();
    expect(nextFreeCidr(cidr('192.168.0.0/17'), [cidr('192.168.0.0/16')])).toBeNull();
  });

  it('only tries the preferred block when it is outside the private ranges', () => {
    expect(nextFreeCidr(cidr('8.8.8.0/24'), [cidr('8.8.8.0/24')])).toBeNull();
    expect(formatCidr(nextFreeCidr(cidr('8.8.8.0/24'), [])!)).toBe('8.8.8.0/24');
  });
});

describe('address pools', () => {
  it('is empty for empty text and blanks', () => {
    expect(parseAddressPool('')).toEqual([]);
    expect(parseAddressPool(' , ,')).toEqual([]);
  });

  it('takes blocks without their network and broadcast addresses, and single addresses as they are', () => {
    const pool = parseAddressPool('203.0.113.0/29, 198.51.100.7,198.51.100.9/32 , 192.0.2.0/31');
    expect(pool.map((r) => [formatIpv4(r.first), formatIpv4(r.last)])).toEqual([
      ['192.0.2.0', '192.0.2.1'],
      ['198.51.100.7', '198.51.100.7'],
      ['198.51.100.9', '198.51.100.9'],
      ['203.0.113.1', '203.0.113.6'],
    ]);
    expect(poolSize(pool)).toBe(10);
    expect(poolContains(pool, ip('203.0.113.6'))).toBe(true);
    expect(poolContains(pool, ip('203.0.113.7'))).toBe(false);
    expect(poolContains(pool, ip('198.51.100.8'))).toBe(false);
  });

  it('refuses bad entries and overlaps', () => {
    expect(domainErrorOf(() => parseAddressPool('203.0.113.0/29,nope')).message).toMatch(/pool entry/);
    expect(domainErrorOf(() => parseAddressPool('203.0.113.1/29')).message).toMatch(/host bits/);
    expect(domainErrorOf(() => parseAddressPool('203.0.113.0/29,203.0.113.4')).message).toMatch(
      /overlap at 203.0.113.4/,
    );
  });

  it('gives the lowest free address across ranges, then null', () => {
    const pool = parseAddressPool('198.51.100.9, 203.0.113.0/30');
    const used = new Set<number>();
    const given: string[] = [];
    for (let a = lowestFreeInPool(pool, used); a !== null; a = lowestFreeInPool(pool, used)) {
      used.add(a);
      given.push(formatIpv4(a));
    }
    expect(given).toEqual(['198.51.100.9', '203.0.113.1', '203.0.113.2']);
    used.delete(ip('203.0.113.1'));
    expect(formatIpv4(lowestFreeInPool(pool, used)!)).toBe('203.0.113.1');
    expect(lowestFreeInPool([], new Set())).toBeNull();
  });
});
