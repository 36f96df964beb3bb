import type { ContainerView, LogLineView } from '@berth/contracts';
import type { ContainerState } from '@berth/domain';
import { seg, type Api } from '../../api/api';
import type { CliContext } from '../../context';

/** States in which a container's workload has ended (for now: a restart policy may bring it back). */
export const ENDED_STATES: ReadonlySet<ContainerState> = new Set<ContainerState>([
  'exited',
  'stopped',
  'failed',
  'deleted',
]);

/** Writes one log line to stdout or stderr, as the container wrote it. */
export function writeLogLine(ctx: CliContext, line: LogLineView, timestamps = false): void {
  const text = `${timestamps ? `${line.at} ` : ''}${line.text}\n`;
  if (line.stream === 'stderr') ctx.out.err(text);
  else ctx.out.out(text);
}

/**
 * Streams a running container's output until its workload ends, as `docker run` does attached, and
 * resolves with the container as it ended. The API's follow ends when the container stops being
 * live; if it is live again (a restart), following resumes after the last line already shown.
 */
export async function attachUntilEnded(ctx: CliContext, api: Api, id: string): Promise<ContainerView> {
  let lastAt: string | undefined;
  let shownAtLast = 0;
  for (;;) {
    const since = lastAt === undefined ? undefined : (Date.parse(lastAt) / 1000).toFixed(3);
    let skip = shownAtLast;
    for await (const line of api.lines<LogLineView>(`/v1/containers/${seg(id)}/logs`, {
      follow: 'true',
      since,
    })) {
      // Lines stamped with the last instant already shown came again with `since`: skip those.
      if (line.at === lastAt && skip > 0) {
        skip--;
        continue;
      }
      writeLogLine(ctx, line);
      shownAtLast = line.at === lastAt ? shownAtLast + 1 : 1;
      lastAt = line.at;
    }
    const c = await api.get<ContainerView>(`/v1/containers/${seg(id)}`);
    if (ENDED_STATES.has(c.state)) return c;
    await ctx.deps.sleep(500);
  }
}
