import { DataplaneRecency } from './dataplane-recency';

describe('DataplaneRecency: an older data plane is never applied over a fresher one', () => {
  const t = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

  it('applies anything before the first pass', () => {
    expect(new DataplaneRecency().isStale(t(0))).toBe(false);
  });

  it("skips a claim's data plane read before the one a poll applied, and takes the same or a later one", () => {
    const r = new DataplaneRecency();
    r.applied(t(10));
    expect(r.isStale(t(9))).toBe(true);
    expect(r.isStale(t(10))).toBe(false);
    expect(r.isStale(t(11))).toBe(false);
  });

  it('keeps the newest it has seen, whatever order passes end in', () => {
    const r = new DataplaneRecency();
    r.applied(t(20));
    r.applied(t(15));
    expect(r.isStale(t(18))).toBe(true);
  });

  it('never skips, nor records, a data plane whose date it cannot read', () => {
    const r = new DataplaneRecency();
    r.applied('not a date');
    expect(r.isStale(t(0))).toBe(false);
    r.applied(t(5));
    expect(r.isStale('not a date')).toBe(false);
  });
});
