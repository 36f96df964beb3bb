import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A host's join key (issue 15: registrations that a timeout cannot leave half done). An agent makes a
 * random key and keeps it in its state dir before it first joins, and sends it with the join; the API
 * keeps its hash here. When the join's answer is lost (the agent timed out while the API registered the
 * host), the agent joins again with the same key and gets the host back with a new token, instead of
 * `409 host/name_taken` and a trip through the operator. The key proves it is the same agent: anyone
 * else holding the fleet's join token does not have it. The hash is cleared by the host's first
 * heartbeat or re-registration, once the agent holds its token: from then on only the token (or the
 * operator's re-admission) speaks for the host.
 */
export class AddHostJoinKeys1763884800000 implements MigrationInterface {
  name = 'AddHostJoinKeys1763884800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE hosts ADD COLUMN join_key_hash text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE hosts DROP COLUMN join_key_hash`);
  }
}
