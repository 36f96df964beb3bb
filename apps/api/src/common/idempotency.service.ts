import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { IdempotencyKeyRepository, type IdempotencyKeyEntity } from '@berth/db';
import { DomainError } from '@berth/domain';
import { SecretBox } from './secret-box';

/** A first request that has not finished after this long is taken to have died, and may be retried. */
const ABANDONED_AFTER_MS = 60_000;

/**
 * How long a key binds its first answer, as Stripe does. After that the record is deleted by the reaper, and
 * until then a request with the key is handled as a new one.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Rows deleted per statement by the reaper, so that a large backlog never holds one long transaction. */
const REAP_BATCH = 5_000;

/** The request being handled under a claimed key, as the interceptor runs its handler. */
export interface ClaimedRequest {
  readonly scope: string;
  readonly key: string;
  readonly statusCode: number;
  readonly holdsSecret: boolean;
  /** Set once a handler stored the answer in its own transaction (completeWithin). */
  storedInTransaction: boolean;
}

export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly statusCode: number; readonly body: unknown };

/** The AES-GCM associated data of a sealed answer: it opens only as the answer of this caller's key. */
function sealContext(scope: string, key: string): string {
  return JSON.stringify(['idempotency', scope, key]);
}

/**
 * Keeps the first answer per (caller, key) for 24 hours. Claiming inserts a row before the handler runs,
 * so that two concurrent requests with one key cannot both act; the loser gets `idempotency/in_progress`.
 *
 * An answer that holds a secret (a handler marked `@ReturnsSecret()`) is stored sealed with the secrets
 * key, bound to scope and key, rather than refused on replay: a client whose first answer was lost (the
 * CLI retries every POST with its key) must get its API key back, or it would be left with a key that
 * exists and that nobody can use; for `POST /v1/admin/tenants`, a tenant whose only key is lost. A reader
 * of the database alone learns nothing, and the sealed answer is gone with its row after 24 hours.
 */
@Injectable()
export class IdempotencyService {
  private readonly claimed = new AsyncLocalStorage<ClaimedRequest>();

  constructor(
    private readonly ds: DataSource,
    private readonly box: SecretBox,
  ) {}

  async claim(scope: string, key: string, requestHash: string): Promise<IdempotencyClaim> {
    // A row older than the TTL is forgotten even before the reaper deletes it: it is taken over here, in
    // the same statement as the insert, so that two requests cannot both take it.
    if (await this.keys().claim(scope, key, requestHash, IDEMPOTENCY_TTL_MS)) return { kind: 'claimed' };
    const row = await this.keys().find(scope, key);
    if (!row) return this.claim(scope, key, requestHash); // released between our insert and read
    if (row.requestHash !== requestHash) {
      throw new DomainError(
        'idempotency/key_reused',
        'this Idempotency-Key was already used with a different request; use a new key for a new request',
      );
    }
    if (row.statusCode !== null)
      return { kind: 'replay', statusCode: row.statusCode, body: this.answerOf(row) };
    if (Date.now() - row.createdAt.getTime() > ABANDONED_AFTER_MS) {
      if (await this.keys().takeOverAbandoned(scope, key, row.createdAt)) return { kind: 'claimed' };
    }
    throw new DomainError(
      'idempotency/in_progress',
      'a request with this Idempotency-Key is still being handled; retry shortly',
    );
  }

  /** Runs a handler under its claimed key, so that it may store its answer in its own transaction. */
  runClaimed<T>(request: ClaimedRequest, handler: () => Promise<T>): Promise<T> {
    return this.claimed.run(request, handler);
  }

  /**
   * Stores `body` as the answer of the request being handled, if it came with an Idempotency-Key, in the
   * caller's transaction: the answer is then committed with the work it describes. Without it, an API
   * process that died between the work's commit and the answer's would leave a claim that looks
   * abandoned, and the client's retry would do the work a second time. Call it last in the transaction
   * that creates what a retry must not create again; a transaction run again writes it again.
   */
  async completeWithin(em: EntityManager, body: unknown): Promise<void> {
    const request = this.claimed.getStore();
    if (!request) return;
    await this.store(new IdempotencyKeyRepository(em), request, body);
    request.storedInTransaction = true;
  }

  /** Keeps the answer (unless the handler stored it in its transaction); sealed when it holds a secret. */
  async complete(request: ClaimedRequest, body: unknown): Promise<void> {
    if (request.storedInTransaction) return;
    await this.store(this.keys(), request, body);
  }

  private async store(keys: IdempotencyKeyRepository, request: ClaimedRequest, body: unknown): Promise<void> {
    const { scope, key, statusCode, holdsSecret } = request;
    const json = JSON.stringify(body ?? null);
    const [clear, sealed] = holdsSecret ? [null, this.box.seal(json, sealContext(scope, key))] : [json, null];
    await keys.complete(scope, key, statusCode, { clear, sealed });
  }

  /** The request failed: forget the key so that a retry is handled afresh. */
  async release(scope: string, key: string): Promise<void> {
    await this.keys().release(scope, key);
  }

  /**
   * Deletes every record older than the TTL, in batches; returns how many. Run from the `control` queue, so
   * once per tick whatever the number of API processes.
   */
  async reap(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.keys().deleteOlderThan(IDEMPOTENCY_TTL_MS, REAP_BATCH);
      total += deleted;
      if (deleted < REAP_BATCH) return total;
    }
  }

  private keys(): IdempotencyKeyRepository {
    return new IdempotencyKeyRepository(this.ds.manager);
  }

  private answerOf(row: IdempotencyKeyEntity): unknown {
    if (row.responseSealed === null) return row.responseBody;
    let json: string;
    try {
      json = this.box.open(row.responseSealed, sealContext(row.scope, row.key));
    } catch {
      throw new DomainError(
        'idempotency/replay_unavailable',
        'the first answer to this request held a secret that can no longer be decrypted (the server’s ' +
          'secrets key changed since); send the request with a new Idempotency-Key',
      );
    }
    return JSON.parse(json) as unknown;
  }
}
