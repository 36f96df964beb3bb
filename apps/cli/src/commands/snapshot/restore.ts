import type { Command } from 'commander';
import type { AcceptedView, VolumeView } from '@berth/contracts';
import { VOLUME_MAX_GIB } from '@berth/domain';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { followOperation } from '../shared/follow';
import { wholeNumber, withExamples } from '../shared/options';

interface RestoreOptions {
  readonly size?: number;
  readonly wait: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export function registerSnapshotRestore(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('restore')
    .summary('restore a snapshot into a new volume')
    .description(
      "Make a new volume from a snapshot, on the snapshot's host; the snapshot stays. The volume is " +
        'creating until its host has written it: waits for that unless --no-wait, then prints its ' +
        'name, id and size.',
    )
    .argument('<snapshot>', 'snapshot id or name')
    .argument('<name>', 'the new volume, unique among your volumes')
    .option(
      '--size <GB>',
      `size in GB, up to ${VOLUME_MAX_GIB}: at least the snapshot's (the default); a larger one has its filesystem grown`,
      wholeNumber('--size', 1),
    )
    .option('--no-wait', 'return once berth has accepted the request')
    .option('--json', 'print the volume as JSON')
    .option('-q, --quiet', 'print the volume id only')
    .action(async (snapshot: string, name: string, opts: RestoreOptions) => {
      const api = ctx.tenant();
      const accepted = await api.post<AcceptedView<VolumeView>>(`/v1/snapshots/${seg(snapshot)}/restore`, {
        name,
        ...(opts.size !== undefined ? { sizeGb: opts.size } : {}),
      });
      let volume = accepted.data;
      if (opts.wait) {
        await followOperation(
          ctx,
          api,
          accepted.operation,
          `Restoring ${snapshot} into ${name}`,
          `the restore goes on: \`berth operation wait ${accepted.operation.id}\` follows it, ` +
            '`berth volume ls` lists the volume.',
        );
        volume = await api.get<VolumeView>(`/v1/volumes/${seg(volume.id)}`);
      }
      if (opts.json) printJson(ctx.out, volume);
      else if (opts.quiet) ctx.out.out(`${volume.id}\n`);
      else if (!opts.wait)
        ctx.out.out(`${volume.name} (${volume.id}): creating (operation ${accepted.operation.id})\n`);
      else ctx.out.out(`${volume.name} (${volume.id}): ${volume.sizeGb} GB, restored from ${snapshot}\n`);
    });
  return withExamples(cmd, [
    'berth snapshot restore pgdata-nightly pgdata-copy',
    'berth snapshot restore pgdata-nightly pgdata-big --size 50',
    'berth run -d --name db2 -v pgdata-copy:/var/lib/postgresql/data 127.0.0.1:5000/me/postgres',
  ]);
}
