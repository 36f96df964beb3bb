import { ExitCode, isAbortError } from '../../api/errors';
import type { CliContext } from '../../context';
import { describeError } from '../../errors/report';

export interface Settled<T> {
  readonly ok: T[];
  readonly failures: unknown[];
}

/**
 * Runs `fn` for every ref at once, as `docker stop a b c` does: one ref failing does not stop the
 * others. Ctrl-C is not one ref's failure: it rejects the whole. Results keep the order given.
 */
export async function settleAll<T>(
  refs: readonly string[],
  fn: (ref: string) => Promise<T>,
): Promise<Settled<T>> {
  const results = await Promise.allSettled(refs.map((r) => fn(r)));
  const interrupted = results.find((r) => r.status === 'rejected' && isAbortError(r.reason));
  if (interrupted?.status === 'rejected') throw interrupted.reason;
  const ok: T[] = [];
  const failures: unknown[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') ok.push(r.value);
    else failures.push(r.reason);
  }
  return { ok, failures };
}

/** Prints every failure ("Error: code: message") and ends the command with exit code 1, if any. */
export function failIfAny(ctx: CliContext, failures: readonly unknown[]): void {
  for (const f of failures) ctx.out.err(describeError(f));
  if (failures.length > 0) throw new ExitCode(1);
}
