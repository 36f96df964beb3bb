import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the control plane was last seen alive (each host-reaper tick, by the database's clock), and when
 * it last came back after an outage: the reaper measures a host's silence from the later of its last
 * heartbeat and that resumption, so that an outage of the API is never counted against the hosts whose
 * heartbeats it could not take. One row (id 1), written by whichever API process runs the tick.
 */
export class CreateControlPlaneLiveness1763870400000 implements MigrationInterface {
  name = 'CreateControlPlaneLiveness1763870400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE control_plane_liveness (
        id smallint PRIMARY KEY CHECK (id = 1),
        seen_at timestamptz NOT NULL,
        resumed_at timestamptz NOT NULL
      )`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
