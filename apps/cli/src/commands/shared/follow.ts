import type { OperationView } from '@berth/contracts';
import type { Api } from '../../api/api';
import { withInterruptHint } from '../../api/errors';
import { isOperationDone, pullProgress, settled, waitForOperation } from '../../api/operations';
import type { CliContext } from '../../context';
import type { Activity } from '../../output/output';

/** Shows an operation's progress on an activity: a bar once a pull knows its size, else its phase. */
export function showProgress(activity: Activity, label: string, op: OperationView): void {
  const p = pullProgress(op);
  if (!p) return activity.text(label);
  if (p.bytesTotal !== undefined && p.bytesTotal > 0) {
    return activity.progress(`${label} (${p.phase})`, p.bytesDone ?? 0, p.bytesTotal);
  }
  activity.text(`${label} (${p.phase})`);
}

/**
 * Waits for `op` with a spinner (or a pull's progress bar) on a terminal. Ctrl-C stops the wait
 * only: the person is told the operation goes on and how to follow it (`hint`, else
 * `berth operation wait <id>`). Throws the operation's coded error if it failed.
 */
export async function followOperation(
  ctx: CliContext,
  api: Api,
  op: OperationView,
  label: string,
  hint?: string,
): Promise<OperationView> {
  if (isOperationDone(op)) return settled(op);
  const activity = ctx.out.activity(label);
  const why = hint ?? `${op.kind} ${op.id} goes on without us: \`berth operation wait ${op.id}\` follows it.`;
  try {
    return await withInterruptHint(why, () =>
      waitForOperation(api, op.id, {
        // A wait answers only when it is up or the operation ends: short ones keep a bar moving.
        pollSeconds: ctx.out.interactive ? 1 : 30,
        onUpdate: (o) => showProgress(activity, label, o),
      }),
    );
  } finally {
    activity.stop();
  }
}
