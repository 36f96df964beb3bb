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

  /**
   * The host a host token's prefix names, with its token's stored hash: what authenticating an agent
   * request needs, and nothing else. Plain SQL: it runs for every agent request (1,000 hosts' heartbeats
   * are ~330 a second), where building the query through TypeORM's find costs more than the query.
   */
  async credentialsByTokenPrefix(prefix: string): Promise<{ id: HostId; tokenHash: string } | null> {
    const rows = await this.em.query<{ id: HostId; token_hash: string }[]>(
      'SELECT id, token_hash FROM hosts WHERE token_prefix = $1',
      [prefix],
    );
    const row = rows[0];
    return row ? { id: row.id, tokenHash: row.token_hash } : null;
  }

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
   * `heartbeat` (`next`, per state), the heartbeat times are the database's clock and the host's, and the
   * host's join key is forgotten (a host that beats holds its token; see the hosts.join_key_hash migration).
   * Returns the state before and after, or null when the host does not exist.
   *
   * The row lock is FOR NO KEY UPDATE (what the UPDATE itself takes), not FOR UPDATE: every transaction
   * that writes a row referencing the host (a container placed on it, its operation) holds FOR KEY SHARE
   * on it until it commits, for the foreign key, and FOR UPDATE would queue each heartbeat behind all
   * of them. Two heartbeats of one host still take turns.
   */
  async recordHeartbeat(
    id: HostId,
    next: Readonly<Record<HostState, HostState>>,
    beat: {
      hostAt: Date;
      volumeGib?: number;
      templates?: Record<string, unknown>[];
      /** The last loss the agent has resynced after (absent: an agent that does not count them). */
      resyncedEpoch?: number;
    },
  ): Promise<HeartbeatRecorded | null> {
    const states = Object.keys(next) as HostState[];
    const cases = states.map((s, i) => `WHEN '${s}' THEN $${i + 6}`).join(' ');
    const rows = updatedRows<RawHeartbeatRecorded>(
      await this.em.query(
        `UPDATE hosts h SET
         state = CASE old.state ${cases} END,
         state_changed_at = CASE WHEN (CASE old.state ${cases} END) <> old.state THEN now()
                            ELSE h.state_changed_at END,
         last_heartbeat_at = now(),
         last_heartbeat_host_at = $2,
         capacity_volume_gib = COALESCE($3, h.capacity_volume_gib),
         templates = COALESCE($4::jsonb, h.templates),
         join_key_hash = NULL,
         resynced_epoch = GREATEST(h.resynced_epoch, LEAST(COALESCE($5, 0), h.loss_epoch))
        FROM (SELECT id, state FROM hosts WHERE id = $1 FOR NO KEY UPDATE) old
       WHERE h.id = old.id
       RETURNING h.name, old.state AS before, h.state AS after, h.loss_epoch, h.resynced_epoch`,
        [
          id,
          beat.hostAt,
          beat.volumeGib ?? null,
          beat.templates === undefined ? null : JSON.stringify(beat.templates),
          beat.resyncedEpoch ?? null,
          ...states.map((s) => next[s]),
        ],
      ),
    );
    const row = rows[0];
    if (!row) return null;
    return {
      name: row.name,
      before: row.before,
      after: row.after,
      lossEpoch: row.loss_epoch,
      resyncedEpoch: row.resynced_epoch,
    };
  }
}

/** What a heartbeat changed: the host's state before and after, and its losses against its resyncs. */
export interface HeartbeatRecorded {
  readonly name: string;
  readonly before: HostState;
  readonly after: HostState;
  readonly lossEpoch: number;
  readonly resyncedEpoch: number;
}

interface RawHeartbeatRecorded {
  name: string;
  before: HostState;
  after: HostState;
  loss_epoch: number;
  resynced_epoch: number;
}
