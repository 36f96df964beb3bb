import { DataSource } from 'typeorm';
import { loadApiConfig } from '@berth/config';
import { dataSourceOptions } from '@berth/db';
import { createTestDatabase } from '@berth/testing';
import { EXPIRED_JOIN_TOKEN_KEPT_MS, JoinTokensService } from './join-tokens.service';

/** Join tokens against a real, migrated Postgres: the reaper of expired tokens. */
describe('JoinTokensService.reapExpired (Postgres)', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  let tokens: JoinTokensService;
  const config = loadApiConfig({
    BERTH_OPERATOR_TOKEN: 'o'.repeat(32),
    BERTH_AGENT_JOIN_TOKEN: 'j'.repeat(32),
  });

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    tokens = new JoinTokensService(ds, config);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  async function prefixes(): Promise<string[]> {
    const rows: { prefix: string }[] = await ds.query('SELECT prefix FROM join_tokens ORDER BY prefix');
    return rows.map((r) => r.prefix);
  }

  it('deletes tokens expired for longer than a day, keeps the rest listed, and can still verify live ones', async () => {
    const live = await tokens.create({ ttlSeconds: 3600, description: 'live' });
    const justExpired = await tokens.create({ ttlSeconds: 60, description: 'expired an hour ago' });
    const longExpired = await tokens.create({ ttlSeconds: 60, description: 'expired two days ago' });
    const now = new Date();
    await ds.query(
      "UPDATE join_tokens SET created_at = $2::timestamptz - interval '1 minute', expires_at = $2 WHERE id = $1",
      [justExpired.id, new Date(now.getTime() - 3600_000)],
    );
    await ds.query(
      "UPDATE join_tokens SET created_at = $2::timestamptz - interval '1 minute', expires_at = $2 WHERE id = $1",
      [longExpired.id, new Date(now.getTime() - EXPIRED_JOIN_TOKEN_KEPT_MS - 3600_000)],
    );

    expect(await tokens.reapExpired(now)).toBe(1);
    expect(await prefixes()).toEqual([live.prefix, justExpired.prefix].sort());
    // Idempotent: nothing more to reap until another token ages past the cut-off.
    expect(await tokens.reapExpired(now)).toBe(0);
    expect(await tokens.verify(live.token, now)).toMatchObject({ kind: 'agent-join', joinTokenId: live.id });
    // A day later the recently expired one goes too.
    expect(await tokens.reapExpired(new Date(now.getTime() + EXPIRED_JOIN_TOKEN_KEPT_MS))).toBe(1);
    expect(await prefixes()).toEqual([live.prefix]);
  });
});
