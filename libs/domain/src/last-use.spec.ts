import { LAST_USED_RESOLUTION_MS, lastUseWorthRecording } from './last-use';

describe('lastUseWorthRecording', () => {
  const now = new Date('2026-12-07T06:00:00Z');

  it('records a first use', () => {
    expect(lastUseWorthRecording(null, now)).toBe(true);
  });

  it('records again only once the last record is older than the resolution', () => {
    const at = (msAgo: number) => new Date(now.getTime() - msAgo);
    expect(lastUseWorthRecording(at(0), now)).toBe(false);
    expect(lastUseWorthRecording(at(LAST_USED_RESOLUTION_MS), now)).toBe(false);
    expect(lastUseWorthRecording(at(LAST_USED_RESOLUTION_MS + 1), now)).toBe(true);
  });
});
