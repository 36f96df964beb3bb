import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { actOnContainers, type ActionOptions } from '../shared/container-action';
import { withExamples } from '../shared/options';

export function registerStop(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('stop')
    .summary('stop running containers')
    .description(
      'Stop containers: the workload gets SIGTERM, then SIGKILL after the stop timeout, and the ' +
        'microVM is powered off. Waits until each has stopped unless --no-wait.',
    )
    .argument('<container...>', 'container ids or names')
    .option('--no-wait', 'return once berth has accepted the request')
    .option('--json', 'print the containers as a JSON array')
    .action((refs: string[], opts: ActionOptions) => actOnContainers(ctx, refs, 'stop', opts));
  return withExamples(cmd, ['berth stop web', 'berth stop --no-wait web worker-1']);
}
