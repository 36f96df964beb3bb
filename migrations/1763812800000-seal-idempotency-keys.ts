import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency records stop holding secrets and stop living for ever.
 *
 * Every row written before this migration is unsafe to keep: answers of `POST /v1/admin/tenants` and
 * `POST /v1/keys` hold API keys in clear, and every `request_hash` is an unkeyed SHA-256 of the request,
 * which lets a reader of the table test guesses of a registry password offline. They also cannot be
 * replayed any more: the API now compares keyed HMAC fingerprints, which an old hash never equals, so a
 * retry would be refused as `idempotency/key_reused`. So all of them go. The cost is that a client
 * retrying across the upgrade, with a key used before it, has its request handled afresh.
 *
 * Answers that hold secrets are now stored sealed (`response_sealed`); rows expire after 24 hours, and the
 * reaper finds them by `created_at`.
 */
export class SealIdempotencyKeys1763812800000 implements MigrationInterface {
  name = 'SealIdempotencyKeys1763812800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM idempotency_keys`);
    await q.query(`
      ALTER TABLE idempotency_keys
        ADD COLUMN response_sealed text,
        ADD CONSTRAINT idempotency_keys_one_answer CHECK (response_body IS NULL OR response_sealed IS NULL)`);
    await q.query(`CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
