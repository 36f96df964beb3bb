import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { removeEach } from '../shared/resources';

export function registerSgRm(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('rm')
    .alias('remove')
    .summary('delete security groups')
    .description(
      'Delete security groups, by id or name. A group still attached to a container, or named by ' +
        "another group's rule (--from-group), is refused: detach it or remove that rule first.",
    )
    .argument('<sg...>', 'security group ids or names')
    .option('--json', 'print the deleted groups as a JSON array')
    .action((refs: string[], opts: { json?: boolean }) =>
      removeEach(ctx, '/v1/security-groups', refs, opts.json),
    );
  return withExamples(cmd, ['berth sg rm web', 'berth sg rm $(berth sg ls -q)']);
}
