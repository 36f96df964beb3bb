import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { inspectEach } from '../shared/resources';

export function registerFipInspect(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('inspect')
    .summary('show floating IPs in full, as JSON')
    .description('Print floating IPs as a JSON array.')
    .argument('<fip...>', 'floating IPs: addresses, names or ids')
    .option('--json', 'JSON output (the default; accepted for symmetry with other commands)')
    .action((refs: string[]) => inspectEach(ctx, '/v1/fips', refs));
  return withExamples(cmd, ['berth fip inspect www', "berth fip inspect www | jq -r '.[0].containerId'"]);
}
