import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotencyKeyEntity } from '@berth/db';
import { DomainError } from '@berth/domain';

/** A first request that has not finished after this long is taken to have died, and may be retried. */
const ABANDONED_AFTER_MS = 60_000;

export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly statusCode: number; readonly body: unknown };

/**
 * Keeps the first answer per (caller, key). Claiming inserts a row before the handler runs, so that two
 * concurrent requests with one key cannot both act; the loser gets `idempotency/in_progress`.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly ds: DataSource) {}

  async claim(scope: string, key: string, requestHash: string): Promise<IdempotencyClaim> {
    const inserted: unknown[] = await this.ds.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
      [scope, key, requestHash],
    );
    if (inserted.length > 0) return { kind: 'claimed' };
    const row = await this.ds.manager.findOne(IdempotencyKeyEntity, { where: { scope, key } });
    if (!row) return this.claim(scope, key, requestHash); // released between our insert and read
    if (row.requestHash !== requestHash) {
      throw new DomainError(
        'idempotency/key_reused',
        'this Idempotency-Key was already used with a different request; use a new key for a new request',
      );
    }
    if (row.statusCode !== null)
      return { kind: 'replay', statusCode: row.statusCode, body: row.responseBody };
    if (Date.now() - row.createdAt.getTime() > ABANDONED_AFTER_MS) {
      const taken: unknown[] = await this.ds.query(
        `UPDATE idempotency_keys SET created_at = now() WHERE scope = $1 AND key = $2 AND status_code IS NULL
         AND created_at = $3 RETURNING key`,
        [scope, key, row.createdAt],
      );
      if (taken.length > 0) return { kind: 'claimed' };
    }
    throw new DomainError(
      'idempotency/in_progress',
      'a request with this Idempotency-Key is still being handled; retry shortly',
    );
  }

  async complete(scope: string, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.ds.query(
      `UPDATE idempotency_keys SET status_code = $3, response_body = $4::jsonb WHERE scope = $1 AND key = $2`,
      [scope, key, statusCode, JSON.stringify(body ?? null)],
    );
  }

  /** The request failed: forget the key so that a retry is handled afresh. */
  async release(scope: string, key: string): Promise<void> {
    await this.ds.query(
      `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status_code IS NULL`,
      [scope, key],
    );
  }
}
