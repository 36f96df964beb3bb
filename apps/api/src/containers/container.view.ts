import type { ContainerView, ContainerVolumeView } from '@berth/contracts';
import type { SizeName } from '@berth/domain';
import type { ContainerEntity, ContainerViewRow } from '@berth/db';
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

/** The same view from a row Postgres built whole (ContainerViewRepository): what lists and gets answer. */
export function containerViewOfRow(r: ContainerViewRow): ContainerView {
  return {
    id: r.id,
    name: r.name,
    image: r.image,
    command: r.command,
    env: r.env,
    labels: r.labels,
    size: r.size as SizeName,
    resources: { vcpu: r.vcpu, memoryMib: r.memoryMib, diskGib: r.diskGib },
    restartPolicy: r.restartPolicy,
    state: r.state,
    exitCode: r.exitCode,
    stateReason: r.stateReason,
    hostId: r.hostId,
    generation: r.generation,
    createdAt: r.createdAt,
    stateChangedAt: r.stateChangedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    networks: r.networks,
    securityGroups: r.securityGroups,
    volumes: r.volumes,
  };
}
