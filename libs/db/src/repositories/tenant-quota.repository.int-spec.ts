import 'reflect-metadata';
import { DataSource, type EntityManager } from 'typeorm';
import { newId, type TenantId } from '@berth/domain';
import { createTestDatabase, inAnotherTransaction } from '@berth/testing';
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
    return inAnotherTransaction(ds, work);
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

  it("lockWithUsage serialises a tenant's creates but lets rows referencing the tenant be inserted", async () => {
    await inTransaction(ds, async (em) => {
      expect(await new TenantQuotaRepository(em).lockWithUsage(tenantId, [])).not.toBeNull();
      expect(await inAnother((o) => new TenantQuotaRepository(o).lockWithUsage(tenantId, []))).toBe(
        'blocked',
      );
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
      expect(await new TenantQuotaRepository(em).lockWithUsage(missing, ['containers'])).toBeNull();
    });
    expect(await new TenantRepository(ds.manager).billingStatusOf(missing)).toBeNull();
  });

  it('lockWithUsage reads the standing and every override with the lock, then the usage asked for', async () => {
    await new TenantQuotaRepository(ds.manager).setOverrides(tenantId, { vcpus: 9, networks: 4 });
    await ds.query(`UPDATE tenants SET billing_status = 'past_due' WHERE id = $1`, [tenantId]);
    const sent: string[] = [];
    const logQuery = ds.logger.logQuery.bind(ds.logger);
    try {
      const locked = await inTransaction(ds, async (em) => {
        ds.logger.logQuery = (query, parameters, runner) => {
          sent.push(query);
          logQuery(query, parameters, runner);
        };
        return new TenantQuotaRepository(em).lockWithUsage(tenantId, ['networks', 'vcpus']);
      });
      expect(sent).toHaveLength(3); // the lock, the usage, and COMMIT
      expect(locked).toEqual({
        billingStatus: 'past_due',
        overrides: expect.objectContaining({ vcpus: 9, networks: 4, containers: null }),
        usage: { networks: 1, vcpus: 0 },
      });
    } finally {
      ds.logger.logQuery = logQuery;
      await ds.query(`UPDATE tenants SET billing_status = 'active' WHERE id = $1`, [tenantId]);
    }
  });

  it('counts usage after the lock is granted: a create that waited sees what the one before it committed', async () => {
    const before =
      (await new TenantQuotaRepository(ds.manager).usageOf(tenantId, ['networks'])).networks ?? 0;
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const first = inTransaction(ds, async (em) => {
      await new TenantQuotaRepository(em).lockWithUsage(tenantId, ['networks']);
      await em.query(
        `INSERT INTO networks (id, tenant_id, name, cidr, gateway, vni, is_default, created_at)
         VALUES ($1, $2, 'second', '10.78.0.0/24', '10.78.0.1', 78001, false, now())`,
        [newId('net'), tenantId],
      );
      locked();
      await holding;
    });
    await isLocked;
    const second = inTransaction(ds, (em) =>
      new TenantQuotaRepository(em).lockWithUsage(tenantId, ['networks']),
    );
    // Once the second waits on the first's lock, the first commits.
    for (;;) {
      const [waiting] = await ds.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if ((waiting?.n ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();
    await first;
    expect((await second)?.usage.networks).toBe(before + 1);
  });
});
