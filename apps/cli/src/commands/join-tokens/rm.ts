import type { Command } from 'commander';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printLines } from '../../output/output';
import { failIfAny, settleAll } from '../shared/for-each';
import { operatorOption, withExamples } from '../shared/options';

export function registerJoinTokensRm(parent: Command, ctx: CliContext): Command {
  const cmd = operatorOption(
    parent
      .command('rm')
      .alias('revoke')
      .summary('delete join tokens')
      .description(
        'Delete join or re-admission tokens: they stop working at once. Registered hosts keep theirs.',
      )
      .argument('<token-id...>', 'token ids (jtk_...), as `berth admin join-tokens ls` shows them'),
  ).action(async (ids: string[], opts: { operatorToken?: string }) => {
    const api = ctx.operator(opts.operatorToken);
    const { ok, failures } = await settleAll(ids, async (id) => {
      await api.delete<void>(`/v1/admin/join-tokens/${seg(id)}`);
      return id;
    });
    printLines(ctx.out, ok, (id) => id);
    failIfAny(ctx, failures);
  });
  return withExamples(cmd, ['berth admin join-tokens rm jtk_01j9z6w2m4q8r7t5v3x1y0b2c4']);
}
