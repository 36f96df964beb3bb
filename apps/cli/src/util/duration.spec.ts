import { parseDurationSeconds } from './duration';

describe('parseDurationSeconds', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['30m', 1800],
    ['24h', 86_400],
    ['7d', 604_800],
    ['1h30m', 5400],
    [' 2d12h ', 216_000],
  ])('%s is %d seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', '0', '0s', '1w', 'h', '1.5h', '-1h', '24 h', 'soon', '9'.repeat(30)])(
    'refuses %j with a sentence',
    (text) => {
      expect(() => parseDurationSeconds(text)).toThrow(/duration/);
    },
  );
});
