import type { EntityManager } from 'typeorm';
import { placeContainer, type HostId, type PlacementPolicy, type Resources } from '@berth/domain';
import { loadHostSnapshots } from './host-snapshots';

/** How a container is placed on the fleet. */
export interface FleetPlacementOptions {
  readonly policy: PlacementPolicy;
}

/**
 * Chooses a ready host with room for `resources` and reserves it there for the caller's transaction:
 * once the caller writes the container on that host (in a state that holds capacity) and commits, no
 * concurrent placement can over-commit the host. Throws DomainError('capacity/unavailable') when no
 * ready host has room. The one way code other than a tenant's create places a container on a host (a
 * lost host's container moving); its insides follow the create path's placement.
 */
export async function placeOnFleet(
  em: EntityManager,
  resources: Resources,
  opts: FleetPlacementOptions,
): Promise<HostId> {
  const { snapshots } = await loadHostSnapshots(em, { lock: true });
  return placeContainer(snapshots, resources, opts.policy);
}
