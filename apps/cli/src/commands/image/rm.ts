import type { Command } from 'commander';
import type { ImageView } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printJson, printLines } from '../../output/output';
import { failIfAny, settleAll } from '../shared/for-each';
import { withExamples } from '../shared/options';

export function registerRmi(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('rmi')
    .summary('remove images')
    .description('Remove images from your image list, by id or reference.')
    .argument('<image...>', 'image ids or references')
    .option('--json', 'print the removed images as a JSON array')
    .action(async (refs: string[], opts: { json?: boolean }) => {
      const api = ctx.tenant();
      const { ok, failures } = await settleAll(refs, (ref) =>
        api.delete<ImageView>(`/v1/images/${seg(ref)}`),
      );
      if (opts.json) printJson(ctx.out, ok);
      else printLines(ctx.out, ok, (i) => `Deleted: ${i.reference}`);
      failIfAny(ctx, failures);
    });
  return withExamples(cmd, ['berth rmi 127.0.0.1:5000/me/busybox:latest', 'berth rmi $(berth images -q)']);
}
