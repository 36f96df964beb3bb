import { expectError } from '@berth/testing';
import { newId } from '@berth/domain';
import { InProcessApi, type TestTenant } from '../testing/in-process-api';

jest.setTimeout(60_000);

/**
 * What the operator reads of billing against Stripe (issue 16): the usage the worker gave up on
 * (`GET /v1/admin/billing/dead-letters`) and its reconciliation passes with their drift
 * (`GET /v1/admin/billing/reconciliations`). The worker writes both (billing-worker.int-spec.ts proves
 * how); here they are written as it writes them and read back through the API, operator only.
 */
describe('billing admin (in-process api)', () => {
  let api: InProcessApi;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await InProcessApi.start();
    tenant = await api.newTenant();
  });

  afterAll(async () => {
    await api?.close();
  });

  /** A closed interval of the tenant, dead-lettered as the worker does it. */
  async function deadLettered(reason: 'refused' | 'identifier_window_passed', n: number): Promise<string> {
    const intervalId = newId('use');
    await api.rows(
      `INSERT INTO usage_intervals (id, tenant_id, resource_type, resource_id, meter, quantity, started_at,
                                    ended_at, min_seconds, created_at, stripe_first_attempt_at,
                                    stripe_dead_lettered_at)
       VALUES ($1, $2, 'container', $3, 'container.s1', 1, now() - interval '1 hour', now() - interval '59 minutes',
               0, now(), now(), now())`,
      [intervalId, tenant.id, newId('ctr')],
    );
    const id = newId('bdl');
    await api.rows(
      `INSERT INTO billing_dead_letters (id, interval_id, tenant_id, meter, value, event_timestamp, reason,
                                         stripe_status, stripe_code, message)
       VALUES ($1, $2, $3, 'container.s1', $4, now() - interval '59 minutes', $5, $6, NULL, $7)`,
      [
        id,
        intervalId,
        tenant.id,
        n,
        reason,
        reason === 'refused' ? 400 : null,
        reason === 'refused' ? 'timestamp is too far in the past' : 'first sent more than 23 hours ago',
      ],
    );
    return id;
  }

  it('lists dead letters newest first, a page at a time, with Stripe’s reason', async () => {
    const first = await deadLettered('refused', 30);
    const second = await deadLettered('identifier_window_passed', 60);
    const page1 = await api.operator.get('/v1/admin/billing/dead-letters?limit=1');
    expect(page1.status).toBe(200);
    expect(page1.body.data).toEqual([
      expect.objectContaining({
        id: second,
        tenantId: tenant.id,
        meter: 'container.s1',
        value: 60,
        reason: 'identifier_window_passed',
        stripeStatus: null,
        message: 'first sent more than 23 hours ago',
      }),
    ]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await api.operator.get(
      `/v1/admin/billing/dead-letters?limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
    );
    expect(page2.body.data).toEqual([
      expect.objectContaining({ id: first, reason: 'refused', stripeStatus: 400, value: 30 }),
    ]);
  });

  it('lists reconciliation passes, only those with drift when asked', async () => {
    const drift = [{ tenantId: tenant.id, meter: 'container.s1', postgres: 130, stripe: 100 }];
    await api.rows(
      `INSERT INTO billing_reconciliations (ran_at, window_start, window_end, checked, resent, unsettled, drift)
       VALUES (now(), '2026-12-01T00:00:00Z', '2026-12-07T10:00:00Z', 3, 0, 1, $1),
              (now(), '2026-12-01T00:00:00Z', '2026-12-07T10:01:00Z', 3, 0, 0, '[]')`,
      [JSON.stringify(drift)],
    );
    const all = await api.operator.get('/v1/admin/billing/reconciliations?limit=2');
    expect(all.status).toBe(200);
    expect(all.body.data.map((p: { windowEnd: string }) => p.windowEnd)).toEqual([
      '2026-12-07T10:01:00.000Z',
      '2026-12-07T10:00:00.000Z',
    ]);
    const drifted = await api.operator.get('/v1/admin/billing/reconciliations?drift=true');
    expect(drifted.body.data).toEqual([
      expect.objectContaining({ checked: 3, unsettled: 1, drift, windowStart: '2026-12-01T00:00:00.000Z' }),
    ]);
  });

  it('is the operator’s only: a tenant key is refused, and bad queries are coded 400s', async () => {
    expectError(await tenant.http.get('/v1/admin/billing/dead-letters'), 401, 'auth/unauthenticated');
    expectError(
      await api.operator.get('/v1/admin/billing/dead-letters?cursor=nonsense'),
      400,
      'request/invalid',
    );
    expectError(
      await api.operator.get('/v1/admin/billing/reconciliations?drift=maybe'),
      400,
      'request/invalid',
    );
    expectError(await api.operator.get('/v1/admin/billing/reconciliations?limit=0'), 400, 'request/invalid');
  });
});
