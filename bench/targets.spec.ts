import { burstTargetMs, TARGETS, verdict } from './targets';

describe('burstTargetMs', () => {
  it('spreads n starts over the cores, with the issue’s 1.2 slack', () => {
    expect(burstTargetMs(300, 20, 2)).toBeCloseTo(3600);
    expect(burstTargetMs(300, 20, 4)).toBeCloseTo(1800);
    expect(TARGETS.burstSlack).toBe(1.2);
  });
  it('refuses a host without cores', () => {
    expect(() => burstTargetMs(300, 20, 0)).toThrow('at least one core');
  });
});

describe('verdict', () => {
  it('passes a figure at or under its limit and misses one above', () => {
    expect(verdict(300, 300)).toBe('ok');
    expect(verdict(301, 300)).toBe('MISSED');
  });
  it('never passes a figure that was not measured', () => {
    expect(verdict(NaN, 300)).toBe('MISSED');
  });
});
