import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { removeEach } from '../shared/resources';

export function registerNetworkRm(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('rm')
    .alias('remove')
    .summary('delete networks')
    .description(
      'Delete networks, by id or name. A network that a container is still on is refused ' +
        '(network/in_use): remove the container first.',
    )
    .argument('<network...>', 'network ids or names')
    .option('--json', 'print the deleted networks as a JSON array')
    .action((refs: string[], opts: { json?: boolean }) => removeEach(ctx, '/v1/networks', refs, opts.json));
  return withExamples(cmd, ['berth network rm backend', 'berth network rm $(berth network ls -q)']);
}
