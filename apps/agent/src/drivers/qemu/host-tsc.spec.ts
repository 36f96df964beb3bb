import { FALLBACK_TSC_KHZ, hostTscKhz, parseTscKhz } from './host-tsc';

describe('host TSC rate', () => {
  it("reads /proc/cpuinfo's cpu MHz as kHz", () => {
    expect(
      parseTscKhz('processor\t: 0\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.120\ncache size\t: 512 KB\n'),
    ).toBe(2_596_120);
    expect(parseTscKhz('cpu MHz : 3000\n')).toBe(3_000_000);
  });

  it('gives null for text without a usable rate', () => {
    expect(parseTscKhz('model name : x\n')).toBeNull();
    expect(parseTscKhz('cpu MHz : 0.5\n')).toBeNull();
    expect(parseTscKhz('cpu MHz : fast\n')).toBeNull();
  });

  it('falls back when /proc/cpuinfo cannot be read or has no rate', () => {
    expect(
      hostTscKhz(() => {
        throw new Error('ENOENT');
      }),
    ).toBe(FALLBACK_TSC_KHZ);
    expect(hostTscKhz(() => 'nothing here')).toBe(FALLBACK_TSC_KHZ);
  });
});
