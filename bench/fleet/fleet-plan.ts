/** The hollow fleet's pure decisions: host addresses, heartbeat phases, bounded concurrency. */

/**
 * Host `i`'s underlay address: 198.18.0.0/15 (RFC 2544, benchmarking), one per host, never routed.
 * Up to 131,070 hosts.
 */
export function hostAddress(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= 2 * 65536 - 2) throw new Error(`no address for host ${i}`);
  const n = i + 1; // 198.18.0.0 itself is skipped
  return `198.${18 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

/**
 * How long host `i` of `n` waits before its heartbeat timer starts, `elapsedMs` after the fleet began:
 * host i beats at phase i/n of the interval, so n hosts spread their beats evenly however fast they
 * registered (a burst of registrations would otherwise beat in step).
 */
export function heartbeatOffsetMs(i: number, n: number, intervalMs: number, elapsedMs: number): number {
  const phase = Math.floor((i * intervalMs) / Math.max(n, 1));
  return (((phase - elapsedMs) % intervalMs) + intervalMs) % intervalMs;
}

/** Runs `work(0..n-1)` with at most `limit` at once; rejects with the first failure (after the rest settle). */
export async function mapBounded(
  n: number,
  limit: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  if (limit < 1) throw new Error('at least one at a time');
  let next = 0;
  let failure: { err: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (next < n && !failure) {
      const i = next++;
      try {
        await work(i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
  if (failure) throw (failure as { err: unknown }).err;
}
