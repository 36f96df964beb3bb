import type { Command } from 'commander';
import type { VolumeView } from '@berth/contracts';
import { DEFAULT_VOLUME_GIB, VOLUME_MAX_GIB } from '@berth/domain';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { wholeNumber, withExamples } from '../shared/options';

export function registerVolumeCreate(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('create')
    .summary('create a block volume')
    .description(
      'Create an empty block volume that containers mount with `berth run -v NAME:/path`. It is ' +
        'available at once; its host formats it (ext4) when a container first mounts it. Prints the ' +
        'new volume id.',
    )
    .argument('<name>', 'unique among your volumes (letters, digits, "_", "." and "-")')
    .option(
      '--size <GB>',
      `size in GB (GiB), 1 to ${VOLUME_MAX_GIB} (default: ${DEFAULT_VOLUME_GIB})`,
      wholeNumber('--size', 1),
    )
    .option('--json', 'print the volume as JSON')
    .action(async (name: string, opts: { size?: number; json?: boolean }) => {
      const volume = await ctx
        .tenant()
        .post<VolumeView>('/v1/volumes', { name, ...(opts.size !== undefined ? { sizeGb: opts.size } : {}) });
      if (opts.json) return printJson(ctx.out, volume);
      ctx.out.out(`${volume.id}\n`);
    });
  return withExamples(cmd, [
    'berth volume create pgdata',
    'berth volume create uploads --size 50',
    'berth run -d --name db -v pgdata:/var/lib/postgresql/data 127.0.0.1:5000/me/postgres',
  ]);
}
