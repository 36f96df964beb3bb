import type { AcceptedView } from '@berth/contracts';
import { seg } from '../../api/api';
import { InterruptedError, isAbortError } from '../../api/errors';
import { waitForOperation } from '../../api/operations';
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

export interface RemoveAndWaitOptions {
  readonly wait: boolean;
  readonly json?: boolean;
}

/** How `removeEachAndWait` names what it removes: `volumes` and `berth volume ls`, say. */
export interface RemovedNoun {
  readonly plural: string;
  readonly listCommand: string;
}

/**
 * `rm` for a resource whose deletion is asynchronous (`202` and an operation), as `berth rm` does for
 * containers: every DELETE goes out at once, then (unless --no-wait) each operation is waited for.
 * Prints each ref as given once done, or with --json what was deleted (state "deleted", or
 * "deleting" with --no-wait). A ref that fails prints its error and the command exits 1 after the
 * others.
 */
export async function removeEachAndWait<T extends { readonly state: string }>(
  ctx: CliContext,
  collection: string,
  refs: readonly string[],
  opts: RemoveAndWaitOptions,
  noun: RemovedNoun,
): Promise<void> {
  const api = ctx.tenant();
  // Operations still being waited for, for the Ctrl-C hint.
  const waiting = new Set<string>();
  const activity = opts.wait
    ? ctx.out.activity(`Removing ${refs.length === 1 ? refs[0] : `${refs.length} ${noun.plural}`}`)
    : undefined;
  let settled;
  try {
    settled = await settleAll(refs, async (ref) => {
      const res = await api.delete<AcceptedView<T>>(`${collection}/${seg(ref)}`);
      if (!opts.wait) return { ref, view: res.data };
      waiting.add(res.operation.id);
      await waitForOperation(api, res.operation.id, { pollSeconds: 30 });
      waiting.delete(res.operation.id);
      return { ref, view: { ...res.data, state: 'deleted' } };
    });
  } catch (err) {
    if (!isAbortError(err)) throw err;
    throw new InterruptedError(
      waiting.size > 0
        ? `berth goes on without us: \`berth operation wait ${[...waiting].join(' ')}\` follows it.`
        : `the request may have reached berth: \`${noun.listCommand}\` shows where things stand.`,
    );
  } finally {
    activity?.stop();
  }
  if (opts.json)
    printJson(
      ctx.out,
      settled.ok.map((r) => r.view),
    );
  else printLines(ctx.out, settled.ok, (r) => r.ref);
  failIfAny(ctx, settled.failures);
}
