import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { inspectEach } from '../shared/resources';

export function registerSgInspect(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('inspect')
    .summary('show security groups and their rules, as JSON')
    .description('Print security groups, rules included, as a JSON array.')
    .argument('<sg...>', 'security group ids or names')
    .option('--json', 'JSON output (the default; accepted for symmetry with other commands)')
    .action((refs: string[]) => inspectEach(ctx, '/v1/security-groups', refs));
  return withExamples(cmd, ['berth sg inspect web', "berth sg inspect web | jq '.[0].rules'"]);
}
