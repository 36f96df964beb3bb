import 'reflect-metadata';
import { DataSource, type EntityManager } from 'typeorm';
import { newId, type TenantId } from '@berth/domain';
import { createTestDatabase } from '@berth/testing';
import { dataSourceOptions } from '../data-source-options';
import { inTransaction } from '../transaction';
import { TenantQuotaRepository } from './tenant-quota.repository';
import { TenantRepository } from './tenant.repository';

jest.setTimeout(60_000);

describe('TenantQuotaRepository, and the tenant row lock it counts under', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  const tenantId = newId('ten') as TenantId;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, 'quotas', 'active')`, [tenantId]);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  /** Runs `work` in another transaction that gives up on a lock after 300 ms: its result, or 'blocked'. */
  function inAnother<T>(work: (em: EntityManager) => Promise<T>): Promise<T | 'blocked'> {
    return inTransaction(ds, async (em) => {
      await em.query(`SET LOCAL lock_timeout = '300ms'`);
      try {
        return await work(em);
      } catch (err) {
        if (err instanceof Error && /lock timeout/.test(err.message)) return 'blocked' as const;
        throw err;
      }
    });
  }

  it('sets only the limits a patch names, null resetting one, and reads them back by limit', async () => {
    const repo = new TenantQuotaRepository(ds.manager);
    expect(await repo.overridesOf(tenantId)).toEqual({
      containers: null,
      vcpus: null,
      memoryMib: null,
      volumeGb: null,
      snapshots: null,
      floatingIps: null,
      networks: null,
    });
    await repo.setOverrides(tenantId, { containers: 3, memoryMib: 2048 });
    await repo.setOverrides(tenantId, { containers: null, networks: 7 });
    expect(await repo.overridesOf(tenantId)).toMatchObject({
      containers: null,
      memoryMib: 2048,
      networks: 7,
      vcpus: null,
    });
  });

  it("TenantRepository.lockForCreate serialises a tenant's creates but lets rows referencing the tenant be inserted", async () => {
    await inTransaction(ds, async (em) => {
      expect(await new TenantRepository(em).lockForCreate(tenantId)).toBe(true);
      expect(await inAnother((o) => new TenantRepository(o).lockForCreate(tenantId))).toBe('blocked');
      // FOR NO KEY UPDATE, not FOR UPDATE: the FOR KEY SHARE of a referencing insert does not wait.
      const inserted = await inAnother(async (o) => {
        await o.query(
          `INSERT INTO networks (id, tenant_id, name, cidr, gateway, vni, is_default, created_at)
           VALUES ($1, $2, 'n', '10.77.0.0/24', '10.77.0.1', 77001, false, now())`,
          [newId('net'), tenantId],
        );
        return 'inserted';
      });
      expect(inserted).toBe('inserted');
    });
    expect(await new TenantQuotaRepository(ds.manager).usageOf(tenantId, ['networks', 'containers'])).toEqual(
      {
        networks: 1,
        containers: 0,
      },
    );
  });

  it('says when there is no such tenant, and reads the billing standing', async () => {
    expect(await new TenantRepository(ds.manager).billingStatusOf(tenantId)).toBe('active');
    const missing = newId('ten') as TenantId;
    expect(await new TenantRepository(ds.manager).exists(missing)).toBe(false);
    await inTransaction(ds, async (em) => {
      expect(await new TenantRepository(em).lockForCreate(missing)).toBe(false);
    });
    expect(await new TenantRepository(ds.manager).billingStatusOf(missing)).toBeNull();
  });
});
