import { describeProcessEnd, GUEST_SIGNALS, signalledExitCode } from './exit-codes';

describe('exit codes', () => {
  it('gives a killed workload the code a shell would (128 + signal): 137 for SIGKILL, 143 for SIGTERM', () => {
    expect(signalledExitCode('SIGKILL')).toBe(137);
    expect(signalledExitCode('SIGTERM')).toBe(143);
    expect(GUEST_SIGNALS).toEqual({ SIGKILL: 9, SIGTERM: 15 });
  });

  it('says how QEMU ended: by its code, by the signal that killed it, or that nobody knows (an adopted QEMU)', () => {
    expect(describeProcessEnd({ code: 1, signal: null })).toBe('exited with code 1');
    expect(describeProcessEnd({ code: null, signal: 'SIGKILL' })).toBe('was killed by SIGKILL');
    expect(describeProcessEnd({ code: null, signal: null })).toBe('ended');
    expect(describeProcessEnd(null)).toBe('ended');
  });
});
