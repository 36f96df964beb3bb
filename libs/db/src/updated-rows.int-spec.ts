import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { newId, type TenantId } from '@berth/domain';
import { createTestDatabase } from '@berth/testing';
import { dataSourceOptions } from './data-source-options';
import { IdempotencyKeyRepository } from './repositories/idempotency-key.repository';
import { TenantRepository } from './repositories/tenant.repository';

jest.setTimeout(60_000);

/**
 * Repositories whose UPDATE ... RETURNING answers decide something: TypeORM gives those as
 * `[rows, rowCount]`, which read as rows always looked like two (updatedRows).
 */
describe('UPDATE ... RETURNING answers', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  it('an abandoned idempotency claim is taken over once, and not when it is no longer the one read', async () => {
    const keys = new IdempotencyKeyRepository(ds.manager);
    expect(await keys.claim('ten_x', 'k1', 'hash', 86_400_000)).toBe(true);
    const row = await keys.find('ten_x', 'k1');
    expect(await keys.takeOverAbandoned('ten_x', 'k1', new Date(0))).toBe(false);
    expect(await keys.takeOverAbandoned('ten_x', 'k1', row!.createdAt)).toBe(true);
    // The first take-over moved created_at on: a second one that read the old row loses.
    expect(await keys.takeOverAbandoned('ten_x', 'k1', row!.createdAt)).toBe(false);
  });

  it("a Stripe customer's standing answers the tenants it changed, and none when it changed nothing", async () => {
    const id = newId('ten') as TenantId;
    await ds.query(
      `INSERT INTO tenants (id, name, state, stripe_customer_id) VALUES ($1, 'standing', 'active', 'cus_x')`,
      [id],
    );
    const tenants = new TenantRepository(ds.manager);
    expect(await tenants.setBillingStatusOfCustomer('cus_x', 'past_due', new Date())).toEqual([id]);
    expect(await tenants.setBillingStatusOfCustomer('cus_nobody', 'past_due', new Date())).toEqual([]);
  });
});
