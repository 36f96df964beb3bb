// Which volumes a new container gets, and whether it may have them. Pure: the API looks the volumes up
// (locked) and asks checkContainerVolumes; placement then takes volumesToPlace of the result.
import { DomainError } from './errors';
import type { HostId } from './ids';
import { isId } from './ids';
import type { ContainerVolumesToPlace } from './placement';
import type { VolumeMountRequest, VolumeState } from './volumes';

/** What the check needs to know of a volume the tenant has. */
export interface MountableVolume {
  readonly id: string;
  readonly name: string;
  readonly state: VolumeState;
  readonly hostId: HostId | null;
  /** The container it belongs to (its one writer), if any. */
  readonly containerId: string | null;
}

export interface ContainerVolumePlan<V extends MountableVolume> {
  /** Volumes that exist, in the order asked. */
  readonly existing: readonly { volume: V; path: string }[];
  /** Named volumes that do not exist yet: made with the container, DEFAULT_VOLUME_GIB each. */
  readonly missing: readonly VolumeMountRequest[];
  /** The host every existing volume lives on, when there are any. */
  readonly host: HostId | null;
}

/**
 * Checks that a new container may have its volumes: each one that exists available and belonging to
 * no other container (one writer), all on one host; a name that does not exist is made with it, an id
 * that does not exist is an error. `found` holds each mount with its live volume, or null.
 */
export function checkContainerVolumes<V extends MountableVolume>(
  found: readonly { readonly mount: VolumeMountRequest; readonly volume: V | null }[],
): ContainerVolumePlan<V> {
  const existing: { volume: V; path: string }[] = [];
  const missing: VolumeMountRequest[] = [];
  for (const { mount, volume: v } of found) {
    if (!v || v.state === 'deleted') {
      if (isId('vol', mount.volume)) {
        throw new DomainError('volume/not_found', `volume ${mount.volume} does not exist`);
      }
      missing.push(mount);
      continue;
    }
    if (v.state !== 'available') {
      throw new DomainError(
        'volume/not_ready',
        `volume ${v.name} is ${v.state}; only an available volume can be attached`,
        { volume: v.name, state: v.state },
      );
    }
    if (v.containerId) {
      throw new DomainError(
        'volume/in_use',
        `volume ${v.name} belongs to another container (${v.containerId}); a volume has one writer at a time, so delete that container first`,
        { volume: v.name, containerId: v.containerId },
      );
    }
    existing.push({ volume: v, path: mount.path });
  }
  const hosts = new Set(existing.map((e) => e.volume.hostId));
  if (hosts.size > 1) {
    throw new DomainError(
      'volume/host_conflict',
      `volumes ${existing.map((e) => e.volume.name).join(', ')} live on different hosts, and a container runs on the host of its volumes; use volumes from one host (or snapshot one and restore it next to the others)`,
      { volumes: existing.map((e) => ({ name: e.volume.name, hostId: e.volume.hostId })) },
    );
  }
  return { existing, missing, host: existing[0]?.volume.hostId ?? null };
}

/** What placement needs to know of a container's volume plan. */
export function volumesToPlace(plan: ContainerVolumePlan<MountableVolume>): ContainerVolumesToPlace {
  return {
    host: plan.host,
    existing: plan.existing.map((e) => e.volume.name),
    missing: plan.missing.map((m) => m.volume),
  };
}
