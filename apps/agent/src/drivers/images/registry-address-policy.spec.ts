import { embeddedIpv4, RegistryAddressPolicy, RegistryAddressRefusedError } from './registry-address-policy';

describe('RegistryAddressPolicy', () => {
  const strict = new RegistryAddressPolicy();

  it.each([
    ['0.0.0.0', '0/8'],
    ['0.255.255.255', '0/8'],
    ['10.0.0.1', '10/8'],
    ['10.255.255.255', '10/8'],
    ['100.64.0.1', '100.64/10'],
    ['100.127.255.254', '100.64/10'],
    ['127.0.0.1', '127/8'],
    ['127.255.255.254', '127/8'],
    ['169.254.169.254', 'the metadata service'],
    ['169.254.0.1', '169.254/16'],
    ['172.16.0.1', '172.16/12'],
    ['172.31.255.255', '172.16/12'],
    ['192.168.1.1', '192.168/16'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'IPv6 loopback'],
    ['fe80::1', 'fe80::/10'],
    ['febf:ffff::1', 'fe80::/10'],
    ['fc00::1', 'fc00::/7'],
    ['fd12:3456::1', 'fc00::/7'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata, hex'],
    ['::ffff:10.1.2.3', 'IPv4-mapped private'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 metadata'],
    ['64:ff9b::192.168.0.1', 'NAT64 private'],
  ])('refuses %s (%s)', (address) => {
    expect(strict.allows(address)).toBe(false);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '223.255.255.255',
    '2606:4700::1111',
    '2001:db8::1',
    'fe7f::1',
    'fec0::1',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::808:808',
  ])('allows the public address %s', (address) => {
    expect(strict.allows(address)).toBe(true);
  });

  it('refuses what is not an address, and a link-local address with a zone', () => {
    expect(strict.allows('not-an-address')).toBe(false);
    expect(strict.allows('')).toBe(false);
    expect(strict.allows('fe80::1%eth0')).toBe(false);
  });

  it('allows exactly the ranges the operator lists, in either spelling', () => {
    const p = new RegistryAddressPolicy(['127.0.0.0/8', '10.20.0.0/16', 'fd00::/8']);
    expect(p.allows('127.0.0.1')).toBe(true);
    expect(p.allows('::ffff:127.0.0.1')).toBe(true);
    expect(p.allows('10.20.3.4')).toBe(true);
    expect(p.allows('10.21.0.1')).toBe(false);
    expect(p.allows('fd00::5')).toBe(true);
    expect(p.allows('fc00::5')).toBe(false);
    expect(p.allows('::1')).toBe(false);
    expect(p.allows('169.254.169.254')).toBe(false);
  });

  it('checks IP literals as hosts, bracketed or not, and leaves names to the lookup', () => {
    expect(() => strict.checkLiteral('127.0.0.1')).toThrow(RegistryAddressRefusedError);
    expect(() => strict.checkLiteral('[::1]')).toThrow(RegistryAddressRefusedError);
    expect(() => strict.checkLiteral('[::ffff:a9fe:a9fe]')).toThrow(/link-local, private or reserved/);
    expect(() => strict.checkLiteral('8.8.8.8')).not.toThrow();
    expect(() => strict.checkLiteral('registry.example.com')).not.toThrow();
  });

  it('refuses a name that resolves to a refused address, before any connection', async () => {
    const err = await new Promise<Error | null>((resolve) =>
      strict.lookup('localhost', { all: true }, (e) => resolve(e)),
    );
    expect(err).toBeInstanceOf(RegistryAddressRefusedError);
    expect(err?.message).toMatch(/^localhost resolves to (127\.0\.0\.1|::1)/);
  });

  it('hands a resolved, allowed address to the connection, in the shape asked for', async () => {
    const loopback = new RegistryAddressPolicy(['127.0.0.0/8', '::1/128']);
    const all = await new Promise<unknown>((resolve, reject) =>
      loopback.lookup('localhost', { all: true }, (e, addresses) => (e ? reject(e) : resolve(addresses))),
    );
    expect(all).toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.any(String) })]));
    const one = await new Promise<unknown[]>((resolve, reject) =>
      loopback.lookup('localhost', { family: 4 }, (e, address, family) =>
        e ? reject(e) : resolve([address, family]),
      ),
    );
    expect(one).toEqual(['127.0.0.1', 4]);
  });
});

describe('embeddedIpv4', () => {
  it.each([
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::ffff:102:304', '1.2.3.4'],
    ['0:0:0:0:0:ffff:0102:0304', '1.2.3.4'],
    ['::1.2.3.4', '1.2.3.4'],
    ['64:ff9b::1.2.3.4', '1.2.3.4'],
    ['::1', null],
    ['::', null],
    ['2001:db8::1.2.3.4', null],
    ['1.2.3.4', null],
  ])('%s embeds %s', (address, v4) => {
    expect(embeddedIpv4(address)).toBe(v4);
  });
});
