import { container } from '../testing/fixtures';
import { NOW } from '../testing/harness';
import {
  ago,
  containerStatus,
  dollars,
  formatBytes,
  humanDuration,
  nanoDollars,
  shellJoin,
  truncate,
} from './format';

describe('format', () => {
  it('sizes in decimal units', () => {
    expect([
      formatBytes(null),
      formatBytes(999),
      formatBytes(1_234_567),
      formatBytes(45_600_000_000),
    ]).toEqual(['-', '999 B', '1.23 MB', '45.6 GB']);
  });

  it('durations and ages as Docker words them', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(45_000)).toBe('45 seconds');
    expect(humanDuration(61_000)).toBe('About a minute');
    expect(humanDuration(3 * 3600_000)).toBe('3 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
    expect(ago(new Date(NOW.getTime() - 120_000).toISOString(), NOW)).toBe('2 minutes ago');
    expect(ago(null, NOW)).toBe('-');
  });

  it('statuses: Up, Exited (code), Failed: reason', () => {
    expect(containerStatus(container(), NOW)).toBe('Up About a minute');
    expect(
      containerStatus(container({ state: 'exited', exitCode: 3, finishedAt: NOW.toISOString() }), NOW),
    ).toBe('Exited (3) Less than a second ago');
    expect(containerStatus(container({ state: 'failed', stateReason: 'boot failed' }), NOW)).toBe(
      'Failed: boot failed',
    );
    expect(containerStatus(container({ state: 'creating' }), NOW)).toBe('Creating');
  });

  it('commands quoted as a shell reads them, truncated unless asked', () => {
    expect(shellJoin(['sh', '-c', "echo 'hi' there"])).toBe(`sh -c 'echo '\\''hi'\\'' there'`);
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcdef', 4, true)).toBe('abcdef');
  });

  it('dollars: trailing zeros trimmed, cents kept, exact', () => {
    expect(
      ['0.000004000', '1.500000000', '0.000000000', '12.345678901', '3.000000000', '-0.100000000'].map(
        dollars,
      ),
    ).toEqual(['$0.000004', '$1.50', '$0.00', '$12.345678901', '$3.00', '-$0.10']);
    expect([nanoDollars(400), nanoDollars(1_500_000_000), nanoDollars(0)]).toEqual([
      '$0.0000004',
      '$1.50',
      '$0.00',
    ]);
  });
});
