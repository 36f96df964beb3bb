import type { Command } from 'commander';
import type { AcceptedView, ImageView } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { formatBytes } from '../../output/format';
import { printJson } from '../../output/output';
import { followOperation } from '../shared/follow';
import { withExamples } from '../shared/options';

interface PullOptions {
  readonly wait: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export function registerPull(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('pull')
    .summary('pull an image into berth')
    .description(
      'Pull an image onto a berth host, with your stored login for its registry (`berth login ' +
        'HOST`) if any. A terminal shows a progress bar. `berth run` pulls by itself; pulling first ' +
        'makes the first start faster and checks that berth can read the image.',
    )
    .argument('<image>', 'image reference, e.g. 127.0.0.1:5000/team/app:1.0')
    .option('--no-wait', 'return once berth has accepted the pull')
    .option('--json', 'print the image as JSON')
    .option('-q, --quiet', 'print the image id only')
    .action(async (ref: string, opts: PullOptions) => {
      const api = ctx.tenant();
      const accepted = await api.post<AcceptedView<ImageView>>('/v1/images/pull', { image: ref });
      let image = accepted.data;
      if (opts.wait) {
        await followOperation(
          ctx,
          api,
          accepted.operation,
          `Pulling ${ref}`,
          `the pull goes on: \`berth operation wait ${accepted.operation.id}\` follows it, \`berth images\` lists it.`,
        );
        image = await api.get<ImageView>(`/v1/images/${seg(image.id)}`);
      }
      if (opts.json) printJson(ctx.out, image);
      else if (opts.quiet) ctx.out.out(`${image.id}\n`);
      else if (!opts.wait) ctx.out.out(`${image.reference}: pulling (operation ${accepted.operation.id})\n`);
      else
        ctx.out.out(`${image.reference}: pulled ${image.digest ?? ''} (${formatBytes(image.sizeBytes)})\n`);
    });
  return withExamples(cmd, [
    'berth pull 127.0.0.1:5000/me/busybox:latest',
    'berth pull -q registry.example.com/team/app:1.0',
  ]);
}
