import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Join tokens the operator makes, rotates and revokes through the API (hashes only), and one-time
 * re-admission tokens bound to a host (`host_id`). A host deleted from the fleet takes its pending
 * re-admission tokens with it.
 */
export class CreateJoinTokens1763820000000 implements MigrationInterface {
  name = 'CreateJoinTokens1763820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE join_tokens (
        id text PRIMARY KEY,
        prefix text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        description text NOT NULL DEFAULT '',
        host_id text REFERENCES hosts(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_used_at timestamptz,
        CHECK (expires_at > created_at)
      )`);
    await q.query(`CREATE INDEX join_tokens_host_id_idx ON join_tokens (host_id) WHERE host_id IS NOT NULL`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
