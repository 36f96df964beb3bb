import {
  amountFor,
  containerMeter,
  MIN_SECONDS_PER_START,
  USAGE_METERS,
  USAGE_RESOURCE_TYPES,
  type UsageMeter,
} from './pricing';
import type { SizeName } from './sizes';
import {
  billableSeconds,
  intervalUnits,
  monthOf,
  rateUsage,
  totalUnits,
  USAGE_GROUPINGS,
  USAGE_SPLITS,
  type UsageIntervalRecord,
  type UsageWindow,
} from './usage';

const VOL = 'vol_01h8xz3k4m5n6p7q8r9s0t1v2w';
const SNAP = 'snap_01h8xz3k4m5n6p7q8r9s0t1v2w';
const T0 = new Date('2024-05-01T12:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

describe('usage constants', () => {
  it('lists the meters and resource types', () => {
    expect([...USAGE_METERS]).toEqual([
      'container.s1',
      'container.s2',
      'container.s3',
      'container.s4',
      'container.m1',
      'container.m2',
      'container.m3',
      'container.l1',
      'container.l2',
      'container.l3',
      'volume.gib',
      'snapshot.gib',
      'fip',
    ]);
    expect([...USAGE_RESOURCE_TYPES]).toEqual(['container', 'volume', 'snapshot', 'floating_ip']);
  });
});

describe('billableSeconds', () => {
  it.each([
    [0, 0],
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [1999, 2],
    [2000, 2],
    [60_000, 60],
    [3_600_000, 3600],
    [3_600_001, 3601],
    [30 * 86_400_000, 30 * 86_400],
  ])('%i ms is %i s', (ms, seconds) => {
    expect(billableSeconds(T0, at(ms))).toBe(seconds);
  });

  it('is 0 for equal times', () => {
    expect(billableSeconds(T0, new Date(T0.getTime()))).toBe(0);
  });

  it.each([[-1], [-999], [-1000], [-86_400_000]])(
    'is 0, never negative, when the end is %i ms early',
    (ms) => {
      expect(billableSeconds(T0, at(ms))).toBe(0);
    },
  );

  it('counts across the epoch and with no offset from it', () => {
    expect(billableSeconds(new Date(0), new Date(1500))).toBe(2);
    expect(billableSeconds(new Date(-1500), new Date(0))).toBe(2);
  });

  it('is always a whole number', () => {
    for (let ms = 0; ms < 5000; ms += 7) expect(Number.isInteger(billableSeconds(T0, at(ms)))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Rating: intervalUnits, totalUnits, rateUsage
// ---------------------------------------------------------------------------------------------

const t = (iso: string): Date => new Date(iso);
const HOUR = 3_600_000;
/** One hour from T0; most intervalUnits cases are placed around it. */
const W: UsageWindow = { from: T0, to: at(HOUR) };
const NOW = at(2 * HOUR);

// Rating reads no interval id; any distinct one will do (libs/db makes the real ones).
const recordId = (resourceId: string, meter: UsageMeter, startedAt: Date): string =>
  `use_${resourceId}/${meter}/${startedAt.toISOString()}`;

function ctr(
  resourceId: string,
  size: SizeName,
  startedAt: Date,
  endedAt: Date | null,
  minSeconds = MIN_SECONDS_PER_START,
): UsageIntervalRecord {
  const meter = containerMeter(size);
  return {
    id: recordId(resourceId, meter, startedAt),
    resourceType: 'container',
    resourceId,
    meter,
    quantity: 1,
    startedAt,
    endedAt,
    minSeconds,
  };
}

function storage(
  resourceType: 'volume' | 'snapshot',
  resourceId: string,
  gb: number,
  startedAt: Date,
  endedAt: Date | null,
  minSeconds = 0,
): UsageIntervalRecord {
  const meter: UsageMeter = resourceType === 'volume' ? 'volume.gib' : 'snapshot.gib';
  return {
    id: recordId(resourceId, meter, startedAt),
    resourceType,
    resourceId,
    meter,
    quantity: gb,
    startedAt,
    endedAt,
    minSeconds,
  };
}

function fip(resourceId: string, startedAt: Date, endedAt: Date | null): UsageIntervalRecord {
  return {
    id: recordId(resourceId, 'fip', startedAt),
    resourceType: 'floating_ip',
    resourceId,
    meter: 'fip',
    quantity: 1,
    startedAt,
    endedAt,
    minSeconds: 0,
  };
}

const CTR_A = 'ctr_01h8xz3k4m5n6p7q8r9s0t1aaa';
const CTR_B = 'ctr_01h8xz3k4m5n6p7q8r9s0t1bbb';
const FIP_A = 'fip_01h8xz3k4m5n6p7q8r9s0t1aaa';

describe('intervalUnits', () => {
  describe('window clipping', () => {
    it.each<[string, number, number | null, number]>([
      // what, start and end in ms from T0 (null: open, accruing to NOW = T0 + 2 h), units in W = [T0, T0 + 1 h)
      ['entirely before the window', -2 * HOUR, -HOUR, 0],
      ['ending exactly where the window starts', -HOUR, 0, 0],
      ['entirely after the window', 90 * 60_000, 100 * 60_000, 0],
      ['starting exactly where the window ends', HOUR, HOUR + 60_000, 0],
      ['open, starting after the window', HOUR + 1, null, 0],
      ['overlapping the start of the window', -10 * 60_000, 5 * 60_000, 300],
      ['overlapping the end of the window', 50 * 60_000, 70 * 60_000, 600],
      ['containing the window', -HOUR, 2 * HOUR, 3600],
      ['exactly the window', 0, HOUR, 3600],
      ['inside the window', 10 * 60_000, 20 * 60_000, 600],
      ['open, started before the window, accruing past it', -HOUR, null, 3600],
      ['open, started inside the window, accruing past it', 30 * 60_000, null, 1800],
    ])('%s', (_what, startMs, endMs, units) => {
      const i = ctr(CTR_A, 's1', at(startMs), endMs === null ? null : at(endMs), 0);
      expect(intervalUnits(i, W, NOW)).toBe(units);
    });
  });

  describe('open intervals accrue up to now', () => {
    it.each([
      [at(10 * 60_000), 0],
      [at(10 * 60_000 + 1), 1],
      [at(10 * 60_000 + 1000), 1],
      [at(10 * 60_000 + 1001), 2],
      [at(25 * 60_000), 900],
      [at(HOUR), 3000],
      [at(5 * HOUR), 3000], // clipped at the window's end
    ])('until %p: %i s', (now, units) => {
      expect(intervalUnits(ctr(CTR_A, 's1', at(10 * 60_000), null, 0), W, now)).toBe(units);
    });

    it('uses endedAt, not now, once the interval is closed', () => {
      const i = ctr(CTR_A, 's1', at(0), at(60_000), 0);
      expect(intervalUnits(i, W, at(30_000))).toBe(60);
      expect(intervalUnits(i, W, at(HOUR))).toBe(60);
    });

    it('is 0 for an open interval that started before the window when now is before the window', () => {
      expect(intervalUnits(ctr(CTR_A, 's1', at(-HOUR), null, 0), W, at(-30 * 60_000))).toBe(0);
    });
  });

  describe('the minimum per start', () => {
    it('bills a 3 s container start 10 s', () => {
      expect(intervalUnits(ctr(CTR_A, 's1', at(60_000), at(63_000)), W, NOW)).toBe(10);
    });

    it.each([
      [0, 10],
      [1, 10],
      [9_000, 10],
      [9_001, 10],
      [10_000, 10],
      [10_001, 11],
      [60_000, 60],
    ])('a start inside the window running %i ms bills %i s', (ms, units) => {
      expect(intervalUnits(ctr(CTR_A, 's1', at(60_000), at(60_000 + ms)), W, NOW)).toBe(units);
    });

    it('applies at the very start of the window (the start is inclusive)', () => {
      expect(intervalUnits(ctr(CTR_A, 's1', at(0), at(3000)), W, NOW)).toBe(10);
    });

    it('applies to a start inside the window that the window cuts short', () => {
      // Started 3 s before the window ends: only 3 s are inside, but the start is, so its minimum is.
      expect(intervalUnits(ctr(CTR_A, 's1', at(HOUR - 3000), at(HOUR + 60_000)), W, NOW)).toBe(10);
    });

    it('applies to an open interval that started inside the window', () => {
      expect(intervalUnits(ctr(CTR_A, 's1', at(60_000), null), W, at(62_000))).toBe(10);
    });

    it('does not bring the minimum of a start just before the window into it', () => {
      // Started 1 ms before the window, ran 3 s into it: 3 s inside, no minimum.
      expect(intervalUnits(ctr(CTR_A, 's1', at(-1), at(3000)), W, NOW)).toBe(3);
      expect(intervalUnits(ctr(CTR_A, 's1', at(-1000), at(2000)), W, NOW)).toBe(2);
      // Nor does a start just before the window that ends before it.
      expect(intervalUnits(ctr(CTR_A, 's1', at(-3000), at(-1000)), W, NOW)).toBe(0);
      expect(intervalUnits(ctr(CTR_A, 's1', at(-3000), at(0)), W, NOW)).toBe(0);
    });

    it('does not apply to a start at the window end (the end is exclusive)', () => {
      expect(intervalUnits(ctr(CTR_A, 's1', at(HOUR), at(HOUR + 3000)), W, NOW)).toBe(0);
    });

    it("uses the interval's own minimum, whatever it is", () => {
      expect(intervalUnits(ctr(CTR_A, 's1', at(60_000), at(63_000), 0), W, NOW)).toBe(3);
      expect(intervalUnits(ctr(CTR_A, 's1', at(60_000), at(63_000), 7), W, NOW)).toBe(7);
      expect(intervalUnits(ctr(CTR_A, 's1', at(60_000), at(63_000), 60), W, NOW)).toBe(60);
    });
  });

  describe('rounding', () => {
    it.each([
      [0, 1, 1],
      [0, 999, 1],
      [0, 1000, 1],
      [0, 1001, 2],
      [0, 1500, 2],
      [250, 1750, 2],
      [0, 59_999, 60],
    ])('rounds %i..%i ms up to %i s', (startMs, endMs, units) => {
      expect(intervalUnits(ctr(CTR_A, 's1', at(startMs), at(endMs), 0), W, NOW)).toBe(units);
    });

    it('rounds the clipped part, not the whole interval', () => {
      // 2 s in all, 1.5 s of it inside the window: 2 s.
      expect(intervalUnits(ctr(CTR_A, 's1', at(-500), at(1500), 0), W, NOW)).toBe(2);
      // 0.2 s inside the window at its end.
      expect(intervalUnits(ctr(CTR_A, 's1', at(HOUR - 200), at(HOUR + 5000), 0), W, NOW)).toBe(1);
    });
  });

  describe('quantity', () => {
    it('multiplies the seconds of a storage interval by its GB', () => {
      expect(intervalUnits(storage('volume', VOL, 50, at(0), at(60_000)), W, NOW)).toBe(3000);
      expect(intervalUnits(storage('snapshot', SNAP, 7, at(-HOUR), null), W, NOW)).toBe(7 * 3600);
      expect(intervalUnits(storage('volume', VOL, 1024, at(0), at(1500)), W, NOW)).toBe(2048);
    });

    it('multiplies after clipping and the minimum', () => {
      expect(intervalUnits(storage('volume', VOL, 20, at(-HOUR), at(60_000)), W, NOW)).toBe(1200);
      expect(intervalUnits(storage('volume', VOL, 5, at(0), at(3000), 10), W, NOW)).toBe(50);
    });

    it('is 0 for storage outside the window, whatever its size', () => {
      expect(intervalUnits(storage('volume', VOL, 1024, at(-2 * HOUR), at(-HOUR)), W, NOW)).toBe(0);
    });
  });
});

describe('totalUnits', () => {
  const closed = (i: UsageIntervalRecord): UsageIntervalRecord & { endedAt: Date } => {
    if (i.endedAt === null) throw new Error('closed intervals only');
    return { ...i, endedAt: i.endedAt };
  };

  it.each<[string, UsageIntervalRecord, number]>([
    ['a 3 s start bills its minimum', ctr(CTR_A, 's1', T0, at(3000)), 10],
    ['a 3 s continuation without a minimum', ctr(CTR_A, 's1', T0, at(3000), 0), 3],
    ['a continuation with what remains of a minimum', ctr(CTR_A, 's1', T0, at(1000), 7), 7],
    ['an interval ending where it starts', ctr(CTR_A, 's1', T0, T0), 10],
    ['an interval ending where it starts, without a minimum', ctr(CTR_A, 's1', T0, T0, 0), 0],
    ['100.2 s, rounded up', ctr(CTR_A, 's1', T0, at(100_200)), 101],
    ['an hour', ctr(CTR_A, 'l3', T0, at(HOUR)), 3600],
    ['a 31-day month', ctr(CTR_A, 'm1', t('2024-05-01T00:00:00Z'), t('2024-06-01T00:00:00Z')), 31 * 86_400],
    ['20 GB for a minute', storage('volume', VOL, 20, T0, at(60_000)), 1200],
    ['1024 GB for 31 days', storage('volume', VOL, 1024, T0, at(31 * 86_400_000)), 1024 * 31 * 86_400],
    ['a floating IP for an hour', fip(FIP_A, T0, at(HOUR)), 3600],
    [
      'an interval in the year 2200',
      ctr(CTR_A, 's1', t('2200-01-01T00:00:00Z'), t('2200-01-01T00:01:00Z')),
      60,
    ],
    ['an interval at the epoch', ctr(CTR_A, 's1', new Date(0), new Date(4000)), 10],
  ])('%s: %i', (_what, i, units) => {
    expect(totalUnits(closed(i))).toBe(units);
  });

  it('is the interval units over any window that holds the whole interval', () => {
    const i = closed(storage('volume', VOL, 3, at(500), at(62_250), 10));
    expect(totalUnits(i)).toBe(3 * 62);
    expect(totalUnits(i)).toBe(intervalUnits(i, { from: at(-HOUR), to: at(HOUR) }, NOW));
  });
});

describe('rateUsage', () => {
  const MAY: UsageWindow = { from: t('2024-05-01T00:00:00Z'), to: t('2024-06-01T00:00:00Z') };
  const MAY_NOW = t('2024-05-20T12:00:00Z');
  const VOL_A = 'vol_01h8xz3k4m5n6p7q8r9s0t1aaa';
  const SNAP_A = 'snap_01h8xz3k4m5n6p7q8r9s0t1aaa';

  // A month of mixed usage; units in MAY up to MAY_NOW in the comments.
  const MONTH: readonly UsageIntervalRecord[] = [
    ctr(CTR_A, 's1', t('2024-05-03T10:00:00Z'), t('2024-05-03T10:01:40Z')), // 100 s
    ctr(CTR_A, 's1', t('2024-05-03T12:00:00Z'), t('2024-05-03T12:00:03Z')), // 3 s, bills 10
    ctr(CTR_B, 'm1', t('2024-05-04T00:00:00Z'), t('2024-05-04T00:16:40Z')), // 1000 s
    storage('volume', VOL_A, 10, t('2024-05-01T00:00:00Z'), t('2024-05-02T00:00:00Z')), // 864,000 GB-s
    storage('snapshot', SNAP_A, 2, t('2024-05-02T00:00:00Z'), null), // 18.5 days x 2 GB = 3,196,800 GB-s
    fip(FIP_A, t('2024-05-03T00:00:00Z'), t('2024-05-03T01:00:00Z')), // 3600 s
    // Outside the window: no line, no amount.
    ctr(CTR_B, 'm1', t('2024-04-30T10:00:00Z'), t('2024-04-30T11:00:00Z')),
  ];
  const A_S1 = 110 * 400;
  const B_M1 = 1000 * 6_000;
  const VOL_AMOUNT = 33_333_333; // 864,000 x $0.10 / 2,592,000 = 33,333,333.3
  const SNAP_AMOUNT = 61_666_667; // 3,196,800 x $0.05 / 2,592,000 = 61,666,666.7
  const FIP_AMOUNT = 3600 * 400;
  const TOTAL = A_S1 + B_M1 + VOL_AMOUNT + SNAP_AMOUNT + FIP_AMOUNT;

  it.each(USAGE_GROUPINGS.map((g) => [g]))('is empty for no intervals (%s)', (groupBy) => {
    expect(rateUsage([], MAY, groupBy, MAY_NOW)).toEqual({ lines: [], total: 0 });
  });

  it.each(USAGE_GROUPINGS.map((g) => [g]))('is empty when nothing falls in the window (%s)', (groupBy) => {
    const before = [ctr(CTR_A, 's1', t('2024-04-01T00:00:00Z'), t('2024-04-02T00:00:00Z'))];
    expect(rateUsage(before, MAY, groupBy, MAY_NOW)).toEqual({ lines: [], total: 0 });
  });

  it('lists the groupings', () => {
    expect([...USAGE_GROUPINGS]).toEqual(['container', 'size', 'type', 'day', 'hour', 'meter']);
    expect([...USAGE_SPLITS]).toEqual(['size', 'type']);
  });

  it('by container: one line per resource, each volume, snapshot and floating IP its own', () => {
    expect(rateUsage(MONTH, MAY, 'container', MAY_NOW)).toEqual({
      lines: [
        { series: null, key: CTR_A, seconds: 110, gbSeconds: 0, amount: A_S1 },
        { series: null, key: CTR_B, seconds: 1000, gbSeconds: 0, amount: B_M1 },
        { series: null, key: FIP_A, seconds: 3600, gbSeconds: 0, amount: FIP_AMOUNT },
        { series: null, key: SNAP_A, seconds: 0, gbSeconds: 3_196_800, amount: SNAP_AMOUNT },
        { series: null, key: VOL_A, seconds: 0, gbSeconds: 864_000, amount: VOL_AMOUNT },
      ],
      total: TOTAL,
    });
  });

  it('by size: containers by size, other resources by type', () => {
    expect(rateUsage(MONTH, MAY, 'size', MAY_NOW)).toEqual({
      lines: [
        { series: null, key: 'floating_ip', seconds: 3600, gbSeconds: 0, amount: FIP_AMOUNT },
        { series: null, key: 'm1', seconds: 1000, gbSeconds: 0, amount: B_M1 },
        { series: null, key: 's1', seconds: 110, gbSeconds: 0, amount: A_S1 },
        { series: null, key: 'snapshot', seconds: 0, gbSeconds: 3_196_800, amount: SNAP_AMOUNT },
        { series: null, key: 'volume', seconds: 0, gbSeconds: 864_000, amount: VOL_AMOUNT },
      ],
      total: TOTAL,
    });
  });

  it('by type: one line per resource type, rated per meter within it', () => {
    expect(rateUsage(MONTH, MAY, 'type', MAY_NOW)).toEqual({
      lines: [
        { series: null, key: 'container', seconds: 1110, gbSeconds: 0, amount: A_S1 + B_M1 },
        { series: null, key: 'floating_ip', seconds: 3600, gbSeconds: 0, amount: FIP_AMOUNT },
        { series: null, key: 'snapshot', seconds: 0, gbSeconds: 3_196_800, amount: SNAP_AMOUNT },
        { series: null, key: 'volume', seconds: 0, gbSeconds: 864_000, amount: VOL_AMOUNT },
      ],
      total: TOTAL,
    });
  });

  it('by meter: one line per meter', () => {
    expect(rateUsage(MONTH, MAY, 'meter', MAY_NOW)).toEqual({
      lines: [
        { series: null, key: 'container.m1', seconds: 1000, gbSeconds: 0, amount: B_M1 },
        { series: null, key: 'container.s1', seconds: 110, gbSeconds: 0, amount: A_S1 },
        { series: null, key: 'fip', seconds: 3600, gbSeconds: 0, amount: FIP_AMOUNT },
        { series: null, key: 'snapshot.gib', seconds: 0, gbSeconds: 3_196_800, amount: SNAP_AMOUNT },
        { series: null, key: 'volume.gib', seconds: 0, gbSeconds: 864_000, amount: VOL_AMOUNT },
      ],
      total: TOTAL,
    });
  });

  it('by day: one line per UTC day with usage', () => {
    expect(rateUsage(MONTH, MAY, 'day', t('2024-05-04T12:00:00Z'))).toEqual({
      lines: [
        // volume: all of May 1; snapshot from May 2, open until now (May 4 12:00)
        { series: null, key: '2024-05-01', seconds: 0, gbSeconds: 864_000, amount: VOL_AMOUNT },
        { series: null, key: '2024-05-02', seconds: 0, gbSeconds: 172_800, amount: 3_333_333 },
        {
          series: null,
          key: '2024-05-03',
          seconds: 110 + 3600,
          gbSeconds: 172_800,
          amount: A_S1 + FIP_AMOUNT + 3_333_333,
        },
        { series: null, key: '2024-05-04', seconds: 1000, gbSeconds: 86_400, amount: B_M1 + 1_666_667 },
      ],
      total: VOL_AMOUNT + A_S1 + FIP_AMOUNT + B_M1 + 2 * 3_333_333 + 1_666_667,
    });
  });

  it.each(USAGE_GROUPINGS.map((g) => [g]))('has a total equal to the sum of its lines (%s)', (groupBy) => {
    const { lines, total } = rateUsage(MONTH, MAY, groupBy, MAY_NOW);
    expect(lines.length).toBeGreaterThan(0);
    expect(total).toBe(lines.reduce((sum, l) => sum + l.amount, 0));
    for (const l of lines) {
      expect(Number.isSafeInteger(l.amount)).toBe(true);
      expect(l.seconds + l.gbSeconds).toBeGreaterThan(0);
    }
  });

  it.each(USAGE_GROUPINGS.map((g) => [g]))(
    'sorts its lines by key, whatever the input order (%s)',
    (groupBy) => {
      const forward = rateUsage(MONTH, MAY, groupBy, MAY_NOW);
      const keys = forward.lines.map((l) => l.key);
      expect(keys).toEqual([...keys].sort());
      expect(new Set(keys).size).toBe(keys.length);
      expect(rateUsage([...MONTH].reverse(), MAY, groupBy, MAY_NOW)).toEqual(forward);
    },
  );

  it('gives the same total for every grouping that does not split intervals', () => {
    for (const groupBy of ['container', 'size', 'type', 'meter'] as const) {
      expect(rateUsage(MONTH, MAY, groupBy, MAY_NOW).total).toBe(TOTAL);
    }
  });

  it('sums units per meter before rating, so one rounding per meter and line', () => {
    // Two 1 GB-second volume intervals: 38.58 each, 77.16 together: 77, not 39 + 39.
    const tiny = [
      storage('volume', 'vol_a', 1, t('2024-05-05T00:00:00Z'), t('2024-05-05T00:00:01Z')),
      storage('volume', 'vol_b', 1, t('2024-05-06T00:00:00Z'), t('2024-05-06T00:00:01Z')),
    ];
    expect(rateUsage(tiny, MAY, 'type', MAY_NOW)).toEqual({
      lines: [{ series: null, key: 'volume', seconds: 0, gbSeconds: 2, amount: 77 }],
      total: 77,
    });
    // By container each is its own line, rated on its own.
    expect(rateUsage(tiny, MAY, 'container', MAY_NOW)).toEqual({
      lines: [
        { series: null, key: 'vol_a', seconds: 0, gbSeconds: 1, amount: 39 },
        { series: null, key: 'vol_b', seconds: 0, gbSeconds: 1, amount: 39 },
      ],
      total: 78,
    });
  });

  it('rates each meter of a line at its own price and sums the amounts', () => {
    // One line (type 'container') with two sizes; one line (a day) with two storage meters.
    const mixed = [
      ctr(CTR_A, 's1', t('2024-05-05T10:00:00Z'), t('2024-05-05T10:01:00Z')),
      ctr(CTR_B, 'l3', t('2024-05-05T11:00:00Z'), t('2024-05-05T11:01:00Z')),
      storage('volume', 'vol_a', 1, t('2024-05-06T00:00:00Z'), t('2024-05-06T00:00:01Z')),
      storage('snapshot', 'snap_a', 1, t('2024-05-06T00:00:00Z'), t('2024-05-06T00:00:01Z')),
    ];
    expect(rateUsage(mixed, MAY, 'type', MAY_NOW).lines[0]).toEqual({
      series: null,
      key: 'container',
      seconds: 120,
      gbSeconds: 0,
      amount: 60 * 400 + 60 * 192_000,
    });
    // 1 GB-s of volume (38.58 -> 39) plus 1 GB-s of snapshot (19.29 -> 19), not 2 GB-s at either price.
    expect(rateUsage(mixed, MAY, 'day', MAY_NOW).lines).toEqual([
      { series: null, key: '2024-05-05', seconds: 120, gbSeconds: 0, amount: 60 * 400 + 60 * 192_000 },
      { series: null, key: '2024-05-06', seconds: 0, gbSeconds: 2, amount: 39 + 19 },
    ]);
  });

  it('splits seconds and GB-seconds within one line', () => {
    const oneResource = [
      ctr('res_1', 's2', t('2024-05-05T00:00:00Z'), t('2024-05-05T00:01:00Z')),
      storage('volume', 'res_1', 4, t('2024-05-05T00:00:00Z'), t('2024-05-05T00:00:30Z')),
    ];
    expect(rateUsage(oneResource, MAY, 'container', MAY_NOW)).toEqual({
      lines: [
        {
          series: null,
          key: 'res_1',
          seconds: 60,
          gbSeconds: 120,
          amount: 60 * 800 + amountFor('volume.gib', 120),
        },
      ],
      total: 60 * 800 + 4_630,
    });
    expect(amountFor('volume.gib', 120)).toBe(4_630);
  });

  it('counts floating IPs in seconds, not GB-seconds', () => {
    const r = rateUsage(
      [fip(FIP_A, t('2024-05-05T00:00:00Z'), t('2024-05-05T00:00:10Z'))],
      MAY,
      'meter',
      MAY_NOW,
    );
    expect(r).toEqual({
      lines: [{ series: null, key: 'fip', seconds: 10, gbSeconds: 0, amount: 4_000 }],
      total: 4_000,
    });
  });

  it('clips to the window and applies the minimum per interval', () => {
    const edge = [
      // Ran over the start of May: only the May part counts, no minimum.
      ctr(CTR_A, 's1', t('2024-04-30T23:59:58Z'), t('2024-05-01T00:00:03Z')),
      // Started at the end of May: minimum, in May.
      ctr(CTR_A, 's1', t('2024-05-31T23:59:58Z'), t('2024-06-01T00:01:00Z')),
      // Two 1.5 s starts without a minimum: 2 s each, rounded per interval.
      ctr(CTR_B, 's1', t('2024-05-10T00:00:00.000Z'), t('2024-05-10T00:00:01.500Z'), 0),
      ctr(CTR_B, 's1', t('2024-05-10T00:01:00.000Z'), t('2024-05-10T00:01:01.500Z'), 0),
    ];
    expect(rateUsage(edge, MAY, 'container', t('2024-06-02T00:00:00Z'))).toEqual({
      lines: [
        { series: null, key: CTR_A, seconds: 3 + 10, gbSeconds: 0, amount: 13 * 400 },
        { series: null, key: CTR_B, seconds: 4, gbSeconds: 0, amount: 4 * 400 },
      ],
      total: 17 * 400,
    });
  });

  it('accrues open intervals up to now', () => {
    const open = [ctr(CTR_A, 'm2', t('2024-05-20T11:00:00Z'), null)];
    expect(rateUsage(open, MAY, 'meter', MAY_NOW).lines).toEqual([
      { series: null, key: 'container.m2', seconds: 3600, gbSeconds: 0, amount: 3600 * 12_000 },
    ]);
    expect(rateUsage(open, MAY, 'meter', t('2024-05-20T11:00:05Z')).total).toBe(10 * 12_000);
    // now after the window: up to its end.
    expect(rateUsage(open, MAY, 'meter', t('2024-07-01T00:00:00Z')).lines[0]!.seconds).toBe(
      11 * 86_400 + 13 * 3600,
    );
  });

  describe('by day', () => {
    it('splits an interval at UTC midnight, keys being UTC dates', () => {
      // 23:00 on May 5 to 01:30 on May 7.
      const long = [ctr(CTR_A, 's1', t('2024-05-05T23:00:00Z'), t('2024-05-07T01:30:00Z'))];
      expect(rateUsage(long, MAY, 'day', MAY_NOW)).toEqual({
        lines: [
          { series: null, key: '2024-05-05', seconds: 3600, gbSeconds: 0, amount: 3600 * 400 },
          { series: null, key: '2024-05-06', seconds: 86_400, gbSeconds: 0, amount: 86_400 * 400 },
          { series: null, key: '2024-05-07', seconds: 5400, gbSeconds: 0, amount: 5400 * 400 },
        ],
        total: (3600 + 86_400 + 5400) * 400,
      });
      expect(rateUsage(long, MAY, 'meter', MAY_NOW).total).toBe((3600 + 86_400 + 5400) * 400);
    });

    it('counts the minimum on the day the interval started, not again on the next', () => {
      // 10 s before midnight, 2 s after: the start day has its minimum (10), the next day only 2.
      const across = [ctr(CTR_A, 's1', t('2024-05-05T23:59:50Z'), t('2024-05-06T00:00:02Z'))];
      expect(rateUsage(across, MAY, 'day', MAY_NOW).lines).toEqual([
        { series: null, key: '2024-05-05', seconds: 10, gbSeconds: 0, amount: 4_000 },
        { series: null, key: '2024-05-06', seconds: 2, gbSeconds: 0, amount: 800 },
      ]);
      // A 3 s start within one day bills 10 on that day.
      const short = [ctr(CTR_A, 's1', t('2024-05-05T12:00:00Z'), t('2024-05-05T12:00:03Z'))];
      expect(rateUsage(short, MAY, 'day', MAY_NOW).lines).toEqual([
        { series: null, key: '2024-05-05', seconds: 10, gbSeconds: 0, amount: 4_000 },
      ]);
    });

    it('bills a short start across midnight as the other groupings do: the minimum covers the next day too', () => {
      const short = [ctr(CTR_A, 's1', t('2024-05-05T23:59:58Z'), t('2024-05-06T00:00:01Z'))];
      expect(rateUsage(short, MAY, 'day', MAY_NOW)).toEqual({
        lines: [{ series: null, key: '2024-05-05', seconds: 10, gbSeconds: 0, amount: 4_000 }],
        total: 4_000,
      });
      expect(rateUsage(short, MAY, 'meter', MAY_NOW).total).toBe(4_000);
      const longer = [ctr(CTR_A, 's1', t('2024-05-05T23:59:57Z'), t('2024-05-06T00:01:00Z'))];
      expect(rateUsage(longer, MAY, 'day', MAY_NOW).total).toBe(
        rateUsage(longer, MAY, 'meter', MAY_NOW).total,
      );
      expect(rateUsage(longer, MAY, 'hour', MAY_NOW).total).toBe(63 * 400);
    });

    it('does not count a minimum for an interval that started before the window', () => {
      const early = [ctr(CTR_A, 's1', t('2024-04-30T23:59:59Z'), t('2024-05-01T00:00:02Z'))];
      expect(rateUsage(early, MAY, 'day', MAY_NOW).lines).toEqual([
        { series: null, key: '2024-05-01', seconds: 2, gbSeconds: 0, amount: 800 },
      ]);
    });

    it('clips the first and last days to a window that does not start or end at midnight', () => {
      const window: UsageWindow = { from: t('2024-05-05T12:00:00Z'), to: t('2024-05-07T06:00:00Z') };
      const volume = [storage('volume', VOL_A, 3, t('2024-05-01T00:00:00Z'), null)];
      expect(rateUsage(volume, window, 'day', MAY_NOW).lines).toEqual([
        {
          series: null,
          key: '2024-05-05',
          seconds: 0,
          gbSeconds: 3 * 43_200,
          amount: amountFor('volume.gib', 3 * 43_200),
        },
        {
          series: null,
          key: '2024-05-06',
          seconds: 0,
          gbSeconds: 3 * 86_400,
          amount: amountFor('volume.gib', 3 * 86_400),
        },
        {
          series: null,
          key: '2024-05-07',
          seconds: 0,
          gbSeconds: 3 * 21_600,
          amount: amountFor('volume.gib', 3 * 21_600),
        },
      ]);
    });

    it('stops at now for open intervals', () => {
      const open = [fip(FIP_A, t('2024-05-18T22:00:00Z'), null)];
      expect(rateUsage(open, MAY, 'day', MAY_NOW).lines).toEqual([
        { series: null, key: '2024-05-18', seconds: 7200, gbSeconds: 0, amount: 7200 * 400 },
        { series: null, key: '2024-05-19', seconds: 86_400, gbSeconds: 0, amount: 86_400 * 400 },
        { series: null, key: '2024-05-20', seconds: 43_200, gbSeconds: 0, amount: 43_200 * 400 },
      ]);
    });

    it('leaves out intervals outside the window', () => {
      const outside = [
        ctr(CTR_A, 's1', t('2024-04-10T00:00:00Z'), t('2024-04-10T01:00:00Z')),
        ctr(CTR_A, 's1', t('2024-06-10T00:00:00Z'), t('2024-06-10T01:00:00Z')),
      ];
      expect(rateUsage(outside, MAY, 'day', t('2024-07-01T00:00:00Z'))).toEqual({ lines: [], total: 0 });
    });
  });

  describe('by hour', () => {
    it('splits an interval at each UTC hour, keys being the hour', () => {
      const long = [ctr(CTR_A, 's1', t('2024-05-05T10:30:00Z'), t('2024-05-05T12:15:00Z'))];
      expect(rateUsage(long, MAY, 'hour', MAY_NOW)).toEqual({
        lines: [
          { key: '2024-05-05T10:00Z', series: null, seconds: 1800, gbSeconds: 0, amount: 1800 * 400 },
          { key: '2024-05-05T11:00Z', series: null, seconds: 3600, gbSeconds: 0, amount: 3600 * 400 },
          { key: '2024-05-05T12:00Z', series: null, seconds: 900, gbSeconds: 0, amount: 900 * 400 },
        ],
        total: 6300 * 400,
      });
    });

    it('keys hours across midnight and months by their UTC date', () => {
      const across = [fip(FIP_A, t('2024-05-31T23:30:00Z'), t('2024-06-01T00:30:00Z'))];
      const window: UsageWindow = { from: MAY.from, to: t('2024-07-01T00:00:00Z') };
      expect(rateUsage(across, window, 'hour', t('2024-06-02T00:00:00Z')).lines.map((l) => l.key)).toEqual([
        '2024-05-31T23:00Z',
        '2024-06-01T00:00Z',
      ]);
    });

    it('does not open a bucket for an interval ending exactly on the hour', () => {
      const exact = [ctr(CTR_A, 's1', t('2024-05-05T10:00:00Z'), t('2024-05-05T11:00:00Z'))];
      expect(rateUsage(exact, MAY, 'hour', MAY_NOW).lines).toEqual([
        { key: '2024-05-05T10:00Z', series: null, seconds: 3600, gbSeconds: 0, amount: 3600 * 400 },
      ]);
    });

    it('counts the minimum in the hour the interval started, not again in the next', () => {
      const across = [ctr(CTR_A, 's1', t('2024-05-05T10:59:50Z'), t('2024-05-05T11:00:02Z'))];
      expect(rateUsage(across, MAY, 'hour', MAY_NOW).lines).toEqual([
        { key: '2024-05-05T10:00Z', series: null, seconds: 10, gbSeconds: 0, amount: 4_000 },
        { key: '2024-05-05T11:00Z', series: null, seconds: 2, gbSeconds: 0, amount: 800 },
      ]);
    });

    it('stops at now for open intervals', () => {
      const open = [storage('volume', VOL_A, 2, t('2024-05-20T10:30:00Z'), null)];
      expect(rateUsage(open, MAY, 'hour', MAY_NOW).lines).toEqual([
        { key: '2024-05-20T10:00Z', series: null, seconds: 0, gbSeconds: 3600, amount: 138_889 },
        { key: '2024-05-20T11:00Z', series: null, seconds: 0, gbSeconds: 7200, amount: 277_778 },
      ]);
    });
  });

  describe.each<['day' | 'hour', string]>([
    ['day', '2024-05-05'],
    ['hour', '2024-05-05T10:00Z'],
  ])('an interval that starts and ends at the same instant, by %s', (groupBy, key) => {
    it('still bills its minimum in the bucket it starts in', () => {
      const instant = [ctr(CTR_A, 's1', t('2024-05-05T10:00:00Z'), t('2024-05-05T10:00:00Z'))];
      expect(rateUsage(instant, MAY, groupBy, MAY_NOW)).toEqual({
        lines: [{ key, series: null, seconds: 10, gbSeconds: 0, amount: 4_000 }],
        total: 4_000,
      });
      expect(rateUsage(instant, MAY, 'meter', MAY_NOW).total).toBe(4_000);
    });

    it('bills nothing without a minimum', () => {
      const instant = [ctr(CTR_A, 's1', t('2024-05-05T10:00:00Z'), t('2024-05-05T10:00:00Z'), 0)];
      expect(rateUsage(instant, MAY, groupBy, MAY_NOW)).toEqual({ lines: [], total: 0 });
    });
  });

  describe('split into series', () => {
    const DAY5 = [
      ctr(CTR_A, 's1', t('2024-05-05T10:00:00Z'), t('2024-05-05T10:01:00Z')), // 60 s of s1
      ctr(CTR_B, 'm1', t('2024-05-05T11:00:00Z'), t('2024-05-05T11:00:30Z')), // 30 s of m1
      storage('volume', VOL_A, 10, t('2024-05-05T00:00:00Z'), t('2024-05-05T00:01:00Z')), // 600 GB-s
      fip(FIP_A, t('2024-05-06T00:00:00Z'), t('2024-05-06T00:00:20Z')), // 20 s, the next day
      ctr(CTR_A, 's1', t('2024-05-06T00:00:00Z'), t('2024-05-06T00:00:05Z')), // 5 s start: 10 s
    ];

    it('by size: one line per day and size (other resources by type), sorted by key then series', () => {
      expect(rateUsage(DAY5, MAY, 'day', MAY_NOW, 'size')).toEqual({
        lines: [
          { key: '2024-05-05', series: 'm1', seconds: 30, gbSeconds: 0, amount: 30 * 6_000 },
          { key: '2024-05-05', series: 's1', seconds: 60, gbSeconds: 0, amount: 60 * 400 },
          { key: '2024-05-05', series: 'volume', seconds: 0, gbSeconds: 600, amount: 23_148 },
          { key: '2024-05-06', series: 'floating_ip', seconds: 20, gbSeconds: 0, amount: 20 * 400 },
          { key: '2024-05-06', series: 's1', seconds: 10, gbSeconds: 0, amount: 10 * 400 },
        ],
        total: 30 * 6_000 + 60 * 400 + 23_148 + 20 * 400 + 10 * 400,
      });
      expect(amountFor('volume.gib', 600)).toBe(23_148);
    });

    it('by type: containers of every size in one series, rated per meter', () => {
      expect(rateUsage(DAY5, MAY, 'day', MAY_NOW, 'type')).toEqual({
        lines: [
          {
            key: '2024-05-05',
            series: 'container',
            seconds: 90,
            gbSeconds: 0,
            amount: 30 * 6_000 + 60 * 400,
          },
          { key: '2024-05-05', series: 'volume', seconds: 0, gbSeconds: 600, amount: 23_148 },
          { key: '2024-05-06', series: 'container', seconds: 10, gbSeconds: 0, amount: 10 * 400 },
          { key: '2024-05-06', series: 'floating_ip', seconds: 20, gbSeconds: 0, amount: 20 * 400 },
        ],
        total: 30 * 6_000 + 60 * 400 + 23_148 + 10 * 400 + 20 * 400,
      });
    });

    it('splits hours too', () => {
      expect(rateUsage(DAY5, MAY, 'hour', MAY_NOW, 'type').lines.map((l) => [l.key, l.series])).toEqual([
        ['2024-05-05T00:00Z', 'volume'],
        ['2024-05-05T10:00Z', 'container'],
        ['2024-05-05T11:00Z', 'container'],
        ['2024-05-06T00:00Z', 'container'],
        ['2024-05-06T00:00Z', 'floating_ip'],
      ]);
    });

    it('gives the same total as without a split', () => {
      const plain = rateUsage(DAY5, MAY, 'day', MAY_NOW).total;
      expect(rateUsage(DAY5, MAY, 'day', MAY_NOW, 'size').total).toBe(plain);
      expect(rateUsage(DAY5, MAY, 'day', MAY_NOW, 'type').total).toBe(plain);
      expect(rateUsage(DAY5, MAY, 'meter', MAY_NOW).total).toBe(plain);
    });

    it.each(['container', 'size', 'type', 'meter'] as const)('is ignored by %s', (groupBy) => {
      expect(rateUsage(DAY5, MAY, groupBy, MAY_NOW, 'size')).toEqual(rateUsage(DAY5, MAY, groupBy, MAY_NOW));
      for (const l of rateUsage(DAY5, MAY, groupBy, MAY_NOW, 'type').lines) expect(l.series).toBeNull();
    });
  });
});

describe('monthOf', () => {
  it('is the UTC calendar month holding the instant, end exclusive', () => {
    expect(monthOf(new Date('2026-11-22T05:00:00Z'))).toEqual({
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-12-01T00:00:00Z'),
    });
    expect(monthOf(new Date('2026-12-31T23:59:59.999Z'))).toEqual({
      from: new Date('2026-12-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
    });
    expect(monthOf(new Date('2027-01-01T00:00:00Z')).from).toEqual(new Date('2027-01-01T00:00:00Z'));
  });
});
