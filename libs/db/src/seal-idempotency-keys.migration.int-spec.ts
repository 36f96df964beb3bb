import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { requiredEnv } from '@berth/testing';
import { ALL_MIGRATIONS } from '../../../migrations';
import { SealIdempotencyKeys1763812800000 } from '../../../migrations/1763812800000-seal-idempotency-keys';

/**
 * The migration that seals idempotency records, run on a database that already holds records written the
 * old way (an API key in clear in an answer, unkeyed request hashes): none of them is left.
 */
describe('migration SealIdempotencyKeys1763812800000', () => {
  const name = `berth_m_${randomBytes(6).toString('hex')}`;
  const adminUrl = requiredEnv('BERTH_TEST_PG_ADMIN_URL');
  const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

  async function admin(sql: string): Promise<void> {
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  }

  async function migrate(migrations: typeof ALL_MIGRATIONS): Promise<DataSource> {
    const ds = await new DataSource({ ...dataSourceOptions(url), migrations }).initialize();
    await ds.runMigrations({ transaction: 'each' });
    return ds;
  }

  beforeAll(() => admin(`CREATE DATABASE ${name}`));
  afterAll(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

  it('deletes every record written before it, and adds the sealed column and the reaper’s index', async () => {
    const at = ALL_MIGRATIONS.indexOf(SealIdempotencyKeys1763812800000);
    expect(at).toBeGreaterThan(0);
    const before = await migrate(ALL_MIGRATIONS.slice(0, at));
    try {
      await before.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, created_at) VALUES
           ('ten_a', 'k1', 'plainsha', 201, '{"secret": "bk_abcdefghij_0123456789abcdefghijklmnopqrstuv"}', now()),
           ('operator', 'k2', 'plainsha', 201, '{"apiKey": {"secret": "bk_x"}}', now() - interval '2 days'),
           ('ten_a', 'k3', 'plainsha', NULL, NULL, now())`,
      );
    } finally {
      await before.destroy();
    }
    const after = await migrate(ALL_MIGRATIONS);
    try {
      expect(await after.query(`SELECT * FROM idempotency_keys`)).toEqual([]);
      const columns: { column_name: string }[] = await after.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'idempotency_keys'`,
      );
      expect(columns.map((c) => c.column_name)).toContain('response_sealed');
      const indexes: { indexname: string }[] = await after.query(
        `SELECT indexname FROM pg_indexes WHERE tablename = 'idempotency_keys'`,
      );
      expect(indexes.map((i) => i.indexname)).toContain('idempotency_keys_created_at_idx');
    } finally {
      await after.destroy();
    }
  });
});
