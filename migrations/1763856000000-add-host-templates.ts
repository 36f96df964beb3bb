import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A host's VM templates as its last heartbeat reported them (docs/vm-templates.md), for
 * `GET /v1/admin/hosts`: a list the API validated and bounded (MAX_HOST_TEMPLATES), kept as it came.
 * Hosts that have not heartbeat since have none.
 */
export class AddHostTemplates1763856000000 implements MigrationInterface {
  name = 'AddHostTemplates1763856000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE hosts ADD COLUMN templates jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
