import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { actOnContainers, type ActionOptions } from '../shared/container-action';
import { withExamples } from '../shared/options';

export function registerRestart(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('restart')
    .summary('restart containers')
    .description('Restart containers: stop, then start. Waits until each runs again unless --no-wait.')
    .argument('<container...>', 'container ids or names')
    .option('--no-wait', 'return once berth has accepted the request')
    .option('--json', 'print the containers as a JSON array')
    .action((refs: string[], opts: ActionOptions) => actOnContainers(ctx, refs, 'restart', opts));
  return withExamples(cmd, ['berth restart web', 'berth restart --no-wait web']);
}
