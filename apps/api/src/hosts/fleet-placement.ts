import type { EntityManager } from 'typeorm';
import { HostReservationRepository } from '@berth/db';
import {
  DomainError,
  hostFits,
  placeContainer,
  type HostId,
  type HostSnapshot,
  type PlacementPolicy,
  type Resources,
} from '@berth/domain';

/** How a container is placed on the fleet. */
export interface FleetPlacementOptions {
  readonly policy: PlacementPolicy;
}

/** How many chosen hosts may turn out full (under their lock, or at the insert) before placement gives up. */
export const PLACEMENT_ATTEMPTS = 5;

/**
 * placeContainer over `hosts`, with the hosts in `passedOver` (found full since the snapshot was read)
 * counted as full rather than left out, so that a refusal still says how many hosts were checked.
 */
export function placeAvoiding(
  hosts: readonly HostSnapshot[],
  request: Resources,
  policy: PlacementPolicy,
  passedOver: ReadonlySet<HostId>,
): HostId {
  const candidates = hosts.map((h) => (passedOver.has(h.id) ? { ...h, reserved: h.capacity } : h));
  return placeContainer(candidates, request, policy);
}

/**
 * Chooses a ready host with room for `resources` and holds it for the caller's transaction: the host is
 * chosen on an unlocked read of the fleet, then its reservation row is locked and its room checked
 * again, so the caller can move a container there (the host_reservations trigger would refuse a
 * placement past its capacity, aborting the caller's whole transaction). A host found full under its
 * lock is passed over. Throws DomainError('capacity/unavailable') when no ready host has room. The way
 * code other than a tenant's create places a container on a host (a lost host's container moving); a
 * create places through FleetPlacementService, which needs no lock before its insert.
 */
export async function placeOnFleet(
  em: EntityManager,
  resources: Resources,
  opts: FleetPlacementOptions,
): Promise<HostId> {
  const reservations = new HostReservationRepository(em);
  const hosts = await reservations.readyHosts();
  const full = new Set<HostId>();
  for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
    const hostId = placeAvoiding(hosts, resources, opts.policy, full);
    const locked = await reservations.lockHost(hostId);
    if (locked && hostFits(locked, resources)) return hostId;
    full.add(hostId);
  }
  throw new DomainError(
    'capacity/unavailable',
    'the hosts chosen filled up while this container was placed',
    {
      request: resources,
    },
  );
}
