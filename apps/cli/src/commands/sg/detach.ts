import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { changeGroups } from './attach';

export function registerSgDetach(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('detach')
    .summary('detach a security group from containers')
    .description(
      'Detach a security group from containers. A container left with no group accepts traffic from ' +
        'its own networks only and may send anywhere.',
    )
    .argument('<sg>', 'security group id or name')
    .argument('<container...>', 'container ids or names')
    .option('--json', 'print the containers as a JSON array')
    .action((group: string, containers: string[], opts: { json?: boolean }) =>
      changeGroups(ctx, group, containers, 'detach', opts.json),
    );
  return withExamples(cmd, ['berth sg detach web frontend-1']);
}
