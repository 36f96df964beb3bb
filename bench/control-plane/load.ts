/** A closed loop: `n` calls of `op`, `concurrency` at a time, each timed. */
export interface LoopResult {
  /** ms per successful call, in the order they ended. */
  readonly latencies: number[];
  /** First call started -> last call ended. */
  readonly wallMs: number;
  readonly errors: number;
  readonly firstError: string | null;
}

/**
 * Runs op(0..n-1) with `concurrency` lanes (lane i runs its calls one after the other), timing each.
 * A failed call is counted, not retried, and does not stop the loop: the report says how many failed.
 */
export async function closedLoop(
  n: number,
  concurrency: number,
  op: (i: number, lane: number) => Promise<void>,
  clock: () => number = () => performance.now(),
): Promise<LoopResult> {
  if (concurrency < 1) throw new Error('at least one lane');
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let next = 0;
  const t0 = clock();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async (_, lane) => {
      while (next < n) {
        const i = next++;
        const s = clock();
        try {
          await op(i, lane);
          latencies.push(clock() - s);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  return { latencies, wallMs: clock() - t0, errors, firstError };
}
