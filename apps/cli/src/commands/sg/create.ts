import type { Command } from 'commander';
import type { SecurityGroupView } from '@berth/contracts';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { withExamples } from '../shared/options';

export function registerSgCreate(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('create')
    .summary('create a security group')
    .description(
      'Create a security group: a set of allow rules for the containers it is attached to ' +
        '(`berth run --sg NAME`, `berth sg attach`). A new group allows all egress and no ingress; ' +
        'add rules with `berth sg rule add`. Prints the new group id.',
    )
    .argument('<name>', 'unique among your security groups (letters, digits, "_", "." and "-")')
    .option('--description <text>', 'what the group is for')
    .option('--json', 'print the security group as JSON')
    .action(async (name: string, opts: { description?: string; json?: boolean }) => {
      const group = await ctx.tenant().post<SecurityGroupView>('/v1/security-groups', {
        name,
        ...(opts.description !== undefined ? { description: opts.description } : {}),
      });
      if (opts.json) return printJson(ctx.out, group);
      ctx.out.out(`${group.id}\n`);
    });
  return withExamples(cmd, [
    'berth sg create web --description "public web servers"',
    'berth sg rule add web --ingress --proto tcp --port 80 --cidr 0.0.0.0/0',
  ]);
}
