import { createHash } from 'node:crypto';
import { isId, USAGE_METERS, type UsageMeter } from '@berth/domain';
import { usageIntervalId } from './usage-interval-id';

const VOL = 'vol_01h8xz3k4m5n6p7q8r9s0t1v2w';
const SNAP = 'snap_01h8xz3k4m5n6p7q8r9s0t1v2w';
const T0 = new Date('2024-05-01T12:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

describe('usageIntervalId', () => {
  it('is deterministic', () => {
    const a = usageIntervalId(VOL, 'volume.gib', T0);
    expect(usageIntervalId(VOL, 'volume.gib', T0)).toBe(a);
    // An equal Date, not the same object.
    expect(usageIntervalId(VOL, 'volume.gib', new Date(T0.getTime()))).toBe(a);
    expect(usageIntervalId(VOL, 'volume.gib', new Date('2024-05-01T12:00:00Z'))).toBe(a);
  });

  it('is a pinned value, so ids written before a change still match after it', () => {
    // sha256("vol_01h8xz3k4m5n6p7q8r9s0t1v2w\nvolume.gib\n2024-05-01T12:00:00.000Z"), first 26 hex digits.
    expect(usageIntervalId(VOL, 'volume.gib', T0)).toMatch(/^use_[0-9a-f]{26}$/);
    expect(usageIntervalId(VOL, 'volume.gib', T0)).toBe(
      `use_${createHash('sha256').update(`${VOL}\nvolume.gib\n2024-05-01T12:00:00.000Z`).digest('hex').slice(0, 26)}`,
    );
  });

  it.each<[string, string, UsageMeter, Date]>([
    ['resource', 'vol_01h8xz3k4m5n6p7q8r9s0t1v2x', 'volume.gib', T0],
    ['resource (a snapshot of the same body)', SNAP, 'volume.gib', T0],
    ['meter', VOL, 'snapshot.gib', T0],
    ['start, by one millisecond', VOL, 'volume.gib', at(1)],
    ['start, by one second', VOL, 'volume.gib', at(1000)],
    ['start, earlier', VOL, 'volume.gib', at(-1)],
  ])('differs when the %s differs', (_what, resourceId, meter, start) => {
    expect(usageIntervalId(resourceId, meter, start)).not.toBe(usageIntervalId(VOL, 'volume.gib', T0));
  });

  it('does not let the fields run into one another', () => {
    // The separator keeps "a" + "bc" apart from "ab" + "c".
    const ids = new Set([
      usageIntervalId('vol_a', 'volume.gib', T0),
      usageIntervalId('vol_a\nvolume.gib', 'volume.gib', T0),
      usageIntervalId('vol_ab', 'volume.gib', T0),
    ]);
    expect(ids.size).toBe(3);
  });

  it("is a valid 'use' id", () => {
    const samples = [
      usageIntervalId(VOL, 'volume.gib', T0),
      usageIntervalId(SNAP, 'snapshot.gib', at(123_456_789)),
      usageIntervalId('', 'volume.gib', new Date(0)),
      usageIntervalId('x'.repeat(1000), 'snapshot.gib', new Date('2099-12-31T23:59:59.999Z')),
    ];
    for (let i = 0; i < 200; i++) {
      samples.push(
        usageIntervalId(`vol_${i}`, USAGE_METERS[i % USAGE_METERS.length] as UsageMeter, at(i * 997)),
      );
    }
    for (const id of samples) {
      expect(isId('use', id)).toBe(true);
      expect(isId('vol', id)).toBe(false);
    }
  });

  it('gives distinct ids to the intervals of one volume over time', () => {
    const ids = new Set(
      Array.from({ length: 1000 }, (_, i) => usageIntervalId(VOL, 'volume.gib', at(i * 60_000))),
    );
    expect(ids.size).toBe(1000);
  });
});
