import { closedLoop } from './load';

describe('closedLoop', () => {
  it('runs every call once, at most `concurrency` at a time, and times each with the clock given', async () => {
    let now = 0;
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    const r = await closedLoop(
      10,
      3,
      async (i) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((res) => setImmediate(res));
        now += 5;
        seen.push(i);
        inFlight--;
      },
      () => now,
    );
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    expect(r.latencies).toHaveLength(10);
    expect(r.wallMs).toBe(50);
    expect(r.errors).toBe(0);
  });

  it('counts failures without stopping, and keeps the first message', async () => {
    const r = await closedLoop(6, 2, (i) =>
      i % 3 === 0 ? Promise.reject(new Error(`no ${i}`)) : Promise.resolve(),
    );
    expect(r.errors).toBe(2);
    expect(r.latencies).toHaveLength(4);
    expect(r.firstError).toBe('no 0');
  });

  it('gives lane numbers below the concurrency', async () => {
    const lanes = new Set<number>();
    await closedLoop(20, 4, async (_, lane) => {
      lanes.add(lane);
      await new Promise((res) => setImmediate(res));
    });
    expect([...lanes].sort()).toEqual([0, 1, 2, 3]);
  });
});
