import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { DomainError, newId } from '@berth/domain';
import { createTestDatabase } from '@berth/testing';
import { dataSourceOptions } from './data-source-options';
import { TenantEntity } from './entities';
import { decodeCursor, encodeCursor, pageBy, pageOf, type PageRequest } from './pagination';

jest.setTimeout(60_000);

/** The one pagination helper, on the real test Postgres. */
describe('pageBy and the cursor', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  const ids: string[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    for (let i = 0; i < 5; i++) {
      const id = newId('ten');
      ids.push(id);
      await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, $2, 'active')`, [id, `page-${i}`]);
    }
    ids.sort();
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  async function walk(order: 'ASC' | 'DESC', limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page: PageRequest = { limit, ...(after ? { after } : {}) };
      const qb = ds.manager.createQueryBuilder(TenantEntity, 't').where('t.id = ANY(:ids)', { ids });
      const { data, nextCursor } = pageOf(
        await pageBy(qb, 't.id', page, order),
        (t) => t.id,
        (t) => t.id,
      );
      pages.push(data);
      if (nextCursor === null) return pages;
      after = decodeCursor(nextCursor);
    }
  }

  it('walks every row once, in id order, and says when the last page is reached', async () => {
    expect(await walk('ASC', 2)).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
    expect(await walk('ASC', 5)).toEqual([ids]);
  });

  it('walks newest first when asked', async () => {
    const desc = [...ids].reverse();
    expect(await walk('DESC', 3)).toEqual([desc.slice(0, 3), desc.slice(3)]);
  });

  it('pages a query with no condition of its own', async () => {
    const first = await pageBy(ds.manager.createQueryBuilder(TenantEntity, 't'), 't.id', { limit: 1 });
    expect(first.items).toHaveLength(1);
    const next = await pageBy(ds.manager.createQueryBuilder(TenantEntity, 't'), 't.id', {
      limit: 1,
      after: first.items[0]!.id,
    });
    expect(next.items[0]!.id > first.items[0]!.id).toBe(true);
  });

  it('refuses a cursor it did not make with a coded error', () => {
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor(encodeCursor(ids[0]!))).toBe(ids[0]);
    for (const bad of ['nope', encodeCursor('not an id'), Buffer.from('{"after":1}').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(DomainError);
    }
  });
});
