import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each host's own Redis user, so that an agent can reach its own queue's keys only. The password's
 * SHA-256 is kept (never the password) so that the API can make the users again after a Redis restart.
 */
export class CreateAgentRedisUsers1763827200000 implements MigrationInterface {
  name = 'CreateAgentRedisUsers1763827200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agent_redis_users (
        host_id text PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
        username text NOT NULL UNIQUE,
        password_sha256 text NOT NULL CHECK (password_sha256 ~ '^[0-9a-f]{64}$'),
        issued_at timestamptz NOT NULL
      )`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
