import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { actOnContainers, type ActionOptions } from '../shared/container-action';
import { withExamples } from '../shared/options';

export function registerRm(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('rm')
    .summary('delete containers')
    .description(
      'Delete containers and their writable disks. A running container needs -f (its microVM is ' +
        'killed), as with `docker rm -f`. Waits until each is gone unless --no-wait.',
    )
    .argument('<container...>', 'container ids or names')
    .option('-f, --force', 'delete running containers too')
    .option('--no-wait', 'return once berth has accepted the request')
    .option('--json', 'print {id, name, state, ...} of each container as a JSON array')
    .action((refs: string[], opts: ActionOptions) => actOnContainers(ctx, refs, 'delete', opts));
  return withExamples(cmd, [
    'berth rm web',
    'berth rm -f web worker-1',
    'berth ps -aq --filter status=exited | xargs berth rm',
  ]);
}
