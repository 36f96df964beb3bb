import { parseCommandLine, runsFrom } from './qemu-process';

describe('QEMU command lines', () => {
  it('reads /proc/<pid>/cmdline as its NUL-separated arguments', () => {
    expect(parseCommandLine('qemu-system-x86_64\0-name\0berth-ctr_a\0')).toEqual([
      'qemu-system-x86_64',
      '-name',
      'berth-ctr_a',
    ]);
    expect(parseCommandLine('')).toEqual([]);
  });

  const argv = [
    'qemu-system-x86_64',
    '-serial',
    'file:/var/lib/berth/machines/ctr_a/console.log',
    '-qmp',
    'unix:/var/lib/berth/machines/ctr_a/qmp.sock,server=on,wait=off',
  ];

  it("knows a machine's QEMU by the paths into its directory", () => {
    expect(runsFrom(argv, '/var/lib/berth/machines/ctr_a')).toBe(true);
    expect(runsFrom(argv, '/var/lib/berth/machines')).toBe(true);
    // Another machine's, a directory that only shares a prefix, or not QEMU at all (a reused pid).
    expect(runsFrom(argv, '/var/lib/berth/machines/ctr_b')).toBe(false);
    expect(runsFrom(argv, '/var/lib/berth/machines/ctr')).toBe(false);
    expect(
      runsFrom(['tail', '-f', '/var/lib/berth/machines/ctr_a/console.log'], '/var/lib/berth/machines/ctr_a'),
    ).toBe(false);
  });
});
