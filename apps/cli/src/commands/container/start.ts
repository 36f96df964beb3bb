import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { actOnContainers, type ActionOptions } from '../shared/container-action';
import { withExamples } from '../shared/options';

export function registerStart(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('start')
    .summary('start stopped containers')
    .description(
      'Start stopped, exited or failed containers again (same disk, same name). Waits until each ' +
        'runs unless --no-wait.',
    )
    .argument('<container...>', 'container ids or names')
    .option('--no-wait', 'return once berth has accepted the request')
    .option('--json', 'print the containers as a JSON array')
    .action((refs: string[], opts: ActionOptions) => actOnContainers(ctx, refs, 'start', opts));
  return withExamples(cmd, ['berth start web', 'berth start web worker-1 --json']);
}
