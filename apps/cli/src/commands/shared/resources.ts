import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printJson, printLines } from '../../output/output';
import { failIfAny, settleAll } from './for-each';

/**
 * `inspect` for a resource under `collection` (`/v1/networks`): every ref looked up at once, the
 * ones found printed as a JSON array, as `docker network inspect` does; a ref not found prints its
 * error and the command exits 1 after the others.
 */
export async function inspectEach(
  ctx: CliContext,
  collection: string,
  refs: readonly string[],
): Promise<void> {
  const api = ctx.tenant();
  const { ok, failures } = await settleAll(refs, (ref) => api.get<unknown>(`${collection}/${seg(ref)}`));
  if (ok.length > 0 || failures.length === 0) printJson(ctx.out, ok);
  failIfAny(ctx, failures);
}

/**
 * `rm` for a resource under `collection`: every ref deleted at once; prints each ref as given (or,
 * with --json, what the API answered for each), then every failure, and exits 1 if any.
 */
export async function removeEach(
  ctx: CliContext,
  collection: string,
  refs: readonly string[],
  json: boolean | undefined,
): Promise<void> {
  const api = ctx.tenant();
  const { ok, failures } = await settleAll(refs, async (ref) => ({
    ref,
    view: await api.delete<unknown>(`${collection}/${seg(ref)}`),
  }));
  if (json)
    printJson(
      ctx.out,
      ok.map((r) => r.view),
    );
  else printLines(ctx.out, ok, (r) => r.ref);
  failIfAny(ctx, failures);
}
