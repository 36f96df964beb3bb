import type { EntityManager } from 'typeorm';
import type { StartPath } from '@berth/contracts';
import { HostOperationRepository } from '@berth/db';
import type { HostId } from '@berth/domain';

/** What a tenant reads of how their container started (the operation's `progress.start.message`). */
export function startPathMessage(start: StartPath): string {
  switch (start.path) {
    case 'template':
      return 'started from a VM template';
    case 'cold':
      return start.fallback !== undefined
        ? `booted cold: template ${start.template ?? '?'} did not restore`
        : 'booted cold';
    case 'simulated':
      return 'simulated start (hollow driver: nothing booted)';
  }
}

/**
 * Writes how the host started a container into the progress of the operation its running report
 * names (beside what a pull reported there): in the report's transaction, so no call is added to a
 * launch. Only that container's operation on that host is written.
 */
export async function recordStartPath(
  em: EntityManager,
  hostId: HostId,
  containerId: string,
  operationId: string,
  start: StartPath,
): Promise<void> {
  const { path, template, fallback } = start;
  const recorded = {
    path,
    ...(template !== undefined ? { template } : {}),
    ...(fallback !== undefined ? { fallback } : {}),
    message: startPathMessage(start),
  };
  await new HostOperationRepository(em).mergeProgress(hostId, operationId, containerId, { start: recorded });
}
