import 'reflect-metadata';
import pino from 'pino';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { dataSourceOptions, usageIntervalId } from '@berth/db';
import {
  containerMeter,
  newId,
  stripeUnitAmountDecimal,
  totalUnits,
  USAGE_METERS,
  type SizeName,
  type UsageMeter,
  type UsageResourceType,
} from '@berth/domain';
import { createTestDatabase, startFakeStripe, type FakeStripe } from '@berth/testing';
import { BillingWorker } from './billing-worker';
import { priceLookupKey, StripeGateway, stripeEventName } from './stripe-gateway';

jest.setTimeout(60_000);

/** A usage_intervals row as the tests read it back (bigint stripe_value comes back as text). */
interface Row {
  id: string;
  tenant_id: string;
  resource_type: string;
  resource_id: string;
  meter: string;
  quantity: number;
  started_at: Date;
  ended_at: Date | null;
  min_seconds: number;
  stripe_value: string | null;
  stripe_sent_at: Date | null;
  stripe_first_attempt_at: Date | null;
}

interface NewInterval {
  tenantId: string;
  resourceId: string;
  resourceType?: UsageResourceType;
  meter: UsageMeter;
  quantity?: number;
  startedAt: Date;
  endedAt: Date | null;
  minSeconds?: number;
  /** Marks the row sent with this value (as a worker that crashed after marking would leave it). */
  sentValue?: number;
}

const t = (iso: string): Date => new Date(iso);
const cm = (size: SizeName = 's1'): UsageMeter => containerMeter(size);

describe('BillingWorker (Postgres + local Stripe)', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  let fake: FakeStripe;
  let gateway: StripeGateway;
  let worker: BillingWorker;
  const log = pino({ level: 'silent' });
  /** Stripe's clock: a little after the last interval of these tests ends. */
  const STRIPE_NOW = t('2024-05-10T10:02:05Z').getTime();
  let stripeNow = STRIPE_NOW;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  beforeEach(async () => {
    // The worker works on every tenant's rows, so each test starts from an empty ledger (its tenants
    // are its own) and a Stripe of its own.
    await ds.query(`DELETE FROM billing_dead_letters`);
    await ds.query(`DELETE FROM usage_intervals`);
    await ds.query(`DELETE FROM billing_reconciliations`);
    // Stripe's clock is the tests' (their intervals are in May 2024): its 35-day and 24-hour rules hold.
    stripeNow = STRIPE_NOW;
    fake = await startFakeStripe({ now: () => stripeNow });
    gateway = new StripeGateway({
      secretKey: fake.secretKey,
      host: fake.host,
      port: fake.port,
      protocol: 'http',
    });
    worker = new BillingWorker(ds, gateway, log, { batch: 100, summarySettleMs: 0 });
  });

  afterEach(async () => {
    fake.setDown(false);
    await fake.stop();
  });

  async function tenant(name = 'acme'): Promise<string> {
    const id = newId('ten');
    await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, $2, 'active')`, [id, name]);
    return id;
  }

  async function insert(i: NewInterval): Promise<string> {
    const id = usageIntervalId(i.resourceId, i.meter, i.startedAt);
    const resourceType =
      i.resourceType ??
      (i.meter === 'volume.gib'
        ? 'volume'
        : i.meter === 'snapshot.gib'
          ? 'snapshot'
          : i.meter === 'fip'
            ? 'floating_ip'
            : 'container');
    await ds.query(
      `INSERT INTO usage_intervals
         (id, tenant_id, resource_type, resource_id, meter, quantity, started_at, ended_at, min_seconds,
          stripe_value, stripe_sent_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())`,
      [
        id,
        i.tenantId,
        resourceType,
        i.resourceId,
        i.meter,
        i.quantity ?? 1,
        i.startedAt,
        i.endedAt,
        i.minSeconds ?? 0,
        i.sentValue ?? null,
        i.sentValue === undefined ? null : new Date(),
      ],
    );
    return id;
  }

  async function rowsOf(resourceId: string): Promise<Row[]> {
    return ds.query(`SELECT * FROM usage_intervals WHERE resource_id = $1 ORDER BY started_at`, [resourceId]);
  }

  async function row(id: string): Promise<Row> {
    const rows: Row[] = await ds.query(`SELECT * FROM usage_intervals WHERE id = $1`, [id]);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  async function allRows(): Promise<Row[]> {
    return ds.query(`SELECT * FROM usage_intervals ORDER BY id`);
  }

  async function customerOf(tenantId: string): Promise<string | null> {
    const rows: { stripe_customer_id: string | null }[] = await ds.query(
      `SELECT stripe_customer_id FROM tenants WHERE id = $1`,
      [tenantId],
    );
    return rows[0]?.stripe_customer_id ?? null;
  }

  /** What sendOne would send for a closed row: totalUnits of it. */
  function unitsOf(r: Row): number {
    if (r.ended_at === null) throw new Error('closed rows only');
    return totalUnits({
      id: r.id,
      resourceType: r.resource_type as UsageResourceType,
      resourceId: r.resource_id,
      meter: r.meter as UsageMeter,
      quantity: r.quantity,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      minSeconds: r.min_seconds,
    });
  }

  /** A tenant with one closed container minute (May 1, 09:00-09:01) and a Stripe customer for it. */
  async function closedIntervalWithCustomer(): Promise<{ tenantId: string; id: string }> {
    const tenantId = await tenant();
    const id = await insert({
      tenantId,
      resourceId: newId('ctr'),
      meter: cm(),
      startedAt: t('2024-05-01T09:00:00Z'),
      endedAt: t('2024-05-01T09:01:00Z'),
    });
    await worker.ensureCustomers();
    return { tenantId, id };
  }

  const meterEventCalls = (): number =>
    fake.calls.filter((c) => c.method === 'POST' && c.path === '/v1/billing/meter_events').length;

  describe('the usage table', () => {
    it('takes every meter berth prices, and refuses any other (which no pass could rate or send)', async () => {
      const t = await tenant();
      const start = new Date('2026-05-01T00:00:00Z');
      for (const meter of USAGE_METERS) {
        await insert({ tenantId: t, resourceId: `r-${meter}`, meter, startedAt: start, endedAt: null });
      }
      await expect(
        insert({
          tenantId: t,
          resourceId: 'r-x',
          meter: 'container.xl' as UsageMeter,
          startedAt: start,
          endedAt: null,
        }),
      ).rejects.toThrow(/usage_intervals_meter_check/);
      await expect(
        insert({
          tenantId: t,
          resourceId: 'r-y',
          meter: 'fip',
          resourceType: 'router' as UsageResourceType,
          startedAt: start,
          endedAt: null,
        }),
      ).rejects.toThrow(/usage_intervals_resource_type_check/);
    });
  });

  describe('roll', () => {
    const BOUNDARY = t('2024-05-01T10:00:00.000Z');
    const NOW = t('2024-05-01T10:20:00.000Z');

    it('cuts an open interval at the last hour boundary, carrying the rest of its minimum', async () => {
      const ten = await tenant();
      const ctr = newId('ctr');
      const startedAt = t('2024-05-01T09:59:57.000Z'); // 3 s before the boundary
      const first = await insert({
        tenantId: ten,
        resourceId: ctr,
        meter: cm(),
        startedAt,
        endedAt: null,
        minSeconds: 10,
      });

      expect(await worker.roll(NOW)).toBe(1);

      const continuation = usageIntervalId(ctr, cm(), BOUNDARY);
      const rows = await rowsOf(ctr);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({
        id: first,
        tenant_id: ten,
        resource_type: 'container',
        meter: 'container.s1',
        quantity: 1,
        started_at: startedAt,
        ended_at: BOUNDARY,
        min_seconds: 0,
        stripe_sent_at: null,
      });
      expect(rows[1]).toMatchObject({
        id: continuation,
        tenant_id: ten,
        resource_type: 'container',
        resource_id: ctr,
        meter: 'container.s1',
        quantity: 1,
        started_at: BOUNDARY,
        ended_at: null,
        min_seconds: 7,
        stripe_sent_at: null,
        stripe_value: null,
      });
      // The closed part bills its own 3 s; the continuation at least the 7 s left of the start's 10.
      expect(unitsOf(rows[0]!)).toBe(3);
    });

    it('rounds the part before the cut up to whole seconds when carrying the minimum', async () => {
      const ten = await tenant();
      const ctr = newId('ctr');
      await insert({
        tenantId: ten,
        resourceId: ctr,
        meter: cm(),
        startedAt: t('2024-05-01T09:59:57.500Z'), // 2.5 s before: bills 3 s
        endedAt: null,
        minSeconds: 10,
      });
      expect(await worker.roll(NOW)).toBe(1);
      const rows = await rowsOf(ctr);
      expect(unitsOf(rows[0]!)).toBe(3);
      expect(rows[1]).toMatchObject({ started_at: BOUNDARY, min_seconds: 7 });
    });

    it('is idempotent: a second pass changes nothing', async () => {
      const ten = await tenant();
      const ctr = newId('ctr');
      await insert({
        tenantId: ten,
        resourceId: ctr,
        meter: cm(),
        startedAt: t('2024-05-01T09:59:57.000Z'),
        endedAt: null,
        minSeconds: 10,
      });
      expect(await worker.roll(NOW)).toBe(1);
      const after = await allRows();
      expect(await worker.roll(NOW)).toBe(0);
      expect(await worker.roll(t('2024-05-01T10:59:59.999Z'))).toBe(0);
      expect(await allRows()).toEqual(after);
    });

    it('leaves intervals that started at or after the boundary, and closed ones, alone', async () => {
      const ten = await tenant();
      const late = newId('ctr');
      const atBoundary = newId('ctr');
      const closed = newId('ctr');
      await insert({
        tenantId: ten,
        resourceId: late,
        meter: cm(),
        startedAt: t('2024-05-01T10:05:00Z'),
        endedAt: null,
        minSeconds: 10,
      });
      await insert({
        tenantId: ten,
        resourceId: atBoundary,
        meter: cm(),
        startedAt: BOUNDARY,
        endedAt: null,
        minSeconds: 10,
      });
      await insert({
        tenantId: ten,
        resourceId: closed,
        meter: cm(),
        startedAt: t('2024-05-01T09:59:00Z'),
        endedAt: t('2024-05-01T10:01:00Z'),
        minSeconds: 10,
      });
      const before = await allRows();
      expect(await worker.roll(NOW)).toBe(0);
      expect(await allRows()).toEqual(before);
    });

    it('cuts a long-running interval once, at the last boundary, keeping its quantity', async () => {
      const ten = await tenant();
      const vol = newId('vol');
      const startedAt = t('2024-05-01T07:30:00Z');
      await insert({
        tenantId: ten,
        resourceId: vol,
        meter: 'volume.gib',
        quantity: 20,
        startedAt,
        endedAt: null,
      });
      const ctr = newId('ctr');
      await insert({
        tenantId: ten,
        resourceId: ctr,
        meter: cm('m2'),
        startedAt: t('2024-05-01T08:00:00Z'),
        endedAt: null,
        minSeconds: 10,
      });

      expect(await worker.roll(NOW)).toBe(2);

      const vrows = await rowsOf(vol);
      expect(vrows).toHaveLength(2);
      expect(vrows[0]).toMatchObject({
        started_at: startedAt,
        ended_at: BOUNDARY,
        quantity: 20,
        min_seconds: 0,
      });
      expect(vrows[1]).toMatchObject({
        id: usageIntervalId(vol, 'volume.gib', BOUNDARY),
        resource_type: 'volume',
        started_at: BOUNDARY,
        ended_at: null,
        quantity: 20,
        min_seconds: 0,
      });
      expect(unitsOf(vrows[0]!)).toBe(20 * 2.5 * 3600);
      // Two hours in, nothing of the minimum is left for the continuation.
      const crows = await rowsOf(ctr);
      expect(crows[1]).toMatchObject({ meter: 'container.m2', started_at: BOUNDARY, min_seconds: 0 });
    });

    it('cuts again at the next boundary', async () => {
      const ten = await tenant();
      const ctr = newId('ctr');
      await insert({
        tenantId: ten,
        resourceId: ctr,
        meter: cm(),
        startedAt: t('2024-05-01T09:59:58Z'),
        endedAt: null,
        minSeconds: 10,
      });
      expect(await worker.roll(NOW)).toBe(1);
      expect(await worker.roll(t('2024-05-01T11:00:00Z'))).toBe(1);
      const rows = await rowsOf(ctr);
      expect(
        rows.map((r) => [r.started_at.toISOString(), r.ended_at?.toISOString() ?? null, r.min_seconds]),
      ).toEqual([
        ['2024-05-01T09:59:58.000Z', '2024-05-01T10:00:00.000Z', 0],
        ['2024-05-01T10:00:00.000Z', '2024-05-01T11:00:00.000Z', 0],
        ['2024-05-01T11:00:00.000Z', null, 0],
      ]);
      expect(rows[2]!.id).toBe(usageIntervalId(ctr, cm(), t('2024-05-01T11:00:00Z')));
      // 2 s + 3600 s: more than the minimum, which the continuation carried (8) and used up.
      expect(unitsOf(rows[0]!) + unitsOf(rows[1]!)).toBe(3602);
    });

    it('makes a short start bill exactly its minimum in total across the cut', async () => {
      const ten = await tenant();
      const ctr = newId('ctr');
      await insert({
        tenantId: ten,
        resourceId: ctr,
        meter: cm(),
        startedAt: t('2024-05-01T09:59:57Z'),
        endedAt: null,
        minSeconds: 10,
      });
      await worker.roll(NOW);
      // The container stops 1 s after the boundary.
      await ds.query(`UPDATE usage_intervals SET ended_at = $2 WHERE id = $1`, [
        usageIntervalId(ctr, cm(), BOUNDARY),
        t('2024-05-01T10:00:01Z'),
      ]);
      const rows = await rowsOf(ctr);
      expect(rows.map(unitsOf)).toEqual([3, 7]);

      expect(await worker.ensureCustomers()).toBe(1);
      expect(await worker.sendBatch()).toEqual({ sent: 2, duplicates: 0, deadLettered: 0, error: null });
      const values = fake
        .meterEvents()
        .filter((e) => rows.some((r) => r.id === e.identifier))
        .map((e) => e.value);
      expect(values.sort((a, b) => a - b)).toEqual([3, 7]);
    });
  });

  describe('ensureCustomers', () => {
    it('creates one customer per tenant with unsent closed usage, and stores it', async () => {
      const a = await tenant('tenant a');
      const b = await tenant('tenant b');
      const openOnly = await tenant('open only');
      const sentOnly = await tenant('sent only');
      const idle = await tenant('idle');
      const start = t('2024-05-01T09:00:00Z');
      const end = t('2024-05-01T09:01:00Z');
      await insert({ tenantId: a, resourceId: newId('ctr'), meter: cm(), startedAt: start, endedAt: end });
      await insert({ tenantId: a, resourceId: newId('ctr'), meter: cm(), startedAt: start, endedAt: end });
      await insert({ tenantId: b, resourceId: newId('fip'), meter: 'fip', startedAt: start, endedAt: end });
      await insert({
        tenantId: openOnly,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: start,
        endedAt: null,
      });
      await insert({
        tenantId: sentOnly,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: start,
        endedAt: end,
        sentValue: 60,
      });

      expect(await worker.ensureCustomers()).toBe(2);

      const customers = fake.customers();
      expect(customers).toHaveLength(2);
      const ca = await customerOf(a);
      const cb = await customerOf(b);
      expect(ca).toMatch(/^cus_/);
      expect(cb).toMatch(/^cus_/);
      expect(ca).not.toBe(cb);
      expect(customers.find((c) => c.id === ca)).toMatchObject({
        name: 'tenant a',
        metadata: { berth_tenant_id: a },
      });
      expect(customers.find((c) => c.id === cb)).toMatchObject({
        name: 'tenant b',
        metadata: { berth_tenant_id: b },
      });
      for (const other of [openOnly, sentOnly, idle]) expect(await customerOf(other)).toBeNull();

      // Idempotent: nothing more to create.
      expect(await worker.ensureCustomers()).toBe(0);
      expect(fake.customers()).toHaveLength(2);
      expect(await customerOf(a)).toBe(ca);
    });

    it('skips a tenant that has a customer already', async () => {
      const a = await tenant();
      await ds.query(`UPDATE tenants SET stripe_customer_id = $2 WHERE id = $1`, [a, `cus_existing_${a}`]);
      await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-01T09:00:00Z'),
        endedAt: t('2024-05-01T09:01:00Z'),
      });
      expect(await worker.ensureCustomers()).toBe(0);
      expect(fake.customers()).toEqual([]);
      expect(await customerOf(a)).toBe(`cus_existing_${a}`);
    });

    it('does nothing without Stripe', async () => {
      const a = await tenant();
      await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-01T09:00:00Z'),
        endedAt: t('2024-05-01T09:01:00Z'),
      });
      const ledgerOnly = new BillingWorker(ds, null, log, { batch: 100, summarySettleMs: 0 });
      expect(await ledgerOnly.ensureCustomers()).toBe(0);
      expect(await ledgerOnly.sendBatch()).toEqual({ sent: 0, duplicates: 0, deadLettered: 0, error: null });
      expect(await customerOf(a)).toBeNull();
      expect(fake.calls).toEqual([]);
    });
  });

  describe('sendBatch', () => {
    it('sends each closed unsent interval once, identified by its id, valued at its units', async () => {
      const a = await tenant('a');
      const b = await tenant('b');
      const ids = [
        // 100 s of s1 (more than the minimum)
        await insert({
          tenantId: a,
          resourceId: newId('ctr'),
          meter: cm(),
          startedAt: t('2024-05-01T09:00:00Z'),
          endedAt: t('2024-05-01T09:01:40Z'),
          minSeconds: 10,
        }),
        // 3 s start: its minimum, 10
        await insert({
          tenantId: b,
          resourceId: newId('ctr'),
          meter: cm('l3'),
          startedAt: t('2024-05-01T09:10:00Z'),
          endedAt: t('2024-05-01T09:10:03Z'),
          minSeconds: 10,
        }),
        // 20 GB for 60.5 s: 20 x 61 GB-seconds
        await insert({
          tenantId: a,
          resourceId: newId('vol'),
          meter: 'volume.gib',
          quantity: 20,
          startedAt: t('2024-05-01T09:00:00.000Z'),
          endedAt: t('2024-05-01T09:01:00.500Z'),
        }),
        await insert({
          tenantId: b,
          resourceId: newId('fip'),
          meter: 'fip',
          startedAt: t('2024-05-01T08:00:00Z'),
          endedAt: t('2024-05-01T09:00:00Z'),
        }),
      ];
      const expectedValues = [100, 10, 1220, 3600];
      // Not sent: still open.
      const open = await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-01T09:30:00Z'),
        endedAt: null,
        minSeconds: 10,
      });

      await worker.ensureCustomers();
      const customers = new Map([
        [a, await customerOf(a)],
        [b, await customerOf(b)],
      ]);
      const before = Date.now();
      expect(await worker.sendBatch()).toEqual({ sent: 4, duplicates: 0, deadLettered: 0, error: null });

      const events = fake.meterEvents();
      expect(events).toHaveLength(4);
      expect(fake.rejectedDuplicates()).toEqual([]);
      for (const [k, id] of ids.entries()) {
        const r = await row(id);
        expect(unitsOf(r)).toBe(expectedValues[k]);
        const sent = events.filter((e) => e.identifier === id);
        expect(sent).toEqual([
          {
            identifier: id,
            event_name: stripeEventName(r.meter as UsageMeter),
            customer: customers.get(r.tenant_id),
            value: expectedValues[k],
            timestamp: Math.floor(r.ended_at!.getTime() / 1000),
          },
        ]);
        expect(r.stripe_value).toBe(String(expectedValues[k]));
        expect(r.stripe_sent_at).toBeInstanceOf(Date);
        expect(r.stripe_sent_at!.getTime()).toBeGreaterThanOrEqual(before - 60_000);
      }
      expect(await row(open)).toMatchObject({ stripe_sent_at: null, stripe_value: null });

      // A second pass finds nothing to send and sends nothing.
      const calls = meterEventCalls();
      expect(await worker.sendBatch()).toEqual({ sent: 0, duplicates: 0, deadLettered: 0, error: null });
      expect(meterEventCalls()).toBe(calls);
      expect(fake.meterEvents()).toHaveLength(4);
    });

    it('makes the billing meters once, one per berth meter', async () => {
      const a = await tenant();
      await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-01T09:00:00Z'),
        endedAt: t('2024-05-01T09:01:00Z'),
      });
      await worker.ensureCustomers();
      await worker.sendBatch();
      await worker.sendBatch();
      const names = fake.meters().map((m) => m.event_name);
      expect(names).toHaveLength(13);
      expect(new Set(names).size).toBe(13);
      expect(names).toContain('berth_container_s1_seconds');
      expect(names).toContain('berth_volume_gb_seconds');
      expect(names).toContain('berth_snapshot_gb_seconds');
      expect(names).toContain('berth_fip_seconds');
    });

    it('sends in batches of the configured size', async () => {
      const a = await tenant();
      const ids: string[] = [];
      for (let k = 0; k < 5; k++) {
        ids.push(
          await insert({
            tenantId: a,
            resourceId: newId('ctr'),
            meter: cm(),
            startedAt: t(`2024-05-01T09:0${k}:00Z`),
            endedAt: t(`2024-05-01T09:0${k}:30Z`),
          }),
        );
      }
      const small = new BillingWorker(ds, gateway, log, { batch: 2, summarySettleMs: 0 });
      await small.ensureCustomers();
      expect(await small.sendBatch()).toEqual({ sent: 2, duplicates: 0, deadLettered: 0, error: null });
      expect(await small.sendBatch()).toEqual({ sent: 2, duplicates: 0, deadLettered: 0, error: null });
      expect(await small.sendBatch()).toEqual({ sent: 1, duplicates: 0, deadLettered: 0, error: null });
      expect(await small.sendBatch()).toEqual({ sent: 0, duplicates: 0, deadLettered: 0, error: null });
      // Oldest first (by ended_at).
      expect(fake.meterEvents().map((e) => e.identifier)).toEqual(ids);
    });

    it('leaves intervals of a tenant without a customer for later', async () => {
      const a = await tenant();
      const id = await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-01T09:00:00Z'),
        endedAt: t('2024-05-01T09:01:00Z'),
      });
      expect(await worker.sendBatch()).toEqual({ sent: 0, duplicates: 0, deadLettered: 0, error: null });
      expect((await row(id)).stripe_sent_at).toBeNull();
      await worker.ensureCustomers();
      expect(await worker.sendBatch()).toEqual({ sent: 1, duplicates: 0, deadLettered: 0, error: null });
    });

    it('treats an identifier Stripe already has as sent, without a second event', async () => {
      const a = await tenant();
      const id = await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-01T09:00:00Z'),
        endedAt: t('2024-05-01T09:00:42Z'),
        minSeconds: 10,
      });
      await worker.ensureCustomers();
      const customer = (await customerOf(a))!;
      // An earlier attempt got through to Stripe; its acknowledgement never reached Postgres.
      await gateway.ensureMeters();
      expect(
        await gateway.sendMeterEvent({
          identifier: id,
          meter: cm(),
          customer,
          value: 42,
          timestamp: Math.floor(t('2024-05-01T09:00:42Z').getTime() / 1000),
        }),
      ).toBe('sent');
      expect(fake.meterEvents()).toHaveLength(1);

      expect(await worker.sendBatch()).toEqual({ sent: 0, duplicates: 1, deadLettered: 0, error: null });

      expect(fake.meterEvents()).toHaveLength(1);
      expect(fake.rejectedDuplicates()).toEqual([id]);
      const r = await row(id);
      expect(r.stripe_sent_at).toBeInstanceOf(Date);
      expect(r.stripe_value).toBe('42');
      // And it is not tried again.
      expect(await worker.sendBatch()).toEqual({ sent: 0, duplicates: 0, deadLettered: 0, error: null });
      expect(fake.rejectedDuplicates()).toEqual([id]);
    });

    it('returns an error and leaves the rows unsent while Stripe is down, then sends them', async () => {
      const a = await tenant();
      const ids = [
        await insert({
          tenantId: a,
          resourceId: newId('ctr'),
          meter: cm(),
          startedAt: t('2024-05-01T09:00:00Z'),
          endedAt: t('2024-05-01T09:01:00Z'),
        }),
        await insert({
          tenantId: a,
          resourceId: newId('vol'),
          meter: 'volume.gib',
          quantity: 5,
          startedAt: t('2024-05-01T09:00:00Z'),
          endedAt: t('2024-05-01T09:02:00Z'),
        }),
      ];
      await worker.ensureCustomers();
      // An earlier pass (with nothing to send) found the meters; then Stripe goes down.
      await gateway.ensureMeters();
      fake.setDown('503');

      const r = await worker.sendBatch();
      expect(r.sent).toBe(0);
      expect(r.duplicates).toBe(0);
      expect(r.error).toEqual(expect.stringMatching(/unavailable/));
      for (const id of ids) expect(await row(id)).toMatchObject({ stripe_sent_at: null, stripe_value: null });
      expect(fake.meterEvents()).toEqual([]);
      expect(fake.calls.some((c) => c.path === '/v1/billing/meter_events' && c.status === 503)).toBe(true);

      fake.setDown(false);
      expect(await worker.sendBatch()).toEqual({ sent: 2, duplicates: 0, deadLettered: 0, error: null });
      expect(fake.meterEvents().map((e) => e.value)).toEqual([60, 600]);
      for (const id of ids) expect((await row(id)).stripe_sent_at).toBeInstanceOf(Date);
    });

    async function deadLetters(): Promise<
      { interval_id: string; reason: string; stripe_status: number | null; value: string; message: string }[]
    > {
      return ds.query(
        `SELECT interval_id, reason, stripe_status, value, message FROM billing_dead_letters ORDER BY id`,
      );
    }

    it('gives an event Stripe refuses for good (older than its 35 days) to the operator, and sends the rest', async () => {
      const a = await tenant();
      // Ended 40 days before Stripe's clock: Stripe refuses its timestamp, today and every day after.
      const tooOld = await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-03-31T09:00:00Z'),
        endedAt: t('2024-03-31T09:00:30Z'),
      });
      const fine = await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-01T09:00:00Z'),
        endedAt: t('2024-05-01T09:01:00Z'),
      });
      await worker.ensureCustomers();
      expect(await worker.sendBatch()).toEqual({ sent: 1, duplicates: 0, deadLettered: 1, error: null });
      expect(fake.meterEvents().map((e) => e.identifier)).toEqual([fine]);
      expect(await deadLetters()).toEqual([
        {
          interval_id: tooOld,
          reason: 'refused',
          stripe_status: 400,
          value: '30',
          message: expect.stringMatching(/35 calendar days/),
        },
      ]);
      expect((await row(tooOld)).stripe_sent_at).toBeNull();
      // Not tried again, and not counted as waiting.
      const calls = meterEventCalls();
      expect(await worker.sendBatch()).toEqual({ sent: 0, duplicates: 0, deadLettered: 0, error: null });
      expect(meterEventCalls()).toBe(calls);
      expect((await worker.reconcile(new Date(STRIPE_NOW))).unsent).toBe(0);
    });

    it('never sends again an interval first tried longer ago than Stripe keeps identifiers', async () => {
      const { id } = await closedIntervalWithCustomer();
      // Tried 25 hours ago (by the database's clock) and never acknowledged: Stripe may hold it, and a
      // second event with its identifier would now be counted again.
      await ds.query(
        `UPDATE usage_intervals SET stripe_first_attempt_at = now() - interval '25 hours' WHERE id = $1`,
        [id],
      );
      expect(await worker.sendBatch()).toEqual({ sent: 0, duplicates: 0, deadLettered: 1, error: null });
      expect(meterEventCalls()).toBe(0);
      expect(await deadLetters()).toEqual([
        expect.objectContaining({ interval_id: id, reason: 'identifier_window_passed', stripe_status: null }),
      ]);
    });

    it('records the first attempt before sending, so a retry within the window is recognised as one', async () => {
      const { id } = await closedIntervalWithCustomer();
      await gateway.ensureMeters(); // an earlier pass found the meters; then Stripe goes down
      fake.setDown('503');
      expect((await worker.sendBatch()).error).toEqual(expect.stringMatching(/unavailable/));
      expect(meterEventCalls()).toBe(1);
      const first = (await row(id)).stripe_first_attempt_at;
      expect(first).toBeInstanceOf(Date);
      fake.setDown(false);
      expect(await worker.sendBatch()).toEqual({ sent: 1, duplicates: 0, deadLettered: 0, error: null });
      // The first attempt stays the first: the window is counted from it, not from the retry.
      expect((await row(id)).stripe_first_attempt_at).toEqual(first);
    });
  });

  describe('ensureSubscriptions', () => {
    beforeEach(async () => {
      // Earlier tests' customers live in earlier Stripes: each test here starts from none.
      await ds.query(`UPDATE tenants SET stripe_customer_id = NULL, stripe_subscription_id = NULL`);
    });

    async function subscriptionOf(tenantId: string): Promise<string | null> {
      const [r] = await ds.query<{ stripe_subscription_id: string | null }[]>(
        `SELECT stripe_subscription_id FROM tenants WHERE id = $1`,
        [tenantId],
      );
      return r?.stripe_subscription_id ?? null;
    }

    const customerWithUsage = async (): Promise<string> => (await closedIntervalWithCustomer()).tenantId;

    it("makes a product and a metered price per meter at berth's prices, and subscribes a tenant to all, once", async () => {
      const a = await customerWithUsage();
      expect(await worker.ensureSubscriptions()).toBe(1);
      expect(await worker.ensureSubscriptions()).toBe(0);
      expect(
        fake
          .products()
          .map((p) => p.id)
          .sort(),
      ).toEqual(USAGE_METERS.map((m) => `berth_${m.replace('.gib', '_gb').replace('.', '_')}`).sort());
      const prices = fake.prices();
      expect(prices).toHaveLength(USAGE_METERS.length);
      const meters = new Map(fake.meters().map((m) => [m.id, m.event_name]));
      for (const meter of USAGE_METERS) {
        const { decimal } = stripeUnitAmountDecimal(meter);
        const price = prices.find((p) => p.lookup_key === priceLookupKey(meter, decimal));
        expect(price).toMatchObject({
          currency: 'usd',
          unit_amount_decimal: decimal,
          recurring: { interval: 'month', usage_type: 'metered' },
        });
        expect(meters.get(price!.recurring!.meter!)).toBe(stripeEventName(meter));
      }
      const subscription = await subscriptionOf(a);
      expect(fake.subscriptions()).toEqual([
        {
          id: subscription,
          customer: await customerOf(a),
          status: 'active',
          prices: expect.arrayContaining(prices.map((p) => p.id)),
        },
      ]);
      expect(fake.subscriptions()[0]!.prices).toHaveLength(USAGE_METERS.length);
    });

    it('replaces a subscription canceled at Stripe, and records the new one', async () => {
      const a = await customerWithUsage();
      await worker.ensureSubscriptions();
      const first = (await subscriptionOf(a))!;
      const stripe = new Stripe(fake.secretKey, { host: fake.host, port: fake.port, protocol: 'http' });
      await stripe.subscriptions.cancel(first);
      expect(await worker.ensureSubscriptions()).toBe(0); // only repair passes look at existing ones
      expect(await worker.ensureSubscriptions(true)).toBe(1);
      const second = await subscriptionOf(a);
      expect(second).not.toBe(first);
      expect(fake.subscriptions().map((s) => [s.id, s.status])).toEqual([
        [first, 'canceled'],
        [second, 'active'],
      ]);
    });

    it('moves an item back to the current price, keeping the other price as it was (never edited)', async () => {
      const a = await customerWithUsage();
      await worker.ensureSubscriptions();
      const stripe = new Stripe(fake.secretKey, { host: fake.host, port: fake.port, protocol: 'http' });
      const sub = await stripe.subscriptions.retrieve((await subscriptionOf(a))!);
      const item = sub.items.data.find((i) => i.price.lookup_key?.startsWith('berth_container.s1_'))!;
      // As if s1's price had been another one when the tenant subscribed.
      const old = await stripe.prices.create({
        product: item.price.product as string,
        currency: 'usd',
        unit_amount_decimal: Stripe.Decimal.from('0.00003'),
        recurring: { interval: 'month', usage_type: 'metered', meter: item.price.recurring!.meter! },
        lookup_key: 'berth_container.s1_0.00003',
      });
      await stripe.subscriptionItems.update(item.id, { price: old.id });
      expect(await worker.ensureSubscriptions(true)).toBe(0);
      const after = await stripe.subscriptions.retrieve(sub.id);
      expect(after.items.data.find((i) => i.id === item.id)!.price.id).toBe(item.price.id);
      expect(fake.prices().find((p) => p.id === old.id)).toMatchObject({
        unit_amount_decimal: '0.00003',
        active: true,
      });
    });
  });

  describe('reconcile', () => {
    // Intervals end inside May; `now` two minutes later, so the minute-aligned window [May 1, 10:01)
    // holds them (the last minute is left out).
    const ENDED = t('2024-05-10T10:00:00Z');
    const NOW = t('2024-05-10T10:02:05Z');
    const WINDOW_END = t('2024-05-10T10:01:00Z');

    async function reconciliations(): Promise<
      { window_start: Date; window_end: Date; checked: number; unsettled: number; drift: unknown }[]
    > {
      return ds.query(
        `SELECT window_start, window_end, checked, unsettled, drift FROM billing_reconciliations ORDER BY id`,
      );
    }

    it('records a pass with no drift when Stripe summed what it acknowledged, on minute-aligned windows', async () => {
      const a = await tenant();
      await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-10T09:58:20Z'),
        endedAt: ENDED,
        minSeconds: 10,
      });
      await insert({
        tenantId: a,
        resourceId: newId('vol'),
        meter: 'volume.gib',
        quantity: 3,
        startedAt: t('2024-05-10T09:00:00Z'),
        endedAt: ENDED,
      });
      await worker.ensureCustomers();
      expect(await worker.sendBatch()).toEqual({ sent: 2, duplicates: 0, deadLettered: 0, error: null });

      expect(await worker.reconcile(NOW)).toEqual({ checked: 2, unsettled: 0, unsent: 0, drift: [] });
      expect(await reconciliations()).toEqual([
        {
          window_start: t('2024-05-01T00:00:00Z'),
          window_end: WINDOW_END,
          checked: 2,
          unsettled: 0,
          drift: [],
        },
      ]);
      // The summaries were asked on minute boundaries (the fake refuses any other, as Stripe does).
      const asked = fake.calls.filter((c) => c.path.endsWith('/event_summaries'));
      expect(asked).toHaveLength(2);
      for (const c of asked) expect(c.status).toBe(200);
      expect(fake.rejectedDuplicates()).toEqual([]);
    });

    it('records a deficit for the operator and sends nothing again (never twice)', async () => {
      const a = await tenant();
      const sent = await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-10T09:58:20Z'),
        endedAt: ENDED,
        minSeconds: 10,
      });
      await worker.ensureCustomers();
      expect(await worker.sendBatch()).toEqual({ sent: 1, duplicates: 0, deadLettered: 0, error: null });
      // Marked acknowledged in Postgres, but Stripe does not count it (lost, or summed late).
      await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-10T09:30:00Z'),
        endedAt: t('2024-05-10T09:30:30Z'),
        minSeconds: 10,
        sentValue: 30,
      });
      const calls = meterEventCalls();
      const drift = [{ tenantId: a, meter: 'container.s1', postgres: 130, stripe: 100 }];
      expect(await worker.reconcile(NOW)).toEqual({ checked: 1, unsettled: 0, unsent: 0, drift });
      expect(await worker.reconcile(NOW)).toEqual({ checked: 1, unsettled: 0, unsent: 0, drift });
      expect(meterEventCalls()).toBe(calls);
      expect(fake.meterEvents().map((e) => e.identifier)).toEqual([sent]);
      expect((await reconciliations()).map((r) => r.drift)).toEqual([drift, drift]);
    });

    it('leaves a pair whose events Stripe may not have summed yet for a later pass', async () => {
      // Stripe's summaries lag by a minute here; the worker allows two.
      await fake.stop();
      fake = await startFakeStripe({ now: () => stripeNow, summaryLagMs: 60_000 });
      gateway = new StripeGateway({
        secretKey: fake.secretKey,
        host: fake.host,
        port: fake.port,
        protocol: 'http',
      });
      const patient = new BillingWorker(ds, gateway, log, { batch: 100, summarySettleMs: 120_000 });
      const a = await tenant();
      await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-10T09:58:20Z'),
        endedAt: ENDED,
        minSeconds: 10,
      });
      await patient.ensureCustomers();
      expect((await patient.sendBatch()).sent).toBe(1);
      // Stripe has not summed it yet, and berth knows it may not have: no drift is recorded.
      expect(await gateway.summed(cm(), (await customerOf(a))!, t('2024-05-01T00:00:00Z'), WINDOW_END)).toBe(
        0,
      );
      expect(await patient.reconcile(NOW)).toEqual({ checked: 0, unsettled: 1, unsent: 0, drift: [] });
      // Once settled (acknowledged long enough ago, and summed at Stripe), the pair is compared.
      await ds.query(`UPDATE usage_intervals SET stripe_sent_at = stripe_sent_at - interval '3 minutes'`);
      stripeNow += 60_000;
      expect(await patient.reconcile(NOW)).toEqual({ checked: 1, unsettled: 0, unsent: 0, drift: [] });
    });

    it('leaves intervals that ended within the last minute, or before the month, out of the window', async () => {
      const a = await tenant();
      await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-05-10T10:01:00Z'),
        endedAt: t('2024-05-10T10:01:30Z'),
        minSeconds: 10,
        sentValue: 30,
      });
      await insert({
        tenantId: a,
        resourceId: newId('ctr'),
        meter: cm(),
        startedAt: t('2024-04-30T23:00:00Z'),
        endedAt: t('2024-04-30T23:59:59Z'),
        sentValue: 3599,
      });
      await ds.query(`UPDATE tenants SET stripe_customer_id = $2 WHERE id = $1`, [a, `cus_nowhere_${a}`]);
      expect(await worker.reconcile(NOW)).toEqual({ checked: 0, unsettled: 0, unsent: 0, drift: [] });
      expect(fake.meterEvents()).toEqual([]);
      expect(await reconciliations()).toEqual([
        expect.objectContaining({ checked: 0, unsettled: 0, drift: [] }),
      ]);
    });
  });
});
