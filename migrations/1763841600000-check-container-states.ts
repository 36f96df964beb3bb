import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A container's state is one of the domain's (libs/domain/src/container-state.ts, CONTAINER_STATES).
 * Every path that moves a container goes through the lifecycle planner, but the table is the one place
 * that also covers a hand-written fix or a future writer; libs/db/src/check-lists.int-spec.ts compares
 * this list with the domain's. Widen it in a new migration when a state is added.
 */
export class CheckContainerStates1763841600000 implements MigrationInterface {
  name = 'CheckContainerStates1763841600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE containers
        ADD CONSTRAINT containers_state_check CHECK (state IN (
          'pending', 'creating', 'starting', 'running', 'stopping', 'restarting', 'stopped', 'exited',
          'failed', 'lost', 'deleting', 'deleted'))`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
