import { checkTargets, CONTROL_PLANE_TARGETS } from './targets';

const sizes = (large: { createP99: number; listP99: number; createsPerS: number }) =>
  new Map([
    [1000, { createP99: 10, listP99: 10, createsPerS: 100 }],
    [100_000, large],
  ]);

describe('checkTargets', () => {
  it('meets every target at its limit', () => {
    const checks = checkTargets({
      rawTxPerS: 2000,
      launchesPerS: new Map([
        [1000, 500],
        [1, 600],
      ]),
      bySize: sizes({ createP99: 50, listP99: 50, createsPerS: 80 }),
      largeSize: 100_000,
      smallSize: 1000,
    });
    expect(checks.map((c) => c.met)).toEqual([true, true, true, true, true]);
    // Hosts in ascending order, whatever order they came in.
    expect(checks[0]!.label).toContain('with 1 host(s)');
    expect(checks[1]!.label).toContain('with 1000 host(s)');
    expect(checks[0]!.measured).toBe('600.0/s = 0.300x');
  });

  it('misses each target just past its limit', () => {
    const checks = checkTargets({
      rawTxPerS: 2000,
      launchesPerS: new Map([[1, 2000 * CONTROL_PLANE_TARGETS.launchesVsRawTx - 0.1]]),
      bySize: sizes({ createP99: 50.1, listP99: 50.1, createsPerS: 79.9 }),
      largeSize: 100_000,
      smallSize: 1000,
    });
    expect(checks.map((c) => c.met)).toEqual([false, false, false, false]);
    expect(checks[3]!.measured).toBe('0.80x');
  });

  it('never meets a target that was not measured', () => {
    const checks = checkTargets({
      rawTxPerS: NaN,
      launchesPerS: new Map([[1, 25]]),
      bySize: new Map(),
      largeSize: 100_000,
      smallSize: 1000,
    });
    expect(checks.map((c) => c.met)).toEqual([false, false, false, false]);
    expect(checks.map((c) => c.measured)).toEqual(Array(4).fill('not measured'));
  });
});
