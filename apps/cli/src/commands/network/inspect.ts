import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { inspectEach } from '../shared/resources';

export function registerNetworkInspect(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('inspect')
    .summary('show networks in full, as JSON')
    .description('Print networks as a JSON array, as `docker network inspect` does.')
    .argument('<network...>', 'network ids or names')
    .option('--json', 'JSON output (the default; accepted for symmetry with other commands)')
    .action((refs: string[]) => inspectEach(ctx, '/v1/networks', refs));
  return withExamples(cmd, [
    'berth network inspect backend',
    "berth network inspect backend | jq -r '.[0].cidr'",
  ]);
}
