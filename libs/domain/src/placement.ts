// Placement: which host gets a new container. Pure (no I/O, no clock, no randomness) so the
// api can call it inside the transaction that reserves capacity, and so it is tested
// exhaustively. The caller passes a consistent snapshot of hosts and re-checks on commit.
import { DomainError } from './errors';
import { hostAcceptsWork, type HostState } from './host-state';
import type { HostId } from './ids';
import { addResources, fitsWithin, formatResources, subtractResources, type Resources } from './sizes';
import { DEFAULT_VOLUME_GIB, type VolumeHostSnapshot } from './volumes';

/**
 * spread: put the container where the busiest dimension ends up least used, so load and blast
 * radius are shared. binpack: where it ends up most used, so whole hosts stay free (for large
 * sizes, or to be switched off).
 */
export type PlacementPolicy = 'spread' | 'binpack';

export const PLACEMENT_POLICIES = ['spread', 'binpack'] as const satisfies readonly PlacementPolicy[];

export interface HostSnapshot {
  readonly id: HostId;
  readonly state: HostState;
  /** What the host offers containers in total. */
  readonly capacity: Resources;
  /** What containers that hold capacity (see CONTAINER_HOLDS_CAPACITY) already take on it. */
  readonly reserved: Resources;
}

function fraction(used: number, capacity: number): number {
  // A dimension a host has none of is only "unused" when nothing asks for it.
  if (capacity <= 0) return used > 0 ? Infinity : 0;
  return used / capacity;
}

/**
 * The host's utilisation once `request` is placed on it: the highest fraction over vCPU,
 * memory and disk, since the scarcest dimension is the one that stops the next placement.
 */
export function utilisationAfter(host: HostSnapshot, request: Resources): number {
  const used = addResources(host.reserved, request);
  return Math.max(
    fraction(used.vcpu, host.capacity.vcpu),
    fraction(used.memoryMib, host.capacity.memoryMib),
    fraction(used.diskGib, host.capacity.diskGib),
  );
}

/** True when the host accepts work and has room for `request` in all three dimensions. */
export function hostFits(host: HostSnapshot, request: Resources): boolean {
  return hostAcceptsWork(host.state) && fitsWithin(request, subtractResources(host.capacity, host.reserved));
}

function assertValidRequest(request: Resources): void {
  for (const dimension of ['vcpu', 'memoryMib', 'diskGib'] as const) {
    const value: unknown = request[dimension];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new DomainError('request/invalid', `requested ${dimension} must be a non-negative number`, {
        dimension,
        value,
      });
    }
  }
}

/**
 * Chooses the host for a container needing `request`.
 *
 * Considers only hosts that accept work (ready) and have room in every dimension. Among those,
 * `spread` picks the lowest utilisationAfter and `binpack` the highest; ties go to the lowest
 * host id, so the same snapshot always gives the same answer.
 *
 * Throws DomainError('capacity/unavailable') when no host qualifies, and
 * DomainError('request/invalid') when a requested amount is negative or not a number.
 */
export function placeContainer(
  hosts: readonly HostSnapshot[],
  request: Resources,
  policy: PlacementPolicy = 'spread',
): HostId {
  assertValidRequest(request);
  let best: { id: HostId; score: number } | null = null;
  for (const host of hosts) {
    if (!hostFits(host, request)) continue;
    const score = utilisationAfter(host, request);
    if (best === null) {
      best = { id: host.id, score };
      continue;
    }
    const better = policy === 'spread' ? score < best.score : score > best.score;
    if (better || (score === best.score && host.id < best.id)) best = { id: host.id, score };
  }
  if (best !== null) return best.id;

  const ready = hosts.filter((h) => hostAcceptsWork(h.state)).length;
  const details = { request, policy, hosts: hosts.length, readyHosts: ready };
  if (ready === 0) {
    const message =
      hosts.length === 0
        ? 'no hosts are registered to run containers'
        : `no host is ready to accept containers (${hosts.length} known, none ready)`;
    throw new DomainError('capacity/unavailable', message, details);
  }
  throw new DomainError(
    'capacity/unavailable',
    `no ready host has room for ${formatResources(request)} (${ready} ready ${ready === 1 ? 'host' : 'hosts'} checked)`,
    details,
  );
}

/** A new container's volumes, as placement needs them. */
export interface ContainerVolumesToPlace {
  /** The host all its existing volumes live on; null when it names none that exist. */
  readonly host: HostId | null;
  /** Names of its existing volumes, for messages. */
  readonly existing: readonly string[];
  /** Names of the volumes made with it, DEFAULT_VOLUME_GIB each. */
  readonly missing: readonly string[];
}

/**
 * The host for a container with volumes: the host of its existing volumes (which must be ready and
 * have room for it and its new volumes), or else a host with room for the container and its new
 * volumes, chosen by `policy` among those. Each failure says why, as DomainError('host/not_ready') or
 * DomainError('capacity/unavailable').
 */
export function placeContainerWithVolumes(
  volumes: ContainerVolumesToPlace,
  hosts: readonly HostSnapshot[],
  pools: readonly VolumeHostSnapshot[],
  request: Resources,
  policy: PlacementPolicy,
): HostId {
  const newGib = volumes.missing.length * DEFAULT_VOLUME_GIB;
  const poolHas = (id: HostId) => {
    const p = pools.find((x) => x.id === id);
    return p !== undefined && p.reservedGib + newGib <= p.capacityGib;
  };
  if (volumes.host) {
    const names = volumes.existing.join(', ');
    const host = hosts.find((h) => h.id === volumes.host);
    if (!host || !hostAcceptsWork(host.state)) {
      throw new DomainError(
        'host/not_ready',
        `volume ${names} lives on host ${volumes.host}, which is not ready; a container runs where its volumes are, so it cannot be created until that host is back`,
        { hostId: volumes.host },
      );
    }
    if (!hostFits(host, request)) {
      throw new DomainError(
        'capacity/unavailable',
        `volume ${names} lives on host ${volumes.host}, which has no room for ${formatResources(request)} now; a container runs where its volumes are, so free room there (stop or delete a container) or try later`,
        { hostId: volumes.host },
      );
    }
    if (newGib > 0 && !poolHas(host.id)) {
      throw new DomainError(
        'capacity/unavailable',
        `host ${volumes.host} (where volume ${names} lives) has no room for ${newGib} GB of new volumes`,
        { hostId: volumes.host },
      );
    }
    return host.id;
  }
  if (newGib === 0) return placeContainer(hosts, request, policy);
  const withRoom = hosts.filter((h) => poolHas(h.id));
  if (withRoom.length === 0) {
    throw new DomainError(
      'capacity/unavailable',
      `no ready host has room for ${newGib} GB of new volumes (${volumes.missing.join(', ')})`,
    );
  }
  return placeContainer(withRoom, request, policy);
}
