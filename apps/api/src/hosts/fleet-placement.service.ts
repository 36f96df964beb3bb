import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HostReservationRepository, isPlacementRefused } from '@berth/db';
import { addResources, DomainError, type HostId, type HostSnapshot, type Resources } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { metrics } from '../metrics/metrics.registry';
import { PLACEMENT_ATTEMPTS, placeAvoiding } from './fleet-placement';

/**
 * Places new containers on the fleet without locking it (issue 15). The choice is made on a snapshot of
 * the ready hosts and their reservations, read without locks and reused for up to
 * BERTH_PLACEMENT_SNAPSHOT_MS (this process adds its own placements to it as it makes them). The choice is
 * only a hint: the container's insert reserves on the chosen host, and the host_reservations trigger
 * refuses it there, under that host's lock alone, when the host is full or no longer takes work. Then
 * the whole write is run again on a fresh snapshot without that host. So a create contends only with
 * creates on the host it picks, and a stale snapshot costs a retry, never an over-commit.
 */
@Injectable()
export class FleetPlacementService {
  private readonly log = new Logger(FleetPlacementService.name);
  private snapshot: { readAt: number; hosts: HostSnapshot[] } | null = null;

  constructor(
    private readonly ds: DataSource,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /**
   * Chooses a host for `request` and runs `write` (one whole transaction that inserts the container on
   * that host). When the host refuses it, `write` is run again with another choice, so `write` must only
   * touch the database. Throws `capacity/unavailable` when no host has room.
   */
  async placeAndWrite<T>(request: Resources, write: (hostId: HostId) => Promise<T>): Promise<T> {
    const refused = new Set<HostId>();
    for (let attempt = 1; ; attempt++) {
      const hostId = await this.choose(request, refused);
      try {
        const written = await write(hostId);
        this.reservedHere(hostId, request);
        return written;
      } catch (err) {
        if (!isPlacementRefused(err)) throw err;
        metrics.placementRefusals.inc();
        refused.add(hostId);
        this.snapshot = null;
        if (attempt >= PLACEMENT_ATTEMPTS) {
          this.log.warn(`placement of ${JSON.stringify(request)} refused by ${attempt} hosts in a row`);
          throw new DomainError(
            'capacity/unavailable',
            'the hosts chosen filled up while this container was placed; try again',
            { request, attempts: attempt },
          );
        }
      }
    }
  }

  /**
   * The host placement picks on the current snapshot, leaving out `refused`. A snapshot that has no room
   * is read again once before `capacity/unavailable`: a host may have joined or freed room since.
   */
  private async choose(request: Resources, refused: ReadonlySet<HostId>): Promise<HostId> {
    const fresh = this.isFresh();
    const hosts = await this.hosts();
    try {
      return placeAvoiding(hosts, request, this.config.placementPolicy, refused);
    } catch (err) {
      if (fresh && err instanceof DomainError && err.code === 'capacity/unavailable') {
        this.snapshot = null;
        return this.choose(request, refused);
      }
      throw err;
    }
  }

  private isFresh(): boolean {
    return this.snapshot !== null && Date.now() - this.snapshot.readAt < this.config.placementSnapshotMs;
  }

  private async hosts(): Promise<HostSnapshot[]> {
    if (this.snapshot && this.isFresh()) return this.snapshot.hosts;
    const hosts = await new HostReservationRepository(this.ds.manager).readyHosts();
    this.snapshot = { readAt: Date.now(), hosts };
    return hosts;
  }

  /** This process's own placement, added to its snapshot so that its next choice sees it. */
  private reservedHere(hostId: HostId, request: Resources): void {
    if (!this.snapshot) return;
    this.snapshot.hosts = this.snapshot.hosts.map((h) =>
      h.id === hostId ? { ...h, reserved: addResources(h.reserved, request) } : h,
    );
  }
}
