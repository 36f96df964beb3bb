import type { Command } from 'commander';
import type { CreatedApiKeyView, TenantView } from '@berth/contracts';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { operatorOption, withExamples } from '../shared/options';

interface Options {
  readonly operatorToken?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export function registerTenantsCreate(parent: Command, ctx: CliContext): Command {
  const cmd = operatorOption(
    parent
      .command('create')
      .summary('create a tenant and its first API key')
      .description("Create a tenant and its first API key. The key's secret is shown this once.")
      .argument('<name>', 'the tenant name')
      .option('--json', 'print {tenant, apiKey} as JSON')
      .option('-q, --quiet', "print the API key's secret only"),
  ).action(async (name: string, opts: Options) => {
    const api = ctx.operator(opts.operatorToken);
    const res = await api.post<{ tenant: TenantView; apiKey: CreatedApiKeyView }>('/v1/admin/tenants', {
      name,
    });
    if (opts.json) return printJson(ctx.out, res);
    if (opts.quiet) return ctx.out.out(`${res.apiKey.secret}\n`);
    ctx.out.out(
      `Created tenant ${res.tenant.id} (${res.tenant.name}). Its API key, shown this once:\n${res.apiKey.secret}\n` +
        `The tenant logs in with: berth login --url ${api.baseUrl} --key-stdin\n`,
    );
  });
  return withExamples(cmd, [
    'berth admin tenants create acme',
    'berth admin tenants create acme -q | berth login --key-stdin',
  ]);
}
