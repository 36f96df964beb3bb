import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../shared/options';
import { inspectEach } from '../shared/resources';

export function registerVolumeInspect(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('inspect')
    .summary('show volumes in full, as JSON')
    .description(
      'Print volumes as a JSON array, as `docker volume inspect` does: attachment, host, source ' +
        'snapshot and the GB-seconds accrued so far.',
    )
    .argument('<volume...>', 'volume ids or names')
    .option('--json', 'JSON output (the default; accepted for symmetry with other commands)')
    .action((refs: string[]) => inspectEach(ctx, '/v1/volumes', refs));
  return withExamples(cmd, [
    'berth volume inspect pgdata',
    "berth volume inspect pgdata | jq -r '.[0].attachment.containerName'",
  ]);
}
