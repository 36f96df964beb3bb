import type { Command } from 'commander';
import type { ContainerView } from '@berth/contracts';
import { seg } from '../../api/api';
import type { CliContext } from '../../context';
import { printJson, printLines } from '../../output/output';
import { failIfAny, settleAll } from '../shared/for-each';
import { withExamples } from '../shared/options';

/** `sg attach` and `sg detach`: one group, one or more containers; prints each container as given. */
export async function changeGroups(
  ctx: CliContext,
  group: string,
  containers: readonly string[],
  how: 'attach' | 'detach',
  json: boolean | undefined,
): Promise<void> {
  const api = ctx.tenant();
  const { ok, failures } = await settleAll(containers, async (ref) => {
    const path = `/v1/containers/${seg(ref)}/security-groups`;
    const view =
      how === 'attach'
        ? await api.post<ContainerView>(path, { group })
        : await api.delete<ContainerView>(`${path}/${seg(group)}`);
    return { ref, view };
  });
  if (json)
    printJson(
      ctx.out,
      ok.map((r) => r.view),
    );
  else printLines(ctx.out, ok, (r) => r.ref);
  failIfAny(ctx, failures);
}

export function registerSgAttach(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('attach')
    .summary('attach a security group to containers')
    .description(
      "Attach a security group to containers, running or not. A container's traffic is then exactly " +
        'what the union of its groups allows; the change reaches its host within seconds.',
    )
    .argument('<sg>', 'security group id or name')
    .argument('<container...>', 'container ids or names')
    .option('--json', 'print the containers as a JSON array')
    .action((group: string, containers: string[], opts: { json?: boolean }) =>
      changeGroups(ctx, group, containers, 'attach', opts.json),
    );
  return withExamples(cmd, ['berth sg attach web frontend-1 frontend-2']);
}
