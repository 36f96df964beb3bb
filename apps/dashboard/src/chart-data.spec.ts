import { describe, expect, it } from '@jest/globals';
import { bucketStart, seriesLabel, shapeUsage, stack } from './chart-data';

const line = (key: string, series: string | null, amountNanoUsd: number) => ({ key, series, amountNanoUsd });
const secondsOf = (iso: string) => Date.parse(iso) / 1000;

describe('shapeUsage', () => {
  it('gives every day of the window an x, with zeros where nothing ran', () => {
    const chart = shapeUsage(
      {
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-04T00:00:00.000Z',
        lines: [line('2026-11-02', 's1', 400_000_000)],
      },
      'day',
    );
    expect(chart.bucketSeconds).toBe(86_400);
    expect(chart.xs).toEqual([
      secondsOf('2026-11-01T00:00:00Z'),
      secondsOf('2026-11-02T00:00:00Z'),
      secondsOf('2026-11-03T00:00:00Z'),
    ]);
    expect(chart.series).toEqual([
      { key: 's1', label: 's1', values: [0, 0.4, 0], totalNanoUsd: 400_000_000 },
    ]);
  });

  it('makes one series per size or type, the largest total first', () => {
    const chart = shapeUsage(
      {
        from: '2026-11-01T00:00:00Z',
        to: '2026-11-03T00:00:00Z',
        lines: [
          line('2026-11-01', 's1', 100),
          line('2026-11-01', 'volume', 5_000),
          line('2026-11-02', 's1', 200),
          line('2026-11-02', 'm1', 1_000),
        ],
      },
      'day',
    );
    expect(chart.series.map((s) => [s.key, s.label, s.totalNanoUsd])).toEqual([
      ['volume', 'Volumes', 5_000],
      ['m1', 'm1', 1_000],
      ['s1', 's1', 300],
    ]);
    expect(chart.series[2]?.values).toEqual([100 / 1e9, 200 / 1e9]);
  });

  it('buckets hours from the hour the window starts in, to the end of the window', () => {
    const chart = shapeUsage(
      {
        from: '2026-11-22T10:30:00Z',
        to: '2026-11-22T12:15:00Z',
        lines: [line('2026-11-22T10:00Z', null, 7), line('2026-11-22T12:00Z', null, 3)],
      },
      'hour',
    );
    expect(chart.xs).toEqual([
      secondsOf('2026-11-22T10:00:00Z'),
      secondsOf('2026-11-22T11:00:00Z'),
      secondsOf('2026-11-22T12:00:00Z'),
    ]);
    expect(chart.series).toEqual([
      { key: '', label: 'All usage', values: [7e-9, 0, 3e-9], totalNanoUsd: 10 },
    ]);
  });

  it('has no series for a period without usage, and ignores lines outside the window', () => {
    const chart = shapeUsage(
      { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z', lines: [line('2026-10-31', 's1', 5)] },
      'day',
    );
    expect(chart.xs).toHaveLength(1);
    expect(chart.series).toEqual([]);
  });

  it('reads bucket keys as UTC', () => {
    expect(bucketStart('2026-11-02', 'day')).toBe(Date.UTC(2026, 10, 2));
    expect(bucketStart('2026-11-02T13:00Z', 'hour')).toBe(Date.UTC(2026, 10, 2, 13));
    expect(() => bucketStart('yesterday', 'day')).toThrow(RangeError);
  });

  it('labels series', () => {
    expect(seriesLabel(null)).toBe('All usage');
    expect(seriesLabel('floating_ip')).toBe('Floating IPs');
    expect(seriesLabel('l3')).toBe('l3');
  });
});

describe('stack', () => {
  it('sums each row with the rows before it', () => {
    expect(
      stack([
        [1, 2, 0],
        [3, 0, 1],
        [0, 5, 1],
      ]),
    ).toEqual([
      [1, 2, 0],
      [4, 2, 1],
      [4, 7, 2],
    ]);
    expect(stack([])).toEqual([]);
  });
});
