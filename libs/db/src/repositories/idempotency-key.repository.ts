import type { EntityManager } from 'typeorm';
import { updatedRows } from '../updated-rows';
import { IdempotencyKeyEntity } from '../entities/idempotency-key.entity';

/**
 * The rows of idempotency_keys, one per (scope, key). Each write is one statement whose WHERE decides
 * who wins a race (the claim's takeover, the retry of an abandoned request), so two requests with one key
 * never both act; what a row means (replay, in progress, reused) is the IdempotencyService's to decide.
 */
export class IdempotencyKeyRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Inserts the key's row, or takes over a row older than `ttlMs` (forgotten even before the reaper
   * deletes it) in the same statement, so that two requests cannot both take it. Says whether it did.
   */
  async claim(scope: string, key: string, requestHash: string, ttlMs: number): Promise<boolean> {
    const inserted: unknown[] = await this.em.query(
      `INSERT INTO idempotency_keys AS k (scope, key, request_hash, created_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (scope, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, created_at = now(), status_code = NULL,
             response_body = NULL, response_sealed = NULL
         WHERE k.created_at < now() - $4 * interval '1 millisecond'
       RETURNING key`,
      [scope, key, requestHash, ttlMs],
    );
    return inserted.length > 0;
  }

  find(scope: string, key: string): Promise<IdempotencyKeyEntity | null> {
    return this.em.findOne(IdempotencyKeyEntity, { where: { scope, key } });
  }

  /**
   * Takes over a request still unanswered since `createdAt` (its first request died): only one retry
   * wins, as the row's created_at moves on. Says whether this one did. `createdAt` is the row's as read
   * back into a JS Date, so it is compared to the millisecond (Postgres keeps microseconds).
   */
  async takeOverAbandoned(scope: string, key: string, createdAt: Date): Promise<boolean> {
    const taken = updatedRows(
      await this.em.query(
        `UPDATE idempotency_keys SET created_at = now() WHERE scope = $1 AND key = $2 AND status_code IS NULL
         AND date_trunc('milliseconds', created_at) = $3 RETURNING key`,
        [scope, key, createdAt],
      ),
    );
    return taken.length > 0;
  }

  /** Keeps the first answer: in clear (JSON text) or sealed, the other null. */
  async complete(
    scope: string,
    key: string,
    statusCode: number,
    answer: { clear: string | null; sealed: string | null },
  ): Promise<void> {
    await this.em.query(
      `UPDATE idempotency_keys SET status_code = $3, response_body = $4::jsonb, response_sealed = $5
       WHERE scope = $1 AND key = $2`,
      [scope, key, statusCode, answer.clear, answer.sealed],
    );
  }

  /** Forgets a key whose request failed (never one already answered), so that a retry is handled afresh. */
  async release(scope: string, key: string): Promise<void> {
    await this.em.query(
      `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status_code IS NULL`,
      [scope, key],
    );
  }

  /** Deletes at most `limit` rows older than `ttlMs`; returns how many went. */
  async deleteOlderThan(ttlMs: number, limit: number): Promise<number> {
    // TypeORM's postgres driver answers a DELETE with [rows, affected].
    const [, deleted] = await this.em.query<[unknown, number]>(
      `DELETE FROM idempotency_keys WHERE (scope, key) IN (
         SELECT scope, key FROM idempotency_keys WHERE created_at < now() - $1 * interval '1 millisecond'
         LIMIT $2)`,
      [ttlMs, limit],
    );
    return deleted;
  }
}
