import type { Command } from 'commander';
import type { OperationView } from '@berth/contracts';
import { settled, waitUntilDone } from '../../api/operations';
import { InterruptedError, isAbortError } from '../../api/errors';
import type { CliContext } from '../../context';
import { printJson, printLines } from '../../output/output';
import { failIfAny, settleAll } from '../shared/for-each';
import { showProgress } from '../shared/follow';
import { withExamples } from '../shared/options';

export function registerOperationWait(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('wait')
    .summary('wait for operations to end')
    .description(
      'Wait until operations (op_..., as printed when a wait was interrupted) have ended, then print ' +
        'how each ended. Exits 1 if any failed or was superseded.',
    )
    .argument('<operation-id...>', 'operation ids')
    .option('--json', 'print the operations as a JSON array')
    .action(async (ids: string[], opts: { json?: boolean }) => {
      const api = ctx.tenant();
      const activity = ctx.out.activity(
        `Waiting for ${ids.length === 1 ? ids[0] : `${ids.length} operations`}`,
      );
      let done: OperationView[];
      let failures: unknown[];
      try {
        ({ ok: done, failures } = await settleAll(ids, (id) =>
          waitUntilDone(api, id, {
            pollSeconds: ctx.out.interactive && ids.length === 1 ? 1 : 30,
            onUpdate: (op) =>
              ids.length === 1 && showProgress(activity, `Waiting for ${op.kind} ${op.id}`, op),
          }),
        ));
      } catch (err) {
        if (isAbortError(err))
          throw new InterruptedError(
            `the operations go on: \`berth operation wait ${ids.join(' ')}\` waits again.`,
          );
        throw err;
      } finally {
        activity.stop();
      }
      if (opts.json) printJson(ctx.out, done);
      else printLines(ctx.out, done, (op) => `${op.id} ${op.kind} ${op.state}`);
      const unsuccessful = done.filter((op) => op.state !== 'succeeded');
      for (const op of unsuccessful) {
        try {
          settled(op);
        } catch (err) {
          failures.push(err);
        }
      }
      failIfAny(ctx, failures);
    });
  return withExamples(cmd, ['berth operation wait op_01j9z6w2m4q8r7t5v3x1y0b2c4']);
}
