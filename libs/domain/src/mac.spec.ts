import { isLocalUnicastMac, isValidMac, MAC_PREFIX, newMac } from './mac';

describe('newMac', () => {
  it('puts three given bytes after the 52:54:00 prefix, lowercase and zero-padded', () => {
    expect(newMac(Uint8Array.from([0, 0x0a, 0xff]))).toBe('52:54:00:00:0a:ff');
    expect(newMac(Uint8Array.from([1, 2, 3]))).toBe('52:54:00:01:02:03');
  });

  it('draws random bytes when given none, always a valid locally administered unicast address', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const mac = newMac();
      expect(mac.startsWith(`${MAC_PREFIX}:`)).toBe(true);
      expect(isValidMac(mac)).toBe(true);
      expect(isLocalUnicastMac(mac)).toBe(true);
      seen.add(mac);
    }
    // 200 draws from 2^24: a repeat is possible but vanishingly rare.
    expect(seen.size).toBeGreaterThan(195);
  });

  it.each([0, 2, 6])('refuses %d bytes', (n) => {
    expect(() => newMac(new Uint8Array(n))).toThrow(RangeError);
  });
});

describe('isValidMac', () => {
  it.each(['52:54:00:12:34:56', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff'])('accepts %s', (m) => {
    expect(isValidMac(m)).toBe(true);
  });

  it.each([
    '52:54:00:12:34',
    '52:54:00:12:34:56:78',
    '52-54-00-12-34-56',
    '52:54:00:12:34:5',
    '52:54:00:12:34:5g',
    '52:54:00:AB:CD:EF',
    '525400123456',
    '',
    ' 52:54:00:12:34:56',
  ])('refuses %p', (m) => {
    expect(isValidMac(m)).toBe(false);
  });

  it('refuses non-strings', () => {
    for (const v of [null, undefined, 42, {}]) expect(isValidMac(v)).toBe(false);
  });
});

describe('isLocalUnicastMac', () => {
  it.each([
    ['52:54:00:12:34:56', true],
    ['02:00:00:00:00:01', true],
    ['fe:00:00:00:00:01', true],
    ['00:16:3e:00:00:01', false], // universally administered (Xen's OUI)
    ['03:00:00:00:00:01', false], // multicast
    ['01:00:5e:00:00:01', false], // IPv4 multicast
    ['ff:ff:ff:ff:ff:ff', false], // broadcast
    ['nope', false],
  ])('%s: %p', (m, expected) => {
    expect(isLocalUnicastMac(m)).toBe(expected);
  });
});
