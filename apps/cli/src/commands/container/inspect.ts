import { Option, type Command } from 'commander';
import type { ContainerView, ImageView } from '@berth/contracts';
import { seg, type Api } from '../../api/api';
import { ApiError, CliError } from '../../api/errors';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { failIfAny, settleAll } from '../shared/for-each';
import { withExamples } from '../shared/options';

type InspectType = 'container' | 'image';

async function inspectOne(
  api: Api,
  ref: string,
  type: InspectType | undefined,
): Promise<ContainerView | ImageView> {
  if (type !== 'image') {
    try {
      return await api.get<ContainerView>(`/v1/containers/${seg(ref)}`);
    } catch (err) {
      // As `docker inspect`: a ref that names no container may name an image.
      if (type === 'container' || !(err instanceof ApiError && err.code === 'container/not_found')) throw err;
    }
  }
  try {
    return await api.get<ImageView>(`/v1/images/${seg(ref)}`);
  } catch (err) {
    if (type === undefined && err instanceof ApiError && err.status === 404) {
      throw new CliError('object/not_found', `no container or image ${ref}`);
    }
    throw err;
  }
}

export function registerInspect(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('inspect')
    .summary('show containers or images in full, as JSON')
    .description(
      'Print containers (or images) as a JSON array, as `docker inspect` does. A ref is looked up ' +
        'as a container first, then as an image, unless --type says which.',
    )
    .argument('<ref...>', 'container ids or names, image ids or references')
    .addOption(
      new Option('--type <type>', 'only look for this kind of object').choices(['container', 'image']),
    )
    .option('--json', 'JSON output (the default; accepted for symmetry with other commands)')
    .action(async (refs: string[], opts: { type?: InspectType }) => {
      const api = ctx.tenant();
      const { ok, failures } = await settleAll(refs, (ref) => inspectOne(api, ref, opts.type));
      if (ok.length > 0 || failures.length === 0) printJson(ctx.out, ok);
      failIfAny(ctx, failures);
    });
  return withExamples(cmd, [
    'berth inspect web',
    "berth inspect web | jq -r '.[0].state'",
    'berth inspect --type image 127.0.0.1:5000/me/busybox:latest',
  ]);
}
