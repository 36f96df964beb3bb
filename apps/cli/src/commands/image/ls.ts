import type { Command } from 'commander';
import type { ImageView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import type { CliContext } from '../../context';
import { ago, formatBytes } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { listOptions, withExamples, type ListOptions } from '../shared/options';

export function registerImages(parent: Command, ctx: CliContext): Command {
  const cmd = listOptions(
    parent
      .command('images')
      .summary('list images')
      .description('List the images berth has pulled for you.')
      .option('--no-trunc', 'show whole digests'),
    'images',
  ).action(async (opts: ListOptions & { trunc: boolean }) => {
    const images = await listAll<ImageView>(ctx.tenant(), '/v1/images');
    if (opts.json) return printJson(ctx.out, images);
    if (opts.quiet) return printLines(ctx.out, images, (i) => i.id);
    const now = ctx.deps.now();
    ctx.out.out(
      renderTable(
        ['IMAGE ID', 'REFERENCE', 'DIGEST', 'SIZE', 'STATE', 'CREATED'],
        images.map((i) => [
          i.id,
          i.reference,
          i.digest ? (opts.trunc ? i.digest.slice(0, 19) : i.digest) : '-',
          formatBytes(i.sizeBytes),
          i.state,
          ago(i.createdAt, now),
        ]),
      ),
    );
  });
  return withExamples(cmd, [
    'berth images',
    'berth images -q',
    "berth images --json | jq -r '.[].reference'",
  ]);
}
