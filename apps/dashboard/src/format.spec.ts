import { describe, expect, it } from '@jest/globals';
import {
  autoDigits,
  formatCount,
  formatDateTime,
  formatDuration,
  formatMonth,
  formatRate,
  formatShare,
  formatUsd,
  meterDigits,
  resourceTypeLabel,
  resourceTypesLabel,
  secondsSince,
} from './format';

/** ICU puts narrow no-break spaces in some formats; the specs compare with plain spaces. */
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

describe('formatUsd', () => {
  const usd = (nano: number, digits?: number) =>
    formatUsd(nano, { locale: 'en-US', ...(digits === undefined ? {} : { digits }) });

  it('shows cents for a dollar or more', () => {
    expect(usd(12_400_000_000)).toBe('$12.40');
    expect(usd(1_234_567_890_123)).toBe('$1,234.57');
    expect(usd(0)).toBe('$0.00');
  });

  it('shows sub-cent amounts to about three significant digits, down to the nano-dollar', () => {
    expect(usd(15_300_000)).toBe('$0.0153');
    expect(usd(500_000_000)).toBe('$0.50');
    expect(usd(400)).toBe('$0.0000004');
    expect(usd(1)).toBe('$0.000000001');
    expect(usd(-15_300_000)).toBe('-$0.0153');
  });

  it('keeps a fixed number of digits when asked, so a meter keeps its width', () => {
    expect(usd(4_000, 7)).toBe('$0.0000040');
    expect(usd(4_400, 7)).toBe('$0.0000044');
    expect(usd(1_000_000_000, 7)).toBe('$1.0000000');
  });

  it('follows the locale', () => {
    expect(plain(formatUsd(12_400_000_000, { locale: 'de-DE' }))).toBe('12,40 $');
  });
});

describe('digits', () => {
  it('autoDigits', () => {
    expect(autoDigits(0)).toBe(2);
    expect(autoDigits(2_000_000_000)).toBe(2);
    expect(autoDigits(15_300_000)).toBe(4);
    expect(autoDigits(400)).toBe(9);
  });

  it('meterDigits makes one second of accrual change the last digit', () => {
    expect(meterDigits(400)).toBe(7); // $0.0000004 a second
    expect(meterDigits(1_000)).toBe(6); // $0.000001
    expect(meterDigits(1_500)).toBe(6);
    expect(meterDigits(192_000)).toBe(4); // $0.000192
    expect(meterDigits(1)).toBe(9);
    expect(meterDigits(5_000_000_000)).toBe(2);
    expect(meterDigits(0)).toBe(2);
  });
});

describe('rates and exact amounts', () => {
  it('formatRate keeps every significant digit', () => {
    expect(formatRate(400, 'en-US')).toBe('$0.0000004');
    expect(formatRate(12_345, 'en-US')).toBe('$0.000012345');
    expect(formatRate(0, 'en-US')).toBe('$0.00');
  });

  it('counts and shares', () => {
    expect(formatCount(3600, 'en-US')).toBe('3,600');
    expect(plain(formatShare(1, 4, 'en-US'))).toBe('25%');
    expect(plain(formatShare(1, 200, 'en-US'))).toBe('0.5%');
    expect(plain(formatShare(5, 0, 'en-US'))).toBe('0%');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [5, '5 s'],
    [65, '1 min 05 s'],
    [3725, '1 h 02 min 05 s'],
    [36_000, '10 h 00 min 00 s'],
    [2 * 86_400 + 10, '2 d 0 h 00 min 10 s'],
    [-3, '0 s'],
    [59.9, '59 s'],
  ])('%p seconds is %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('secondsSince', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(secondsSince('2026-11-22T11:00:00Z', now)).toBe(3600);
    expect(secondsSince('2026-11-22T12:00:05Z', now)).toBe(0);
    expect(secondsSince(null, now)).toBeNull();
    expect(secondsSince('not a date', now)).toBeNull();
  });
});

describe('times and names', () => {
  it('formatDateTime in the locale and zone asked for', () => {
    expect(plain(formatDateTime('2026-11-22T12:00:00Z', { locale: 'en-US', timeZone: 'UTC' }))).toBe(
      'Nov 22, 2026, 12:00 PM',
    );
    expect(formatDateTime('garbage')).toBe('garbage');
  });

  it('formatMonth names a UTC month', () => {
    expect(formatMonth('2026-11', 'en-US')).toBe('November 2026');
    expect(formatMonth('2026-01', 'en-US')).toBe('January 2026');
    expect(formatMonth('bad')).toBe('bad');
  });

  it('resource types', () => {
    expect(resourceTypesLabel('floating_ip')).toBe('Floating IPs');
    expect(resourceTypeLabel('volume')).toBe('Volume');
    expect(resourceTypeLabel(null)).toBe('—');
    expect(resourceTypeLabel('gpu')).toBe('gpu');
  });
});
