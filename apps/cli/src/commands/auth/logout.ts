import type { Command } from 'commander';
import type { RegistryCredentialView } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { registryHost } from './login';

export function registerLogout(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('logout')
    .summary('forget the stored login, or a registry login')
    .description(
      '`berth logout` deletes ~/.config/berth/config.json (the stored URL, key and operator token).\n\n' +
        '`berth logout HOST` makes berth forget your login for the image registry HOST.',
    )
    .argument('[registry]', 'an image registry host[:port]')
    .action(async (registry: string | undefined) => {
      if (registry !== undefined) {
        const host = registryHost(registry);
        const view = await ctx
          .tenant()
          .delete<RegistryCredentialView>(`/v1/registry-credentials/${seg(host)}`);
        ctx.out.out(`Removed the login for ${view.registry}.\n`);
        return;
      }
      const file = ctx.deps.store.file;
      ctx.out.out(ctx.deps.store.remove() ? `Removed ${file}.\n` : `Not logged in (no ${file}).\n`);
      if (ctx.deps.env.apiKey) ctx.out.err('Note: BERTH_API_KEY is still set in your environment.\n');
    });
  return withExamples(cmd, ['berth logout', 'berth logout registry.example.com:5000']);
}
