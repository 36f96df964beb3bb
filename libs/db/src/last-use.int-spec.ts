import 'reflect-metadata';
import { DataSource, type EntityTarget } from 'typeorm';
import { LAST_USED_RESOLUTION_MS, newId, type TenantId } from '@berth/domain';
import { createTestDatabase } from '@berth/testing';
import { dataSourceOptions } from './data-source-options';
import { ApiKeyEntity } from './entities/api-key.entity';
import { JoinTokenEntity } from './entities/join-token.entity';
import { recordLastUse, type UsedCredential } from './last-use';

jest.setTimeout(60_000);

/** API keys and join tokens record their last use through one writer, to the same resolution. */
describe('recordLastUse', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  const tenantId = newId('ten') as TenantId;
  const t0 = new Date('2026-12-07T06:00:00.000Z');
  const later = (ms: number) => new Date(t0.getTime() + ms);

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, 'last-use', 'active')`, [tenantId]);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  /** Records uses of the stored `row` at t0 and later, reading back what each left in the table. */
  async function recordsToTheResolution(entity: EntityTarget<UsedCredential>, row: UsedCredential) {
    const stored = async () => {
      const rows: { last_used_at: Date | null }[] = await ds.query(
        `SELECT last_used_at FROM ${ds.getMetadata(entity).tableName} WHERE id = $1`,
        [row.id],
      );
      return rows[0]?.last_used_at;
    };
    await recordLastUse(ds.manager, entity, row, t0);
    expect(await stored()).toEqual(t0);
    await recordLastUse(ds.manager, entity, { ...row, lastUsedAt: t0 }, later(LAST_USED_RESOLUTION_MS));
    expect(await stored()).toEqual(t0);
    await recordLastUse(ds.manager, entity, { ...row, lastUsedAt: t0 }, later(LAST_USED_RESOLUTION_MS + 1));
    expect(await stored()).toEqual(later(LAST_USED_RESOLUTION_MS + 1));
  }

  it("records an API key's first use, then only uses older than the resolution", async () => {
    const key = await ds.manager.save(
      ds.manager.create(ApiKeyEntity, {
        id: newId('key'),
        tenantId,
        name: 'k',
        prefix: newId('key').slice(-8),
        secretHash: 'hash',
        createdAt: t0,
        lastUsedAt: null,
        revokedAt: null,
      }),
    );
    await recordsToTheResolution(ApiKeyEntity, key);
  });

  it("records a join token's the same way", async () => {
    const token = await ds.manager.save(
      ds.manager.create(JoinTokenEntity, {
        id: newId('jtk'),
        prefix: newId('jtk').slice(-8),
        secretHash: 'hash',
        description: 'j',
        hostId: null,
        createdAt: t0,
        expiresAt: later(3_600_000),
        lastUsedAt: null,
      }),
    );
    await recordsToTheResolution(JoinTokenEntity, token);
  });
});
