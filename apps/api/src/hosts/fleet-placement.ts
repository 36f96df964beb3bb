import type { EntityManager } from 'typeorm';
import { HostReservationRepository, type FleetSnapshot } from '@berth/db';
import {
  addResources,
  DomainError,
  hostFits,
  placeContainer,
  type HostId,
  type HostSnapshot,
  type PlacementPolicy,
  type Resources,
  ZERO_RESOURCES,
} from '@berth/domain';

/** How a container is placed on the fleet. */
export interface FleetPlacementOptions {
  readonly policy: PlacementPolicy;
}

/** How many chosen hosts may turn out full (under their lock, or at the insert) before placement gives up. */
export const PLACEMENT_ATTEMPTS = 5;

/** What a placement reserves on the host it picks: a container's share, and GiB of the host's volume pool. */
export interface HostReservation {
  readonly resources: Resources;
  readonly volumeGib: number;
}

/** One write's choice of host: what it reserves there, and how it picks on the fleet. */
export interface PlacementAsk {
  readonly reserves: HostReservation;
  /**
   * The host, picked on `fleet` (the ready hosts, those that refused this write counted full). Throws a
   * DomainError that says why when no host will do.
   */
  readonly choose: (fleet: FleetSnapshot) => HostId;
}

/** A new volume of `sizeGib` on the host `choose` picks (placeVolume, or the one host a restore may use). */
export function volumeAsk(sizeGib: number, choose: (fleet: FleetSnapshot) => HostId): PlacementAsk {
  return { reserves: { resources: ZERO_RESOURCES, volumeGib: sizeGib }, choose };
}

/**
 * The fleet with the hosts in `passedOver` (found full since the snapshot was read) counted as full,
 * containers and pool alike, rather than left out, so that a refusal still says how many hosts were
 * checked, and a placement bound to one of them says that it is full.
 */
export function fleetAvoiding(fleet: FleetSnapshot, passedOver: ReadonlySet<HostId>): FleetSnapshot {
  if (passedOver.size === 0) return fleet;
  return {
    hosts: fleet.hosts.map((h) => (passedOver.has(h.id) ? { ...h, reserved: h.capacity } : h)),
    pools: fleet.pools.map((p) => (passedOver.has(p.id) ? { ...p, reservedGib: p.capacityGib } : p)),
  };
}

/** The fleet once `reservation` is placed on `hostId`. */
export function fleetWith(fleet: FleetSnapshot, hostId: HostId, reservation: HostReservation): FleetSnapshot {
  return {
    hosts: fleet.hosts.map((h) =>
      h.id === hostId ? { ...h, reserved: addResources(h.reserved, reservation.resources) } : h,
    ),
    pools: fleet.pools.map((p) =>
      p.id === hostId ? { ...p, reservedGib: p.reservedGib + reservation.volumeGib } : p,
    ),
  };
}

/** placeContainer over `hosts`, with the hosts in `passedOver` counted as full (fleetAvoiding). */
export function placeAvoiding(
  hosts: readonly HostSnapshot[],
  request: Resources,
  policy: PlacementPolicy,
  passedOver: ReadonlySet<HostId>,
): HostId {
  return placeContainer(fleetAvoiding({ hosts, pools: [] }, passedOver).hosts, request, policy);
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
