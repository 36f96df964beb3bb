import type { Command } from 'commander';
import type { CreatedApiKeyView } from '@berth/contracts';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { withExamples } from '../shared/options';

export function registerKeysCreate(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('create')
    .summary('create an API key')
    .description('Create another API key for your tenant. Its secret is shown this once: store it now.')
    .option('--name <name>', 'a label to recognise the key by (default: "unnamed")')
    .option('--json', 'print the key, secret included, as JSON')
    .option('-q, --quiet', 'print the secret only')
    .action(async (opts: { name?: string; json?: boolean; quiet?: boolean }) => {
      const key = await ctx
        .tenant()
        .post<CreatedApiKeyView>('/v1/keys', opts.name !== undefined ? { name: opts.name } : {});
      if (opts.json) return printJson(ctx.out, key);
      if (opts.quiet) return ctx.out.out(`${key.secret}\n`);
      ctx.out.out(`Created API key ${key.id} (${key.name}). Its secret, shown this once:\n${key.secret}\n`);
    });
  return withExamples(cmd, ['berth keys create --name ci', 'berth keys create --name ci -q > ci.key']);
}
