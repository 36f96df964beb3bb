import 'reflect-metadata';
import { DataSource, type EntityManager } from 'typeorm';
import { newId, type TenantId } from '@berth/domain';
import { createTestDatabase, inAnotherTransaction } from '@berth/testing';
import { dataSourceOptions } from './data-source-options';
import { FloatingIpPoolRepository, FloatingIpRepository } from './repositories/floating-ip.repository';
import { NetworkRepository } from './repositories/network.repository';
import { inTransaction } from './transaction';

jest.setTimeout(60_000);

/** The one lock idiom: `lock...` methods lock through `locked`, find methods never do. */
describe('row locks through lock... methods', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  const tenantId = newId('ten') as TenantId;
  const fipId = newId('fip');

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, 'locks', 'active')`, [tenantId]);
    await ds.query(
      `INSERT INTO floating_ips (id, tenant_id, address, name, created_at, updated_at) VALUES ($1, $2, '203.0.113.7', 'edge', now(), now())`,
      [fipId, tenantId],
    );
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  /** What another transaction gets while the first holds its lock: the row, or 'blocked'. */
  async function fromAnother(read: (repo: FloatingIpRepository) => Promise<unknown>): Promise<unknown> {
    return inAnotherTransaction(ds, async (em) => {
      const row = (await read(new FloatingIpRepository(em))) as { id: string } | null;
      return row?.id ?? null;
    });
  }

  it('an update lock blocks another update or share lock, and no plain read', async () => {
    await inTransaction(ds, async (em) => {
      expect((await new FloatingIpRepository(em).lockByRef(tenantId, 'edge'))?.id).toBe(fipId);
      expect(await fromAnother((r) => r.lockByRef(tenantId, fipId))).toBe('blocked');
      expect(await fromAnother((r) => r.lockByRef(tenantId, fipId, 'share'))).toBe('blocked');
      expect(await fromAnother((r) => r.findByRef(tenantId, fipId))).toBe(fipId);
    });
  });

  it('a share lock lets another share it and keeps an update out', async () => {
    await inTransaction(ds, async (em) => {
      expect((await new FloatingIpRepository(em).lockByRef(tenantId, fipId, 'share'))?.id).toBe(fipId);
      expect(await fromAnother((r) => r.lockByRef(tenantId, fipId, 'share'))).toBe(fipId);
      expect(await fromAnother((r) => r.lockByRef(tenantId, fipId))).toBe('blocked');
    });
    expect(await fromAnother((r) => r.lockByRef(tenantId, fipId))).toBe(fipId);
  });

  /** Whether another transaction gets the named lock `take` takes, or is 'blocked'. */
  async function takeInAnother(take: (em: EntityManager) => Promise<void>): Promise<'taken' | 'blocked'> {
    return inAnotherTransaction(ds, async (em) => {
      await take(em);
      return 'taken' as const;
    });
  }

  it('a named lock (network creation) keeps every other taker out until the transaction ends', async () => {
    const lockCreation = (em: EntityManager) => new NetworkRepository(em).lockCreation();
    await inTransaction(ds, async (em) => {
      await lockCreation(em);
      expect(await takeInAnother(lockCreation)).toBe('blocked');
      // Another name is another lock.
      expect(await takeInAnother((o) => new FloatingIpPoolRepository(o).lockPool())).toBe('taken');
    });
    expect(await takeInAnother(lockCreation)).toBe('taken');
  });

  it('the floating-IP pool lock excludes as well', async () => {
    const lockPool = (em: EntityManager) => new FloatingIpPoolRepository(em).lockPool();
    await inTransaction(ds, async (em) => {
      await lockPool(em);
      expect(await takeInAnother(lockPool)).toBe('blocked');
    });
    expect(await takeInAnother(lockPool)).toBe('taken');
  });
});
