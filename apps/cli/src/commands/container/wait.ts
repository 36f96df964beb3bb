import type { Command } from 'commander';
import type { ContainerView } from '@berth/contracts';
import { seg } from '../../api/api';
import { ApiError, CliError, ExitCode, withInterruptHint } from '../../api/errors';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { ENDED_STATES } from '../shared/attach';
import { withExamples } from '../shared/options';

const POLL_MS = 1000;

/** Polls a container until its workload has ended; resolves with it as it ended. */
async function untilEnded(
  ctx: CliContext,
  ref: string,
  onState: (c: ContainerView) => void,
): Promise<ContainerView> {
  const api = ctx.tenant();
  let last: ContainerView | undefined;
  for (;;) {
    let c: ContainerView;
    try {
      c = await api.get<ContainerView>(`/v1/containers/${seg(ref)}`);
    } catch (err) {
      // Deleted while we waited: the last state seen is the answer.
      if (last && err instanceof ApiError && err.code === 'container/not_found')
        return { ...last, state: 'deleted' };
      throw err;
    }
    last = c;
    onState(c);
    if (ENDED_STATES.has(c.state)) return c;
    await ctx.deps.sleep(POLL_MS);
  }
}

export function registerWait(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('wait')
    .summary('wait for a container to exit, print its exit code')
    .description(
      'Wait until a container has exited, stopped or failed, print its exit code and exit with it. ' +
        'Ctrl-C stops waiting; the container keeps running.',
    )
    .argument('<container>', 'container id or name')
    .option('--json', 'print {id, name, state, exitCode} as JSON (still exits with the code)')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const activity = ctx.out.activity(`Waiting for ${ref}`);
      let c: ContainerView;
      try {
        c = await withInterruptHint(`${ref} keeps running: \`berth wait ${ref}\` waits again.`, () =>
          untilEnded(ctx, ref, (v) => activity.text(`Waiting for ${ref} (${v.state})`)),
        );
      } finally {
        activity.stop();
      }
      if (opts.json) printJson(ctx.out, { id: c.id, name: c.name, state: c.state, exitCode: c.exitCode });
      if (c.exitCode === null) {
        throw new CliError(
          `container/${c.state}`,
          `${c.name} ${c.state} without an exit code${c.stateReason ? `: ${c.stateReason}` : ''}`,
        );
      }
      if (!opts.json) ctx.out.out(`${c.exitCode}\n`);
      if (c.exitCode !== 0) throw new ExitCode(c.exitCode);
    });
  return withExamples(cmd, ['berth wait job-42', 'berth run -d --name job img ./batch && berth wait job']);
}
