import { heartbeatOffsetMs, hostAddress, mapBounded } from './fleet-plan';

describe('hostAddress', () => {
  it('gives each host its own address in the benchmarking block 198.18.0.0/15', () => {
    expect(hostAddress(0)).toBe('198.18.0.1');
    expect(hostAddress(254)).toBe('198.18.0.255');
    expect(hostAddress(255)).toBe('198.18.1.0');
    expect(hostAddress(65535)).toBe('198.19.0.0');
    const all = new Set(Array.from({ length: 1000 }, (_, i) => hostAddress(i)));
    expect(all.size).toBe(1000);
  });

  it('refuses an index with no address', () => {
    expect(() => hostAddress(-1)).toThrow();
    expect(() => hostAddress(1.5)).toThrow();
    expect(() => hostAddress(2 * 65536 - 2)).toThrow();
  });
});

describe('heartbeatOffsetMs', () => {
  it('puts host i at phase i/n of the interval, counted from when the fleet began', () => {
    expect(heartbeatOffsetMs(0, 4, 1000, 0)).toBe(0);
    expect(heartbeatOffsetMs(1, 4, 1000, 0)).toBe(250);
    expect(heartbeatOffsetMs(3, 4, 1000, 0)).toBe(750);
    // Registered 600 ms in: host 3 still beats at phase 750 (150 ms from now).
    expect(heartbeatOffsetMs(3, 4, 1000, 600)).toBe(150);
    // Registered after its phase went by: the next one round.
    expect(heartbeatOffsetMs(1, 4, 1000, 600)).toBe(650);
    expect(heartbeatOffsetMs(1, 4, 1000, 2600)).toBe(650);
  });

  it('spreads 1,000 hosts evenly over the interval', () => {
    const offsets = Array.from({ length: 1000 }, (_, i) => heartbeatOffsetMs(i, 1000, 3000, 0));
    const perSecond = [0, 1, 2].map((s) => offsets.filter((o) => o >= s * 1000 && o < (s + 1) * 1000).length);
    expect(perSecond.every((n) => n >= 333 && n <= 334)).toBe(true);
    expect(Math.max(...offsets)).toBeLessThan(3000);
  });
});

describe('mapBounded', () => {
  it('runs every index once, never more than the limit at once', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await mapBounded(20, 3, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      seen.push(i);
      inFlight--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(most).toBe(3);
  });

  it('rejects with the first failure and starts no more work after it', async () => {
    const started: number[] = [];
    await expect(
      mapBounded(10, 2, async (i) => {
        started.push(i);
        await new Promise((r) => setImmediate(r));
        if (i === 1) throw new Error('host 1 refused');
      }),
    ).rejects.toThrow('host 1 refused');
    expect(started.length).toBeLessThan(10);
  });

  it('refuses a limit below one', async () => {
    await expect(mapBounded(1, 0, () => Promise.resolve())).rejects.toThrow();
  });
});
