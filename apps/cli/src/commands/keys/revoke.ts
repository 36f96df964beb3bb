import type { Command } from 'commander';
import type { ApiKeyView } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printJson, printLines } from '../../output/output';
import { failIfAny, settleAll } from '../shared/for-each';
import { withExamples } from '../shared/options';

export function registerKeysRevoke(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('revoke')
    .alias('rm')
    .summary('revoke API keys')
    .description('Revoke API keys: they stop working at once. Revoking the key this CLI uses logs it out.')
    .argument('<key-id...>', 'key ids (key_...), as `berth keys ls` shows them')
    .option('--json', 'print the revoked keys as a JSON array')
    .action(async (ids: string[], opts: { json?: boolean }) => {
      const api = ctx.tenant();
      const { ok, failures } = await settleAll(ids, (id) => api.delete<ApiKeyView>(`/v1/keys/${seg(id)}`));
      if (opts.json) printJson(ctx.out, ok);
      else printLines(ctx.out, ok, (k) => k.id);
      const mine = ok.find((k) => ctx.apiKey()?.startsWith(`${k.prefix}_`));
      if (mine)
        ctx.out.err(`Note: ${mine.id} was the key this CLI uses; \`berth login\` with another one.\n`);
      failIfAny(ctx, failures);
    });
  return withExamples(cmd, ['berth keys revoke key_01j9z6w2m4q8r7t5v3x1y0b2c4']);
}
