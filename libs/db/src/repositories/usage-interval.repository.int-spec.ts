import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { datedUsage, newId, NO_USAGE_HISTORY, type UsageSubject } from '@berth/domain';
import { createTestDatabase } from '@berth/testing';
import { dataSourceOptions } from '../data-source-options';
import { inTransaction } from '../transaction';
import { UsageIntervalRepository } from './usage-interval.repository';

jest.setTimeout(60_000);

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:01:00.000Z');
const T2 = new Date('2026-01-01T00:02:00.000Z');
const VOLUME: UsageSubject = { resourceType: 'volume', meter: 'volume.gib', quantity: 3, minSeconds: 0 };

/** The one writer of usage_intervals, on the real test Postgres. */
describe('UsageIntervalRepository', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  let tenantId: string;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    tenantId = newId('ten');
    await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, 'usage-repo', 'active')`, [tenantId]);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  function resource(): { tenantId: string; resourceType: 'volume'; resourceId: string } {
    return { tenantId, resourceType: 'volume', resourceId: newId('vol') };
  }

  async function rows(resourceId: string): Promise<{ started_at: Date; ended_at: Date | null }[]> {
    return ds.query(
      `SELECT started_at, ended_at FROM usage_intervals WHERE resource_id = $1 ORDER BY started_at`,
      [resourceId],
    );
  }

  it('writes an opened interval once however often the same effect is applied', async () => {
    const r = resource();
    const open = datedUsage('open', VOLUME, NO_USAGE_HISTORY, { at: T0, clock: 'api' });
    const usage = new UsageIntervalRepository(ds.manager);
    await usage.apply(r, open);
    await usage.apply(r, open);
    expect(await rows(r.resourceId)).toEqual([{ started_at: T0, ended_at: null }]);
  });

  it('fails loudly instead of skipping an open it cannot make', async () => {
    const r = resource();
    const usage = new UsageIntervalRepository(ds.manager);
    await usage.apply(r, datedUsage('open', VOLUME, NO_USAGE_HISTORY, { at: T0, clock: 'api' }));
    // Another interval of the same resource and meter while one is open: the unique index says so.
    await expect(
      usage.apply(r, datedUsage('open', VOLUME, NO_USAGE_HISTORY, { at: T1, clock: 'api' })),
    ).rejects.toThrow(/usage_intervals_open_uq/);
    // The same start again once that interval is closed: not a duplicate delivery, an error.
    await usage.apply(r, { kind: 'close', at: T1, clock: 'api' });
    await expect(
      usage.apply(r, datedUsage('open', VOLUME, NO_USAGE_HISTORY, { at: T0, clock: 'api' })),
    ).rejects.toThrow(/was not opened: it was closed/);
    expect(await rows(r.resourceId)).toEqual([{ started_at: T0, ended_at: T1 }]);
  });

  it('reads the history the planner dates by, and writes what it planned from it', async () => {
    const r = resource();
    await inTransaction(ds, async (em) => {
      const usage = new UsageIntervalRepository(em);
      await usage.apply(
        r,
        datedUsage('open', VOLUME, await usage.lockHistory(r.resourceId), { at: T0, clock: 'api' }),
      );
      const open = await usage.lockHistory(r.resourceId);
      expect(open).toEqual({ openSince: T0, lastEndedAt: null });
      await usage.apply(r, datedUsage('close', VOLUME, open, { at: T1, clock: 'api' }));
      expect(await usage.lockHistory(r.resourceId)).toEqual({ openSince: null, lastEndedAt: T1 });
      // Reopened at an event dated before the last end: it starts where the last one ended.
      await usage.apply(
        r,
        datedUsage('open', VOLUME, await usage.lockHistory(r.resourceId), { at: T0, clock: 'api' }),
      );
    });
    expect(await rows(r.resourceId)).toEqual([
      { started_at: T0, ended_at: T1 },
      { started_at: T1, ended_at: null },
    ]);
    expect(
      (await new UsageIntervalRepository(ds.manager).accruedBy([r.resourceId], T2)).get(r.resourceId),
    ).toBe(2 * 60 * VOLUME.quantity);
  });

  it('never ends an interval before it started, even for an effect that says so', async () => {
    const r = resource();
    const usage = new UsageIntervalRepository(ds.manager);
    await usage.apply(r, datedUsage('open', VOLUME, NO_USAGE_HISTORY, { at: T1, clock: 'api' }));
    await usage.apply(r, { kind: 'close', at: T0, clock: 'api' });
    expect(await rows(r.resourceId)).toEqual([{ started_at: T1, ended_at: T1 }]);
  });

  it("keeps a resource's open interval from the billing worker's cut while its history is locked", async () => {
    const r = resource();
    await new UsageIntervalRepository(ds.manager).apply(
      r,
      datedUsage('open', VOLUME, NO_USAGE_HISTORY, { at: T0, clock: 'api' }),
    );
    const boundary = new Date('2030-01-01T00:00:00.000Z');
    const seenByWorker = async (): Promise<boolean> =>
      inTransaction(ds, async (em) =>
        (await new UsageIntervalRepository(em).lockOpenBefore(boundary, 10_000)).some(
          (i) => i.resourceId === r.resourceId,
        ),
      );
    await inTransaction(ds, async (em) => {
      await new UsageIntervalRepository(em).lockHistory(r.resourceId);
      expect(await seenByWorker()).toBe(false);
    });
    expect(await seenByWorker()).toBe(true);
  });
});
