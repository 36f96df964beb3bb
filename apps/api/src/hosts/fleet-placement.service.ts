import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { HostReservationRepository, isPlacementRefused, isPoolRefused, type FleetSnapshot } from '@berth/db';
import { DomainError, placeContainer, type HostId, type Resources } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { metrics } from '../metrics/metrics.registry';
import {
  fleetAvoiding,
  fleetWith,
  PLACEMENT_ATTEMPTS,
  type HostReservation,
  type PlacementAsk,
} from './fleet-placement';

/**
 * Chooses the host for the write under way. `em` reads the fleet when the snapshot must be read: the
 * write's own transaction when it chooses inside one, so that it never waits for a second connection.
 */
export type Place = (em: EntityManager, ask: PlacementAsk) => Promise<HostId>;

/** Whether `err` is a host's refusal of a placement: of a container (BRH01) or of a volume on its pool (BRH02). */
function refusedByHost(err: unknown): boolean {
  return isPlacementRefused(err) || isPoolRefused(err);
}

/**
 * Places new containers and volumes on the fleet without locking it (issue 15). The choice is made on a
 * snapshot of the ready hosts, their reservations and their volume pools, read without locks and reused
 * for up to BERTH_PLACEMENT_SNAPSHOT_MS (this process adds its own placements to it as it makes them).
 * The choice is only a hint: the container's or volume's insert reserves on the chosen host, and the
 * host_reservations triggers refuse it there, under that host's counter row alone, when the host is full
 * or no longer takes work. Then the whole write is run again on a fresh snapshot with that host counted
 * full. So a create contends only with creates on the host it picks, and a stale snapshot costs a retry,
 * never an over-commit. The one owner of that retry rule.
 */
@Injectable()
export class FleetPlacementService {
  private readonly log = new Logger(FleetPlacementService.name);
  private snapshot: { readAt: number; fleet: FleetSnapshot } | null = null;

  constructor(
    private readonly ds: DataSource,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /**
   * Chooses a host for a container needing `request` (and no volumes) and runs `write` (one whole
   * transaction that inserts the container on that host), as placeWithin does.
   */
  placeAndWrite<T>(request: Resources, write: (hostId: HostId) => Promise<T>): Promise<T> {
    const ask: PlacementAsk = {
      reserves: { resources: request, volumeGib: 0 },
      choose: (fleet) => placeContainer(fleet.hosts, request, this.config.placementPolicy),
    };
    return this.placeWithin(async (place) => write(await place(this.ds.manager, ask)));
  }

  /**
   * Runs `write` (one whole transaction that chooses its host once through `place`, then inserts there).
   * When the chosen host refuses the insert, `write` is run again and chooses on a fresh snapshot with
   * that host counted full, so `write` must only touch the database. A refusal before `place` was called
   * is not placement's and is thrown as it is. Throws `capacity/unavailable` after PLACEMENT_ATTEMPTS
   * refusals in a row.
   */
  async placeWithin<T>(write: (place: Place) => Promise<T>): Promise<T> {
    const refused = new Set<HostId>();
    for (let attempt = 1; ; attempt++) {
      const chosen: { hostId?: HostId; reserves?: HostReservation } = {};
      const place: Place = async (em, ask) => {
        chosen.hostId = await this.choose(em, ask, refused);
        chosen.reserves = ask.reserves;
        return chosen.hostId;
      };
      try {
        const written = await write(place);
        if (chosen.hostId && chosen.reserves) this.reservedHere(chosen.hostId, chosen.reserves);
        return written;
      } catch (err) {
        if (!chosen.hostId || !refusedByHost(err)) throw err;
        metrics.placementRefusals.inc();
        refused.add(chosen.hostId);
        this.snapshot = null;
        if (attempt >= PLACEMENT_ATTEMPTS) {
          this.log.warn(
            `placement of ${JSON.stringify(chosen.reserves)} refused by ${attempt} hosts in a row`,
          );
          throw new DomainError(
            'capacity/unavailable',
            'the hosts chosen filled up while this was placed; try again',
            { request: chosen.reserves, attempts: attempt },
          );
        }
      }
    }
  }

  /**
   * The host `ask` picks on the current snapshot, with `refused` counted full. A reused snapshot on which
   * no host will do is read again once before the refusal is final: a host may have joined, come back
   * or freed room since.
   */
  private async choose(em: EntityManager, ask: PlacementAsk, refused: ReadonlySet<HostId>): Promise<HostId> {
    const reused = this.isFresh();
    const fleet = await this.fleet(em);
    try {
      return ask.choose(fleetAvoiding(fleet, refused));
    } catch (err) {
      if (reused && err instanceof DomainError) {
        this.snapshot = null;
        return this.choose(em, ask, refused);
      }
      throw err;
    }
  }

  private isFresh(): boolean {
    return this.snapshot !== null && Date.now() - this.snapshot.readAt < this.config.placementSnapshotMs;
  }

  private async fleet(em: EntityManager): Promise<FleetSnapshot> {
    if (this.snapshot && this.isFresh()) return this.snapshot.fleet;
    const fleet = await new HostReservationRepository(em).readyFleet();
    this.snapshot = { readAt: Date.now(), fleet };
    return fleet;
  }

  /** This process's own placement, added to its snapshot so that its next choice sees it. */
  private reservedHere(hostId: HostId, reserves: HostReservation): void {
    if (!this.snapshot) return;
    this.snapshot.fleet = fleetWith(this.snapshot.fleet, hostId, reserves);
  }
}
