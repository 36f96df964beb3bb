import type { EntityManager } from 'typeorm';
import type { HostId, HostState } from '@berth/domain';
import { HostEntity } from '../entities/host.entity';
import { locked } from '../row-lock';
import { updatedRows } from '../updated-rows';

/** A host's silence, by the database's clock, from the later of its last heartbeat and the control plane's resumption ($1: ms). */
const SILENT = `greatest(h.last_heartbeat_at, l.resumed_at) < now() - make_interval(secs => $1::double precision / 1000)`;

/** The fleet's hosts, not a tenant's (placement reads them with their counters: HostReservationRepository). */
export class HostRepository {
  constructor(private readonly em: EntityManager) {}

  /** One host by id, locked until the transaction ends (a heartbeat, the reaper, a registration). */
  lockById(id: HostId): Promise<HostEntity | null> {
    return locked(this.em.createQueryBuilder(HostEntity, 'h').where('h.id = :id', { id })).getOne();
  }

  /** One host by name, locked (a registration under a name already taken). */
  lockByName(name: string): Promise<HostEntity | null> {
    return locked(this.em.createQueryBuilder(HostEntity, 'h').where('h.name = :name', { name })).getOne();
  }

  /** One host by id or name, as an operator names it, locked. */
  lockByRef(ref: string): Promise<HostEntity | null> {
    return locked(
      this.em.createQueryBuilder(HostEntity, 'h').where('h.id = :ref OR h.name = :ref', { ref }),
    ).getOne();
  }

  /**
   * The hosts in service (ready or draining) silent for longer than `lostAfterMs`, in id order, by the
   * database's clock. Silence counts from the later of the host's last heartbeat and the control plane's
   * last resumption (ControlPlaneRepository): while no API process was up, no heartbeat could land.
   */
  async silentFor(lostAfterMs: number): Promise<HostId[]> {
    const stale: { id: HostId }[] = await this.em.query(
      `SELECT h.id FROM hosts h LEFT JOIN control_plane_liveness l ON l.id = 1
        WHERE h.state IN ('ready', 'draining') AND ${SILENT} ORDER BY h.id`,
      [lostAfterMs],
    );
    return stale.map((r) => r.id);
  }

  /** silentFor's rule for one host, read again (the caller holds its row lock, so no heartbeat races it). */
  async isSilentFor(id: HostId, lostAfterMs: number): Promise<boolean> {
    const rows: unknown[] = await this.em.query(
      `SELECT 1 FROM hosts h LEFT JOIN control_plane_liveness l ON l.id = 1 WHERE h.id = $2 AND ${SILENT}`,
      [lostAfterMs, id],
    );
    return rows.length > 0;
  }

  /**
   * Records a heartbeat in one statement (no read-then-write, so a heartbeat holds the host row only for
   * that statement and never waits on its own earlier read): the state moves as HOST_TRANSITIONS says for
   * `heartbeat` (`next`, per state), the heartbeat times are the database's clock and the host's.
   * Returns the state before and after, or null when the host does not exist.
   */
  async recordHeartbeat(
    id: HostId,
    next: Readonly<Record<HostState, HostState>>,
    beat: { hostAt: Date; volumeGib?: number; templates?: Record<string, unknown>[] },
  ): Promise<{ name: string; before: HostState; after: HostState } | null> {
    const states = Object.keys(next) as HostState[];
    const cases = states.map((s, i) => `WHEN '${s}' THEN $${i + 5}`).join(' ');
    const rows = updatedRows<{ name: string; before: HostState; after: HostState }>(
      await this.em.query(
        `UPDATE hosts h SET
         state = CASE old.state ${cases} END,
         state_changed_at = CASE WHEN (CASE old.state ${cases} END) <> old.state THEN now()
                            ELSE h.state_changed_at END,
         last_heartbeat_at = now(),
         last_heartbeat_host_at = $2,
         capacity_volume_gib = COALESCE($3, h.capacity_volume_gib),
         templates = COALESCE($4::jsonb, h.templates)
        FROM (SELECT id, state FROM hosts WHERE id = $1 FOR UPDATE) old
       WHERE h.id = old.id
       RETURNING h.name, old.state AS before, h.state AS after`,
        [
          id,
          beat.hostAt,
          beat.volumeGib ?? null,
          beat.templates === undefined ? null : JSON.stringify(beat.templates),
          ...states.map((s) => next[s]),
        ],
      ),
    );
    return rows[0] ?? null;
  }
}
