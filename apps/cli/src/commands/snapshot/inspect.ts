import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { inspectEach } from '../shared/resources';

export function registerSnapshotInspect(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('inspect')
    .summary('show snapshots in full, as JSON')
    .description('Print snapshots as a JSON array.')
    .argument('<snapshot...>', 'snapshot ids or names')
    .option('--json', 'JSON output (the default; accepted for symmetry with other commands)')
    .action((refs: string[]) => inspectEach(ctx, '/v1/snapshots', refs));
  return withExamples(cmd, [
    'berth snapshot inspect pgdata-nightly',
    "berth snapshot inspect pgdata-nightly | jq -r '.[0].storedBytes'",
  ]);
}
