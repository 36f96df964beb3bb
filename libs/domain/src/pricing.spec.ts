import {
  amountFor,
  containerMeter,
  CONTAINER_METERS,
  CONTAINER_PRICE_PER_SECOND,
  CURRENCY,
  FIP_PRICE_PER_SECOND,
  formatUsd,
  isUsageMeter,
  meterUnit,
  MIN_SECONDS_PER_START,
  NANO_USD_PER_USD,
  ratePerSecond,
  SECONDS_PER_MONTH,
  sizeOfMeter,
  SNAPSHOT_PRICE_PER_GB_MONTH,
  stripeUnitAmountDecimal,
  USAGE_METERS,
  USAGE_RESOURCE_TYPES,
  VOLUME_PRICE_PER_GB_MONTH,
  type UsageMeter,
} from './pricing';
import { SIZE_NAMES, type SizeName } from './sizes';

const DAY = 86_400;
const STORAGE_METERS = ['volume.gib', 'snapshot.gib'] as const;
const PER_GB_MONTH: Record<(typeof STORAGE_METERS)[number], number> = {
  'volume.gib': VOLUME_PRICE_PER_GB_MONTH,
  'snapshot.gib': SNAPSHOT_PRICE_PER_GB_MONTH,
};

/** The reference: gbSeconds x price / month, rounded half up, in BigInt (no float anywhere). */
function prorated(gbSeconds: number | bigint, perGbMonth: number): bigint {
  const month = BigInt(SECONDS_PER_MONTH);
  const exact2 = BigInt(gbSeconds) * BigInt(perGbMonth) * 2n; // twice the exact amount, in units of 1/month
  return (exact2 + month) / (2n * month);
}

describe('constants', () => {
  it('prices in US dollars, in nano-dollars', () => {
    expect(CURRENCY).toBe('usd');
    expect(NANO_USD_PER_USD).toBe(1_000_000_000);
  });

  it('has a 30-day month', () => {
    expect(SECONDS_PER_MONTH).toBe(2_592_000);
    expect(SECONDS_PER_MONTH).toBe(30 * DAY);
  });

  it('bills a start at least 10 seconds', () => {
    expect(MIN_SECONDS_PER_START).toBe(10);
  });

  it('prices storage and floating IPs as documented', () => {
    expect(VOLUME_PRICE_PER_GB_MONTH).toBe(100_000_000); // $0.10
    expect(SNAPSHOT_PRICE_PER_GB_MONTH).toBe(50_000_000); // $0.05
    expect(FIP_PRICE_PER_SECOND).toBe(400);
    // "about $1.04 a month"
    expect(FIP_PRICE_PER_SECOND * SECONDS_PER_MONTH).toBe(1_036_800_000);
    expect(formatUsd(FIP_PRICE_PER_SECOND * SECONDS_PER_MONTH)).toBe('1.036800000');
  });

  it('lists the resource types', () => {
    expect([...USAGE_RESOURCE_TYPES]).toEqual(['container', 'volume', 'snapshot', 'floating_ip']);
  });
});

describe('CONTAINER_PRICE_PER_SECOND', () => {
  it('prices exactly the sizes, no more and no fewer', () => {
    expect(Object.keys(CONTAINER_PRICE_PER_SECOND).sort()).toEqual([...SIZE_NAMES].sort());
  });

  it.each(SIZE_NAMES.map((s) => [s]))('prices %s as a positive whole number of nano-dollars', (size) => {
    const price = CONTAINER_PRICE_PER_SECOND[size];
    expect(typeof price).toBe('number');
    expect(Number.isSafeInteger(price)).toBe(true);
    expect(price).toBeGreaterThan(0);
  });

  it('is strictly increasing with size, smallest first', () => {
    const prices = SIZE_NAMES.map((s) => CONTAINER_PRICE_PER_SECOND[s]);
    for (let i = 1; i < prices.length; i++) expect(prices[i]!).toBeGreaterThan(prices[i - 1]!);
  });

  it("is Hyper.sh's price list (S1 $0.0000004 a second … L3 $0.000192)", () => {
    expect(CONTAINER_PRICE_PER_SECOND).toEqual({
      s1: 400,
      s2: 800,
      s3: 1_500,
      s4: 3_000,
      m1: 6_000,
      m2: 12_000,
      m3: 24_000,
      l1: 48_000,
      l2: 96_000,
      l3: 192_000,
    });
    expect(formatUsd(CONTAINER_PRICE_PER_SECOND.s1)).toBe('0.000000400');
    expect(formatUsd(CONTAINER_PRICE_PER_SECOND.l3)).toBe('0.000192000');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CONTAINER_PRICE_PER_SECOND)).toBe(true);
    expect(() => {
      (CONTAINER_PRICE_PER_SECOND as Record<SizeName, number>).s1 = 1;
    }).toThrow(TypeError);
    expect(CONTAINER_PRICE_PER_SECOND.s1).toBe(400);
  });
});

describe('USAGE_METERS', () => {
  it('is one container meter per size, in size order, then storage and floating IPs', () => {
    expect([...USAGE_METERS]).toEqual([
      ...SIZE_NAMES.map((s) => `container.${s}`),
      'volume.gib',
      'snapshot.gib',
      'fip',
    ]);
    expect([...CONTAINER_METERS]).toEqual(SIZE_NAMES.map((s) => `container.${s}`));
  });

  it('has no duplicates', () => {
    expect(new Set(USAGE_METERS).size).toBe(USAGE_METERS.length);
  });
});

describe('containerMeter and sizeOfMeter', () => {
  it.each(SIZE_NAMES.map((s) => [s]))('round-trips %s', (size) => {
    const meter = containerMeter(size);
    expect(meter).toBe(`container.${size}`);
    expect(isUsageMeter(meter)).toBe(true);
    expect(sizeOfMeter(meter)).toBe(size);
  });

  it.each<[UsageMeter]>([['volume.gib'], ['snapshot.gib'], ['fip']])('has no size for %s', (meter) => {
    expect(sizeOfMeter(meter)).toBeNull();
  });
});

describe('meterUnit', () => {
  it.each(CONTAINER_METERS.map((m) => [m]))('counts %s in seconds', (meter) => {
    expect(meterUnit(meter)).toBe('second');
  });

  it('counts floating IPs in seconds', () => {
    expect(meterUnit('fip')).toBe('second');
  });

  it.each(STORAGE_METERS.map((m) => [m]))('counts %s in GB-seconds', (meter) => {
    expect(meterUnit(meter)).toBe('gb-second');
  });
});

describe('isUsageMeter', () => {
  it.each(USAGE_METERS.map((m) => [m]))('accepts %s', (meter) => {
    expect(isUsageMeter(meter)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['an unknown size', 'container.x9'],
    ['a bare size', 's1'],
    ['the bare prefix', 'container.'],
    ['upper case', 'CONTAINER.S1'],
    ['a size in upper case', 'container.S1'],
    ['surrounding space', ' fip'],
    ['a trailing space', 'fip '],
    ['a near miss', 'volume.gb'],
    ['a resource type', 'floating_ip'],
    ['the empty string', ''],
    ['a number', 1],
    ['null', null],
    ['undefined', undefined],
    ['an array holding a meter', ['fip']],
    ['an object', { meter: 'fip' }],
    ['a String object', new String('fip')],
  ])('refuses %s', (_what, value) => {
    expect(isUsageMeter(value)).toBe(false);
  });
});

describe('amountFor', () => {
  describe('containers: seconds x the size price', () => {
    it.each(SIZE_NAMES.map((s) => [s]))('%s', (size) => {
      const meter = containerMeter(size);
      const price = CONTAINER_PRICE_PER_SECOND[size];
      expect(amountFor(meter, 0)).toBe(0);
      expect(amountFor(meter, 1)).toBe(price);
      expect(amountFor(meter, MIN_SECONDS_PER_START)).toBe(10 * price);
      expect(amountFor(meter, 3600)).toBe(3600 * price);
      expect(amountFor(meter, SECONDS_PER_MONTH)).toBe(SECONDS_PER_MONTH * price);
    });

    it('is exact for known values', () => {
      expect(amountFor('container.s1', 1)).toBe(400);
      expect(amountFor('container.s4', 3600)).toBe(10_800_000); // $0.0108 an hour
      expect(amountFor('container.l3', SECONDS_PER_MONTH)).toBe(497_664_000_000); // $497.664 a month
      expect(amountFor('container.m3', 31 * DAY)).toBe(64_281_600_000);
    });

    it('is linear: rating a sum equals summing the ratings', () => {
      for (const meter of CONTAINER_METERS) {
        expect(amountFor(meter, 123 + 4567)).toBe(amountFor(meter, 123) + amountFor(meter, 4567));
      }
    });
  });

  describe('floating IPs: seconds x FIP_PRICE_PER_SECOND', () => {
    it.each([
      [0, 0],
      [1, 400],
      [10, 4_000],
      [3600, 1_440_000],
      [SECONDS_PER_MONTH, 1_036_800_000],
    ])('%i s is %i', (seconds, amount) => {
      expect(amountFor('fip', seconds)).toBe(amount);
      expect(amountFor('fip', seconds)).toBe(seconds * FIP_PRICE_PER_SECOND);
    });
  });

  describe('storage: pro-rated per GB-month over a 30-day month', () => {
    it('bills a 1 GB volume for a full 30-day month at exactly the monthly price', () => {
      expect(amountFor('volume.gib', SECONDS_PER_MONTH)).toBe(VOLUME_PRICE_PER_GB_MONTH);
      expect(amountFor('volume.gib', 30 * DAY)).toBe(100_000_000);
      expect(amountFor('snapshot.gib', SECONDS_PER_MONTH)).toBe(SNAPSHOT_PRICE_PER_GB_MONTH);
    });

    it('bills N GB-months at exactly N times the monthly price', () => {
      for (const gb of [2, 10, 100, 1024, 65_536]) {
        expect(amountFor('volume.gib', gb * SECONDS_PER_MONTH)).toBe(gb * VOLUME_PRICE_PER_GB_MONTH);
        expect(amountFor('snapshot.gib', gb * SECONDS_PER_MONTH)).toBe(gb * SNAPSHOT_PRICE_PER_GB_MONTH);
      }
    });

    it('bills half and a tenth of a month exactly', () => {
      expect(amountFor('volume.gib', 15 * DAY)).toBe(50_000_000);
      expect(amountFor('volume.gib', 3 * DAY)).toBe(10_000_000);
      expect(amountFor('snapshot.gib', 3 * DAY)).toBe(5_000_000);
    });

    it.each([
      // gbSeconds, volume, snapshot (exact: gbSeconds x 3125/81, and x 3125/162)
      [0, 0, 0],
      [1, 39, 19], // 38.58…, 19.29…
      [2, 77, 39], // 77.16…, 38.58…
      [3, 116, 58], // 115.74…, 57.87…
      [81, 3_125, 1_563], // 3125 exactly; 1562.5 rounds half up
      [243, 9_375, 4_688], // 9375 exactly; 4687.5 rounds half up
      [3600, 138_889, 69_444], // one GB-hour: 138888.8…, 69444.4…
      [DAY, 3_333_333, 1_666_667], // one GB-day: 3333333.3…, 1666666.6…
    ])('%i GB-seconds is %i (volume) and %i (snapshot), rounded half up', (gbs, volume, snapshot) => {
      expect(amountFor('volume.gib', gbs)).toBe(volume);
      expect(amountFor('snapshot.gib', gbs)).toBe(snapshot);
    });

    it('rounds once, on the whole quantity, not per second', () => {
      // 1 GB-second is 38.58 (rounds to 39), but two of them rated together are 77.16 (77), not 78.
      expect(amountFor('volume.gib', 2)).toBe(77);
      expect(2 * amountFor('volume.gib', 1)).toBe(78);
      // A GB-day rated as one amount, not 86,400 rounded seconds.
      expect(amountFor('volume.gib', DAY)).toBe(3_333_333);
      expect(DAY * amountFor('volume.gib', 1)).toBe(3_369_600);
    });

    it('matches a BigInt computation for every quantity up to a few thousand', () => {
      for (const meter of STORAGE_METERS) {
        for (let gbs = 0; gbs <= 5000; gbs++) {
          expect(BigInt(amountFor(meter, gbs))).toBe(prorated(gbs, PER_GB_MONTH[meter]));
        }
      }
    });

    it('is exact for 1024 GB over a 31-day month, where floats would lose digits', () => {
      const gbSeconds = 1024 * 31 * DAY; // 2,742,681,600
      // gbSeconds x price is 2.7e17, past Number.MAX_SAFE_INTEGER: the product must not be a float.
      expect(gbSeconds * VOLUME_PRICE_PER_GB_MONTH).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
      const expected = prorated(gbSeconds, VOLUME_PRICE_PER_GB_MONTH);
      expect(expected).toBe(105_813_333_333n); // 1024 x 31/30 x $0.10 = $105.8133333…
      expect(amountFor('volume.gib', gbSeconds)).toBe(Number(expected));
      expect(formatUsd(amountFor('volume.gib', gbSeconds))).toBe('105.813333333');
      expect(BigInt(amountFor('snapshot.gib', gbSeconds))).toBe(
        prorated(gbSeconds, SNAPSHOT_PRICE_PER_GB_MONTH),
      );
      expect(amountFor('snapshot.gib', gbSeconds)).toBe(52_906_666_667); // …666.67 rounds up
    });

    it.each([
      [16 * 1024 * 31 * DAY],
      [1024 * 365 * DAY],
      [65_536 * 366 * DAY + 12_345],
      // The largest quantities whose amount is still a safe integer (about $9 million).
      [2 ** 47 + 1],
      [225_179_981_368_527],
    ])('is exact for the huge quantity %i GB-seconds', (gbSeconds) => {
      for (const meter of STORAGE_METERS) {
        expect(Number.isSafeInteger(amountFor(meter, gbSeconds))).toBe(true);
        expect(BigInt(amountFor(meter, gbSeconds))).toBe(prorated(gbSeconds, PER_GB_MONTH[meter]));
      }
    });

    it('is monotonic: more GB-seconds never cost less', () => {
      for (const meter of STORAGE_METERS) {
        let previous = -1;
        for (let gbs = 0; gbs <= 20_000; gbs += 7) {
          const amount = amountFor(meter, gbs);
          expect(amount).toBeGreaterThanOrEqual(previous);
          previous = amount;
        }
      }
    });
  });

  it('returns whole nano-dollars for every meter', () => {
    for (const meter of USAGE_METERS) {
      for (const q of [0, 1, 7, 999, 86_399, SECONDS_PER_MONTH + 1]) {
        expect(Number.isSafeInteger(amountFor(meter, q))).toBe(true);
      }
    }
  });

  describe('refuses quantities that are not whole counts', () => {
    it.each<[string, number]>([
      ['-1', -1],
      ['-1000', -1000],
      ['0.5', 0.5],
      ['1.000001', 1.000001],
      ['-0.5', -0.5],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
      ['MIN_SAFE_INTEGER', Number.MIN_SAFE_INTEGER],
    ])('%s', (_label, quantity) => {
      for (const meter of USAGE_METERS) {
        expect(() => amountFor(meter, quantity)).toThrow(RangeError);
        expect(() => amountFor(meter, quantity)).toThrow(/is not a whole count/);
      }
    });
  });

  it('refuses an unknown meter', () => {
    expect(() => amountFor('bogus' as UsageMeter, 1)).toThrow(RangeError);
    expect(() => amountFor('bogus' as UsageMeter, 1)).toThrow(/unknown meter bogus/);
  });
});

describe('ratePerSecond', () => {
  it.each(SIZE_NAMES.map((s) => [s]))('is the size price for one %s container, times the count', (size) => {
    const meter = containerMeter(size);
    expect(ratePerSecond(meter, 1)).toBe(CONTAINER_PRICE_PER_SECOND[size]);
    expect(ratePerSecond(meter, 3)).toBe(3 * CONTAINER_PRICE_PER_SECOND[size]);
    expect(ratePerSecond(meter, 0)).toBe(0);
  });

  it('is the floating IP price per second, times the count', () => {
    expect(ratePerSecond('fip', 1)).toBe(400);
    expect(ratePerSecond('fip', 5)).toBe(2_000);
  });

  it.each([
    // GB, volume, snapshot: one second of that many GB, rounded once
    [0, 0, 0],
    [1, 39, 19],
    [2, 77, 39],
    [10, 386, 193],
    [81, 3_125, 1_563],
    [1024, 39_506, 19_753],
  ])('is the pro-rated price of one second of %i GB (volume %i, snapshot %i)', (gb, volume, snapshot) => {
    expect(ratePerSecond('volume.gib', gb)).toBe(volume);
    expect(ratePerSecond('snapshot.gib', gb)).toBe(snapshot);
    expect(ratePerSecond('volume.gib', gb)).toBe(amountFor('volume.gib', gb));
  });

  it('refuses counts that are not whole', () => {
    expect(() => ratePerSecond('volume.gib', -1)).toThrow(RangeError);
    expect(() => ratePerSecond('volume.gib', 1.5)).toThrow(RangeError);
  });
});

describe('formatUsd', () => {
  it.each([
    [0, '0.000000000'],
    [1, '0.000000001'],
    [9, '0.000000009'],
    [10, '0.000000010'],
    [400, '0.000000400'],
    [12_345, '0.000012345'],
    [100_000_000, '0.100000000'],
    [999_999_999, '0.999999999'],
    [1_000_000_000, '1.000000000'],
    [1_000_000_001, '1.000000001'],
    [1_500_000_000, '1.500000000'],
    [123_456_789_012, '123.456789012'],
    [1_000_000_000_000, '1000.000000000'],
    [Number.MAX_SAFE_INTEGER, '9007199.254740991'],
    [1e21, '1000000000000.000000000'],
    [-1, '-0.000000001'],
    [-400, '-0.000000400'],
    [-999_999_999, '-0.999999999'],
    [-1_000_000_000, '-1.000000000'],
    [-1_500_000_001, '-1.500000001'],
    [-Number.MAX_SAFE_INTEGER, '-9007199.254740991'],
  ])('%i is %s', (nano, text) => {
    expect(formatUsd(nano)).toBe(text);
  });

  it('always has exactly nine decimals', () => {
    for (const n of [0, 1, 7, 42, 999, 1_000, 65_536, 10 ** 9 - 1, 10 ** 9, 10 ** 12 + 3, -5, -(10 ** 10)]) {
      expect(formatUsd(n)).toMatch(/^-?\d+\.\d{9}$/);
    }
  });

  it('is exact: the text read back is the amount', () => {
    for (const n of [0, 1, 400, 999_999_999, 1_000_000_000, 987_654_321_123, Number.MAX_SAFE_INTEGER, -7]) {
      const [whole, frac] = formatUsd(Math.abs(n)).split('.');
      expect(BigInt(whole!) * 1_000_000_000n + BigInt(frac!)).toBe(BigInt(Math.abs(n)));
    }
  });

  it('drops a fraction of a nano-dollar toward zero', () => {
    expect(formatUsd(1.9)).toBe('0.000000001');
    expect(formatUsd(1_000_000_000.5)).toBe('1.000000000');
  });
});

describe('stripeUnitAmountDecimal', () => {
  it("gives containers' and floating IPs' per-second prices in cents exactly", () => {
    // 400 nano-dollars = 0.00004 cents.
    expect(stripeUnitAmountDecimal('container.s1')).toEqual({ decimal: '0.00004', exact: true });
    expect(stripeUnitAmountDecimal('container.l3')).toEqual({ decimal: '0.0192', exact: true });
    expect(stripeUnitAmountDecimal('fip')).toEqual({ decimal: '0.00004', exact: true });
  });

  it('rounds storage per GB-second to 12 places, half up, and says it is not exact', () => {
    // $0.10 per GB-month over 2,592,000 s = 3.858024691358...e-6 cents.
    expect(stripeUnitAmountDecimal('volume.gib')).toEqual({ decimal: '0.000003858025', exact: false });
    expect(stripeUnitAmountDecimal('snapshot.gib')).toEqual({ decimal: '0.000001929012', exact: false });
  });

  it('agrees with amountFor on every exact meter, for a large quantity', () => {
    for (const meter of USAGE_METERS) {
      const { decimal, exact } = stripeUnitAmountDecimal(meter);
      expect(decimal.split('.')[1]?.length ?? 0).toBeLessThanOrEqual(12);
      if (!exact) continue;
      // cents per unit x 1e7 = nano-dollars per unit
      const [whole, frac = ''] = decimal.split('.');
      const nano = (BigInt(whole!) * 10n ** 12n + BigInt(frac.padEnd(12, '0'))) / 10n ** 5n;
      expect(Number(nano) * 1_000_000).toBe(amountFor(meter, 1_000_000));
    }
  });
});
