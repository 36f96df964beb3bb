import type { EntityManager } from 'typeorm';

/** What one liveness mark found. */
export interface ControlPlaneLiveness {
  /** When the control plane last came back after an outage (the database's clock). */
  readonly resumedAt: Date;
  /** Whether this mark found the outage: the control plane had been unseen longer than allowed. */
  readonly resumed: boolean;
}

/**
 * The control plane's own liveness, as the host reaper records it (table control_plane_liveness, one
 * row). Every date is the database's clock, as the hosts' heartbeats are, so that API processes with
 * skewed clocks agree.
 */
export class ControlPlaneRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Marks the control plane alive now. When it was last seen more than `outageAfterMs` ago (or never),
   * it was down in between: the resumption is now. One statement, so that concurrent marks from several
   * API processes serialise on the row and only the first after an outage finds it. Idempotent.
   */
  async markAlive(outageAfterMs: number): Promise<ControlPlaneLiveness> {
    const rows: { resumed_at: Date; resumed: boolean }[] = await this.em.query(
      `INSERT INTO control_plane_liveness AS l (id, seen_at, resumed_at) VALUES (1, now(), now())
       ON CONFLICT (id) DO UPDATE SET
         resumed_at = CASE
           WHEN l.seen_at < now() - make_interval(secs => $1::double precision / 1000) THEN now()
           ELSE l.resumed_at END,
         seen_at = greatest(l.seen_at, now())
       RETURNING resumed_at, resumed_at = now() AS resumed`,
      [outageAfterMs],
    );
    const row = rows[0];
    if (!row) throw new Error('control_plane_liveness: the mark returned no row');
    return { resumedAt: row.resumed_at, resumed: row.resumed };
  }
}
