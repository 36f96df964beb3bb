import type { ContainerView, ContainerVolumeView } from '@berth/contracts';
import type { ContainerEntity } from '@berth/db';
import { NO_NETWORKING, type ContainerNetworking } from '../networks/container-networking';

/** The container as its tenant sees it; `net` from loadContainerNetworking (nothing for a deleted one). */
export function containerView(
  c: ContainerEntity,
  net: ContainerNetworking = NO_NETWORKING,
  volumes: readonly ContainerVolumeView[] = [],
): ContainerView {
  return {
    id: c.id,
    name: c.name,
    image: c.image,
    command: c.command,
    env: c.env,
    labels: c.labels,
    size: c.size,
    resources: { vcpu: c.vcpu, memoryMib: c.memoryMib, diskGib: c.diskGib },
    restartPolicy: c.restartPolicy,
    state: c.state,
    exitCode: c.exitCode,
    stateReason: c.stateReason,
    hostId: c.hostId,
    generation: c.generation,
    createdAt: c.createdAt.toISOString(),
    stateChangedAt: c.stateChangedAt.toISOString(),
    startedAt: c.startedAt?.toISOString() ?? null,
    finishedAt: c.finishedAt?.toISOString() ?? null,
    networks: net.networks,
    securityGroups: net.securityGroups,
    volumes: [...volumes],
  };
}
