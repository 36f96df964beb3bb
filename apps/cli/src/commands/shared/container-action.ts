import type { AcceptedView, ContainerView } from '@berth/contracts';
import { seg, type Api } from '../../api/api';
import { InterruptedError, isAbortError } from '../../api/errors';
import { waitForOperation } from '../../api/operations';
import type { CliContext } from '../../context';
import { printJson, printLines } from '../../output/output';
import { failIfAny, settleAll } from './for-each';

export type ContainerAction = 'start' | 'stop' | 'restart' | 'delete';

const GERUND: Record<ContainerAction, string> = {
  start: 'Starting',
  stop: 'Stopping',
  restart: 'Restarting',
  delete: 'Removing',
};

export interface ActionOptions {
  readonly wait: boolean;
  readonly json?: boolean;
  readonly force?: boolean;
}

function request(api: Api, ref: string, action: ContainerAction, force: boolean) {
  const path = `/v1/containers/${seg(ref)}`;
  return action === 'delete'
    ? api.delete<AcceptedView<ContainerView>>(path, force ? { force: 'true' } : {})
    : api.post<AcceptedView<ContainerView>>(`${path}/${action}`);
}

/**
 * start, stop, restart and rm on one or more containers: every request goes out at once, then
 * (unless --no-wait) each operation is waited for. Prints each ref as given once done, as Docker
 * does, or with --json the containers as they ended up (rm: state "deleted", or "deleting" with
 * --no-wait). A ref that fails prints its error and the command exits 1 after the others.
 */
export async function actOnContainers(
  ctx: CliContext,
  refs: readonly string[],
  action: ContainerAction,
  opts: ActionOptions,
): Promise<void> {
  const api = ctx.tenant();
  // Operations still being waited for, for the Ctrl-C hint.
  const waiting = new Set<string>();
  const activity = opts.wait
    ? ctx.out.activity(`${GERUND[action]} ${refs.length === 1 ? refs[0] : `${refs.length} containers`}`)
    : undefined;
  let settled;
  try {
    settled = await settleAll(refs, async (ref) => {
      const res = await request(api, ref, action, opts.force === true);
      if (!opts.wait) return { ref, view: res.data };
      waiting.add(res.operation.id);
      await waitForOperation(api, res.operation.id, { pollSeconds: 30 });
      waiting.delete(res.operation.id);
      if (action === 'delete') return { ref, view: { ...res.data, state: 'deleted' as const } };
      return {
        ref,
        view: opts.json ? await api.get<ContainerView>(`/v1/containers/${seg(res.data.id)}`) : res.data,
      };
    });
  } catch (err) {
    if (!isAbortError(err)) throw err;
    throw new InterruptedError(
      waiting.size > 0
        ? `berth goes on without us: \`berth operation wait ${[...waiting].join(' ')}\` follows it.`
        : 'the request may have reached berth: `berth ps -a` shows where things stand.',
    );
  } finally {
    activity?.stop();
  }
  const views = settled.ok.map((r) => r.view);
  if (opts.json) printJson(ctx.out, views);
  else printLines(ctx.out, settled.ok, (r) => r.ref);
  failIfAny(ctx, settled.failures);
}
