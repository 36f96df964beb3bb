import { readFileSync } from 'node:fs';

/** What the kernel is told when the host's rate cannot be read (the value the probe notes used). */
export const FALLBACK_TSC_KHZ = 2_000_000;

/**
 * The host CPU's TSC rate in kHz, from /proc/cpuinfo's "cpu MHz" (constant on the virtual and
 * server CPUs berth runs on). Under TCG a guest reads the host's own TSC, so telling its kernel any
 * other rate makes guest time run fast or slow by the ratio: with 2 GHz assumed on a 2.6 GHz host,
 * `sleep 12` took 9.3 s (measured by billing-microvm.e2e-spec.ts).
 */
export function parseTscKhz(cpuinfo: string): number | null {
  const m = /^cpu MHz\s*:\s*([0-9]+(?:\.[0-9]+)?)\s*$/m.exec(cpuinfo);
  if (!m?.[1]) return null;
  const khz = Math.round(Number(m[1]) * 1000);
  return Number.isFinite(khz) && khz >= 100_000 ? khz : null;
}

export function hostTscKhz(read: () => string = () => readFileSync('/proc/cpuinfo', 'utf8')): number {
  try {
    return parseTscKhz(read()) ?? FALLBACK_TSC_KHZ;
  } catch {
    return FALLBACK_TSC_KHZ;
  }
}
