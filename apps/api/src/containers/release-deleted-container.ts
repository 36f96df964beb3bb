import type { EntityManager } from 'typeorm';
import type { ContainerId, HostId } from '@berth/domain';
import { hostsAffectedByContainers, releaseContainerNetworking } from '../networks/container-networking';
import { closeOpenUsage } from '../usage/usage-ledger';
import { releaseContainerVolumes } from '../volumes/volume-ledger';

/**
 * Lets go of everything a deleted container held besides its VM, whichever path deleted it (the host's
 * report, a delete on a lost host, the reaper): its addresses, groups and floating IP are freed, its
 * volumes may have another writer, and its usage ends at `at`. Returns the hosts whose data plane
 * named it, to be nudged once the transaction commits.
 */
export async function releaseDeletedContainer(
  em: EntityManager,
  containerId: ContainerId,
  at: Date,
): Promise<HostId[]> {
  const nudge = await hostsAffectedByContainers(em, [containerId]);
  await releaseContainerNetworking(em, containerId);
  await releaseContainerVolumes(em, containerId);
  await closeOpenUsage(em, containerId, at);
  return nudge;
}
