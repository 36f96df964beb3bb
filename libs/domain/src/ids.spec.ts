import {
  ID_PREFIXES,
  ULID_ALPHABET,
  ULID_MAX_TIME_MS,
  idTimestamp,
  isId,
  isIdPrefix,
  newId,
  parseId,
  type ContainerId,
  type HostId,
  type Id,
  type IdPrefix,
} from './ids';

// ids.ts draws from Web Crypto's global (libs/domain imports no Node builtin), read at call time.
const webCrypto = globalThis.crypto;

// An independent reference encoder (BigInt, not the bit juggling under test).
function referenceBase32(value: bigint, chars: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < chars; i++) {
    out = ULID_ALPHABET.charAt(Number(rest % 32n)) + out;
    rest /= 32n;
  }
  return out;
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

describe('ID_PREFIXES', () => {
  it('lists the prefixes of DESIGN.md, once each', () => {
    expect([...ID_PREFIXES]).toEqual([
      'ten',
      'key',
      'hst',
      'ctr',
      'pod',
      'img',
      'vol',
      'snap',
      'net',
      'fip',
      'sg',
      'sgr',
      'op',
      'use',
      'jtk',
      'bdl',
    ]);
    expect(new Set(ID_PREFIXES).size).toBe(ID_PREFIXES.length);
  });

  it('has no prefix containing an underscore, so the first _ always ends the prefix', () => {
    for (const p of ID_PREFIXES) expect(p).toMatch(/^[a-z]+$/);
  });

  it('isIdPrefix accepts exactly the prefixes', () => {
    for (const p of ID_PREFIXES) expect(isIdPrefix(p)).toBe(true);
    for (const v of ['', 'CTR', 'ctr_', 'container', 'snapshot', 1, null, undefined, {}]) {
      expect(isIdPrefix(v)).toBe(false);
    }
  });
});

describe('ULID_ALPHABET', () => {
  it('is lowercase Crockford base32: 32 distinct characters without i, l, o, u', () => {
    expect(ULID_ALPHABET).toBe('0123456789abcdefghjkmnpqrstvwxyz');
    expect(new Set(ULID_ALPHABET).size).toBe(32);
    for (const c of 'ilou') expect(ULID_ALPHABET).not.toContain(c);
  });
});

describe('newId', () => {
  it.each(ID_PREFIXES.map((p) => [p]))('makes a well-formed %s id', (prefix) => {
    const id = newId(prefix);
    expect(id).toMatch(new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`));
    expect(isId(prefix, id)).toBe(true);
  });

  it('encodes the timestamp in the first 10 characters (the ULID spec example)', () => {
    // From the ULID spec: 1469918176385 ms encodes as 01ARYZ6S41.
    const id = newId('ctr', 1469918176385);
    expect(id.slice(4, 14)).toBe('01aryz6s41');
    expect(idTimestamp(id)).toBe(1469918176385);
  });

  it.each([
    [0, '0000000000'],
    [1, '0000000001'],
    [31, '000000000z'],
    [32, '0000000010'],
    [ULID_MAX_TIME_MS, '7zzzzzzzzz'],
  ])('encodes %d ms as %s', (ms, expected) => {
    expect(newId('op', ms).slice(3, 13)).toBe(expected);
  });

  it('round-trips timestamps through idTimestamp', () => {
    const samples = [
      0,
      1,
      1000,
      Date.UTC(2024, 0, 1),
      Date.UTC(2100, 5, 15, 12),
      ULID_MAX_TIME_MS - 1,
      ULID_MAX_TIME_MS,
    ];
    for (let i = 0; i < 200; i++) samples.push(Math.floor(Math.random() * ULID_MAX_TIME_MS));
    for (const ms of samples) {
      const id = newId('ten', ms);
      expect(idTimestamp(id)).toBe(ms);
      expect(id.slice(4, 14)).toBe(referenceBase32(BigInt(ms), 10));
    }
  });

  it('uses the current time by default', () => {
    const before = Date.now();
    const id = newId('hst');
    const after = Date.now();
    expect(idTimestamp(id)).toBeGreaterThanOrEqual(before);
    expect(idTimestamp(id)).toBeLessThanOrEqual(after);
  });

  it('sorts ids made in a later millisecond after ids made earlier', () => {
    for (let i = 0; i < 1000; i++) {
      const a = Math.floor(Math.random() * (ULID_MAX_TIME_MS - 1));
      const b = a + 1 + Math.floor(Math.random() * (ULID_MAX_TIME_MS - a - 1));
      expect(newId('ctr', a) < newId('ctr', b)).toBe(true);
    }
  });

  it('sorts a sequence of ids by creation time', () => {
    const times = Array.from({ length: 300 }, (_, i) => 1_700_000_000_000 + i * 7);
    const ids = times.map((t) => newId('use', t));
    const shuffled = [...ids].sort(() => Math.random() - 0.5);
    expect(shuffled.sort()).toEqual(ids);
  });

  it('makes distinct ids within the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('ctr', 1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
  });

  it('draws 80 bits from crypto.getRandomValues and encodes them big-endian', () => {
    const cases: number[][] = [
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [255, 255, 255, 255, 255, 255, 255, 255, 255, 255],
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      [0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe, 0x12, 0x34],
    ];
    for (let i = 0; i < 50; i++) cases.push(Array.from(webCrypto.getRandomValues(new Uint8Array(10))));
    const spy = jest.spyOn(webCrypto, 'getRandomValues');
    try {
      for (const bytes of cases) {
        spy.mockImplementationOnce((array: any) => {
          expect(array).toBeInstanceOf(Uint8Array);
          expect(array.length).toBe(10);
          (array as Uint8Array).set(bytes);
          return array;
        });
        const id = newId('vol', 0);
        expect(id.slice(14)).toBe(referenceBase32(bytesToBigInt(Uint8Array.from(bytes)), 16));
      }
      expect(spy).toHaveBeenCalledTimes(cases.length);
    } finally {
      spy.mockRestore();
    }
  });

  it('produces every alphabet character in the random part over many ids', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) for (const c of newId('img', 0).slice(14)) seen.add(c);
    expect([...seen].sort().join('')).toBe(ULID_ALPHABET);
  });

  it.each([[-1], [1.5], [Number.NaN], [Infinity], [ULID_MAX_TIME_MS + 1], [2 ** 53]])(
    'refuses timestamp %p',
    (ms) => {
      expect(() => newId('ctr', ms)).toThrow(RangeError);
    },
  );

  it('refuses an unknown prefix smuggled past the types', () => {
    expect(() => newId('xyz' as IdPrefix)).toThrow(TypeError);
  });
});

describe('isId', () => {
  const body = '01aryz6s41tsv4rrffq69g5fav';

  it('accepts a well-formed id of the given prefix', () => {
    expect(isId('ctr', `ctr_${body}`)).toBe(true);
    expect(isId('snap', `snap_${body}`)).toBe(true);
    expect(isId('sg', `sg_${body}`)).toBe(true);
  });

  it.each([
    ['another prefix', `hst_${body}`],
    ['no prefix', body],
    ['no underscore', `ctr${body}`],
    ['a dash instead of underscore', `ctr-${body}`],
    ['uppercase body', `ctr_${body.toUpperCase()}`],
    ['uppercase prefix', `CTR_${body}`],
    ['25 characters', `ctr_${body.slice(1)}`],
    ['27 characters', `ctr_${body}0`],
    ['the letter i', `ctr_${body.slice(0, 25)}i`],
    ['the letter l', `ctr_${body.slice(0, 25)}l`],
    ['the letter o', `ctr_${body.slice(0, 25)}o`],
    ['the letter u', `ctr_${body.slice(0, 25)}u`],
    ['a leading space', ` ctr_${body}`],
    ['a trailing newline', `ctr_${body}\n`],
    ['the empty string', ''],
    ['a prefix that merely starts the same', `ctrx_${body}`],
  ])('refuses %s', (_why, value) => {
    expect(isId('ctr', value)).toBe(false);
  });

  it.each([[null], [undefined], [42], [{}], [['ctr_' + body]], [Symbol('x')]])(
    'refuses non-string %p',
    (v) => {
      expect(isId('ctr', v)).toBe(false);
    },
  );

  it('does not confuse prefixes that share letters (s, sg, sgr, snap)', () => {
    expect(isId('sg', `snap_${body}`)).toBe(false);
    expect(isId('snap', `sg_${body}`)).toBe(false);
    expect(isId('op', `ops_${body}`)).toBe(false);
    expect(isId('sg', `sgr_${body}`)).toBe(false);
    expect(isId('sgr', `sg_${body}`)).toBe(false);
  });

  it('accepts every id newId makes and only for its own prefix', () => {
    for (const p of ID_PREFIXES) {
      const id = newId(p);
      for (const q of ID_PREFIXES) expect(isId(q, id)).toBe(p === q);
    }
  });

  it('throws on an unknown prefix smuggled past the types', () => {
    expect(() => isId('nope' as IdPrefix, `nope_${body}`)).toThrow(TypeError);
  });
});

describe('parseId', () => {
  it('returns the id when valid and null otherwise', () => {
    const id = newId('net');
    expect(parseId('net', id)).toBe(id);
    expect(parseId('fip', id)).toBeNull();
    expect(parseId('net', 'net_nope')).toBeNull();
    expect(parseId('net', undefined)).toBeNull();
    expect(parseId('net', 17)).toBeNull();
  });
});

describe('idTimestamp', () => {
  it('reads the timestamp whatever the prefix length', () => {
    expect(idTimestamp(newId('sg', 123456789))).toBe(123456789);
    expect(idTimestamp(newId('snap', 987654321))).toBe(987654321);
  });

  it.each([['ctr_short'], ['nope_01aryz6s41tsv4rrffq69g5fav'], ['ctr_01ARYZ6S41TSV4RRFFQ69G5FAV'], ['']])(
    'throws on a malformed value cast to an id: %p',
    (value) => {
      expect(() => idTimestamp(value as Id<IdPrefix>)).toThrow(TypeError);
    },
  );
});

describe('types', () => {
  it('keeps ids of different kinds apart at compile time', () => {
    const host: HostId = newId('hst');
    const container: ContainerId = newId('ctr');
    // @ts-expect-error a HostId is not a ContainerId
    const wrong: ContainerId = host;
    // @ts-expect-error a plain string is not an id
    const plain: ContainerId = 'ctr_01aryz6s41tsv4rrffq69g5fav';
    const asString: string = container;
    expect([wrong, plain, asString]).toHaveLength(3);
  });
});
