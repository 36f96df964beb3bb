import { sinceToUnixSeconds } from './since';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const nowS = NOW.getTime() / 1000;

describe('sinceToUnixSeconds', () => {
  it('takes durations back from now, unix seconds, and dates', () => {
    expect(sinceToUnixSeconds('10m', NOW)).toBe((nowS - 600).toFixed(3));
    expect(sinceToUnixSeconds('1h30m', NOW)).toBe((nowS - 5400).toFixed(3));
    expect(sinceToUnixSeconds('1500ms', NOW)).toBe((nowS - 1.5).toFixed(3));
    expect(sinceToUnixSeconds('1767323045', NOW)).toBe('1767323045');
    expect(sinceToUnixSeconds('2026-01-02T03:00:00Z', NOW)).toBe((nowS - 245).toFixed(3));
    expect(sinceToUnixSeconds('2026-01-01', NOW)).toBe((Date.parse('2026-01-01') / 1000).toFixed(3));
  });

  it('refuses anything else with a usage error', () => {
    expect(() => sinceToUnixSeconds('soon', NOW)).toThrow(
      expect.objectContaining({ code: 'cli/usage', exitCode: 2 }),
    );
  });
});
