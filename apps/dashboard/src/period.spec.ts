import { describe, expect, it } from '@jest/globals';
import { hourlyAllowed, monthBounds, periodQuery, previousMonthId, usagePath } from './period';

const now = new Date('2026-11-22T12:34:56.000Z');
const DAY = 86_400_000;

describe('periodQuery', () => {
  it('this month runs from its first UTC midnight to now', () => {
    const q = periodQuery({ kind: 'this-month' }, now);
    expect(q.params).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-22T12:34:56.000Z' });
    expect(q.spanMs).toBe(30 * DAY);
  });

  it('last month is a period, across a year too', () => {
    expect(periodQuery({ kind: 'last-month' }, now).params).toEqual({ period: '2026-10' });
    expect(previousMonthId(new Date('2027-01-05T00:00:00Z'))).toBe('2026-12');
  });

  it('the relative windows end now', () => {
    expect(periodQuery({ kind: 'last-7-days' }, now).params).toEqual({
      from: '2026-11-15T12:34:56.000Z',
      to: '2026-11-22T12:34:56.000Z',
    });
    expect(periodQuery({ kind: 'last-24-hours' }, now).spanMs).toBe(DAY);
  });

  it('a picked month is a period, unless it is this one', () => {
    expect(periodQuery({ kind: 'month', month: '2026-02' }, now)).toEqual({
      params: { period: '2026-02' },
      spanMs: 28 * DAY,
    });
    expect(periodQuery({ kind: 'month', month: '2026-11' }, now).params.to).toBe(now.toISOString());
  });

  it('hours go up to 31 days', () => {
    expect(hourlyAllowed(periodQuery({ kind: 'month', month: '2026-01' }, now))).toBe(true);
    expect(hourlyAllowed({ params: {}, spanMs: 32 * DAY })).toBe(false);
  });

  it('builds the usage path', () => {
    expect(usagePath(periodQuery({ kind: 'last-month' }, now), { groupBy: 'day', splitBy: 'size' })).toBe(
      '/v1/usage?period=2026-10&groupBy=day&splitBy=size',
    );
    expect(() => monthBounds('2026-13')).toThrow(RangeError);
  });
});
