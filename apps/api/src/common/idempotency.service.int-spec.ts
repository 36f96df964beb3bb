import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@berth/db';
import { DomainError } from '@berth/domain';
import { createTestDatabase } from '@berth/testing';
import { type ClaimedRequest, IdempotencyService } from './idempotency.service';
import { SecretBox } from './secret-box';

/** The idempotency store against a real, migrated Postgres: sealing, expiry and the reaper. */
describe('IdempotencyService (Postgres)', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  let store: IdempotencyService;
  const secretsKey = randomBytes(32);
  const answer = {
    id: 'key_1',
    prefix: 'bk_abcdefghij',
    secret: 'bk_abcdefghij_0123456789abcdefghijklmnopqrstuv',
  };
  const newKey = (): string => `k-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    store = new IdempotencyService(ds, new SecretBox(secretsKey));
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  async function row(scope: string, key: string): Promise<Record<string, unknown> | undefined> {
    const rows: Record<string, unknown>[] = await ds.query(
      `SELECT request_hash, status_code, response_body::text AS body, response_sealed AS sealed
       FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    return rows[0];
  }

  async function age(scope: string, key: string, hours: number): Promise<void> {
    await ds.query(
      `UPDATE idempotency_keys SET created_at = now() - $3 * interval '1 hour' WHERE scope = $1 AND key = $2`,
      [scope, key, hours],
    );
  }

  function codeOf(err: unknown): string {
    return err instanceof DomainError ? err.code : String(err);
  }

  it('keeps an ordinary answer as it is and replays it', async () => {
    const key = newKey();
    expect(await store.claim('ten_a', key, 'h1')).toEqual({ kind: 'claimed' });
    await store.complete(claimed('ten_a', key, 202, false), { data: { id: 'ctr_1' } });
    expect(await row('ten_a', key)).toMatchObject({ body: '{"data": {"id": "ctr_1"}}', sealed: null });
    expect(await store.claim('ten_a', key, 'h1')).toEqual({
      kind: 'replay',
      statusCode: 202,
      body: { data: { id: 'ctr_1' } },
    });
  });

  it('keeps a secret-bearing answer only sealed, and a retry within 24 hours gets its secret back', async () => {
    const key = newKey();
    await store.claim('ten_a', key, 'h1');
    await store.complete(claimed('ten_a', key, 201, true), answer);
    const stored = await row('ten_a', key);
    expect(stored?.body).toBeNull();
    expect(stored?.sealed).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(answer.secret);
    expect(JSON.stringify(stored)).not.toContain('0123456789abcdef');
    await age('ten_a', key, 23);
    expect(await store.claim('ten_a', key, 'h1')).toEqual({ kind: 'replay', statusCode: 201, body: answer });
  });

  it('opens a sealed answer only as the answer of its own caller and key', async () => {
    const key = newKey();
    await store.claim('ten_a', key, 'h1');
    await store.complete(claimed('ten_a', key, 201, true), answer);
    // The same ciphertext under another tenant's key (a row copied by someone with write access).
    const stolen = newKey();
    await ds.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_sealed, created_at)
       SELECT 'ten_b', $2, request_hash, status_code, response_sealed, now() FROM idempotency_keys
       WHERE scope = 'ten_a' AND key = $1`,
      [key, stolen],
    );
    const err: unknown = await store.claim('ten_b', stolen, 'h1').catch((e: unknown) => e);
    expect(codeOf(err)).toBe('idempotency/replay_unavailable');
  });

  it('answers a coded 409, not a 500, when the secrets key changed since the answer was sealed', async () => {
    const key = newKey();
    await store.claim('ten_a', key, 'h1');
    await store.complete(claimed('ten_a', key, 201, true), answer);
    const rotated = new IdempotencyService(ds, new SecretBox(randomBytes(32)));
    const err: unknown = await rotated.claim('ten_a', key, 'h1').catch((e: unknown) => e);
    expect(codeOf(err)).toBe('idempotency/replay_unavailable');
    expect((err as DomainError).status).toBe(409);
    expect((err as DomainError).message).toMatch(/new Idempotency-Key/);
  });

  it('treats a key older than 24 hours as new, even before the reaper deleted it', async () => {
    const key = newKey();
    await store.claim('ten_a', key, 'h1');
    await store.complete(claimed('ten_a', key, 201, true), answer);
    // Within 24 hours another request under the key is refused...
    expect(codeOf(await store.claim('ten_a', key, 'h2').catch((e: unknown) => e))).toBe(
      'idempotency/key_reused',
    );
    // ...after, it is handled afresh, and the old answer is gone.
    await age('ten_a', key, 25);
    expect(await store.claim('ten_a', key, 'h2')).toEqual({ kind: 'claimed' });
    expect(await row('ten_a', key)).toMatchObject({
      request_hash: 'h2',
      status_code: null,
      body: null,
      sealed: null,
    });
  });

  it('reaps exactly the records older than 24 hours, by the created_at index', async () => {
    const [old1, old2, fresh] = [newKey(), newKey(), newKey()];
    for (const k of [old1, old2, fresh]) {
      await store.claim('ten_r', k, 'h');
      await store.complete(claimed('ten_r', k, 201, true), answer);
    }
    await age('ten_r', old1, 24.1);
    await age('ten_r', old2, 24 * 30);
    await age('ten_r', fresh, 23.9);
    expect(await store.reap()).toBe(2);
    expect(await row('ten_r', old1)).toBeUndefined();
    expect(await row('ten_r', old2)).toBeUndefined();
    expect(await row('ten_r', fresh)).toBeDefined();
    expect(await store.reap()).toBe(0);

    // The reaper's scan uses the index (seq scans disabled so that a tiny table still shows the plan).
    const runner = ds.createQueryRunner();
    try {
      await runner.query(`SET enable_seqscan = off`);
      const plan: { 'QUERY PLAN': string }[] = await runner.query(
        `EXPLAIN SELECT scope, key FROM idempotency_keys WHERE created_at < now() - interval '24 hours' LIMIT 10`,
      );
      expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toContain('idempotency_keys_created_at_idx');
    } finally {
      await runner.query(`RESET enable_seqscan`);
      await runner.release();
    }
  });

  it('refuses to store an answer both in clear and sealed', async () => {
    const key = newKey();
    await store.claim('ten_a', key, 'h1');
    await expect(
      ds.query(
        `UPDATE idempotency_keys SET response_body = '{}'::jsonb, response_sealed = 'v1.x' WHERE scope = 'ten_a' AND key = $1`,
        [key],
      ),
    ).rejects.toThrow(/idempotency_keys_one_answer/);
  });
});

/** A request under a claimed key, as the interceptor hands it to the store. */
function claimed(scope: string, key: string, statusCode: number, holdsSecret: boolean): ClaimedRequest {
  return { scope, key, statusCode, holdsSecret, storedInTransaction: false };
}
