import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import type { Accel } from './qemu-args';
import { bootArgs, kernelCommandLine } from './qemu-args';

export interface AccelProbeResult {
  readonly accel: Accel;
  readonly reason: string;
}

/**
 * Decides between KVM and TCG by booting the guest kernel under KVM for a few seconds: /dev/kvm
 * existing proves nothing (on PVM hosts it exists and a stock guest does not boot; see
 * ../shared/notes/microvm-on-these-machines.md). berth-init prints "probe ok" when the kernel
 * command line has `berth.probe`, then powers off.
 */
export async function probeAccel(
  kernel: string,
  initrd: string,
  timeoutMs = 5000,
  qemu = 'qemu-system-x86_64',
): Promise<AccelProbeResult> {
  try {
    await access('/dev/kvm');
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is missing' };
  }
  const args = [
    ...bootArgs({
      accel: 'kvm',
      memoryMib: 128,
      vcpu: 1,
      kernel,
      initrd,
      append: kernelCommandLine('kvm', ['berth.probe']),
    }),
    '-serial',
    'stdio',
  ];
  return new Promise((resolve) => {
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let settled = false;
    const finish = (r: AccelProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ accel: 'tcg', reason: `a KVM guest did not reach init within ${timeoutMs} ms` }),
      timeoutMs,
    );
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes('berth-init: probe ok'))
        finish({ accel: 'kvm', reason: 'a KVM guest booted to init' });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => finish({ accel: 'tcg', reason: `qemu could not run: ${err.message}` }));
    child.once('exit', () =>
      finish({ accel: 'tcg', reason: `qemu with KVM exited: ${out.slice(-300).trim()}` }),
    );
  });
}
