import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  startFakeStripe,
  TestHttpClient,
  TestStack,
  waitFor,
  type FakeStripe,
  type RunningAgent,
} from '@berth/testing';

jest.setTimeout(180_000);

interface IntervalRow {
  id: string;
  tenant_id: string;
  resource_id: string;
  meter: string;
  started_at: Date;
  ended_at: Date | null;
  min_seconds: number;
  stripe_sent_at: Date | null;
  stripe_value: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Metering and billing end to end: the API, hosts, the billing worker and a local Stripe-compatible
 * server (libs/testing/src/fake-stripe.ts) driven through the official `stripe` package. Hosts run the
 * hollow simulation here, whose state reports (with the host's own clock) take the same path as a real
 * VM's; billing-microvm.e2e-spec.ts bills real microVMs and checks `berth usage`.
 */
describe('per-second metering and billing (api + hosts + billing worker + local Stripe)', () => {
  let stripe: FakeStripe;
  let stack: TestStack;
  let host: RunningAgent;
  let a: { id: string; http: TestHttpClient };
  let b: { id: string; http: TestHttpClient };

  beforeAll(async () => {
    stripe = await startFakeStripe();
    stack = new TestStack('billing', {
      BERTH_STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      BERTH_FIP_POOL: '198.51.100.0/29',
    });
    await stack.start();
    host = await stack.startAgent({ name: 'bill-host' });
    a = await stack.tenant('bill-a');
    b = await stack.tenant('bill-b');
    await stack.startBilling({ stripe });
  });

  afterAll(async () => {
    await stack.stop();
    await stripe.stop();
  });

  const intervalsOf = (resourceId: string) =>
    stack.sql<IntervalRow>(`SELECT * FROM usage_intervals WHERE resource_id = $1 ORDER BY started_at`, [
      resourceId,
    ]);

  async function runFor(tenant: TestHttpClient, size: string, ms: number, name?: string): Promise<any> {
    const res = await tenant.post('/v1/containers', { image: 'busybox', size, ...(name ? { name } : {}) });
    expect(res.status).toBe(202);
    await tenant.get(`/v1/operations/${res.body.operation.id}?wait=30`);
    const id = res.body.data.id as string;
    expect((await tenant.get(`/v1/containers/${id}`)).body.state).toBe('running');
    await sleep(ms);
    const stop = await tenant.post(`/v1/containers/${id}/stop`);
    expect((await tenant.get(`/v1/operations/${stop.body.operation.id}?wait=30`)).body.state).toBe(
      'succeeded',
    );
    return (await tenant.get(`/v1/containers/${id}`)).body;
  }

  it('bills a container that ran N seconds for N seconds (±1) at its size’s price, by the host’s clock', async () => {
    const c = await runFor(a.http, 's2', 12_000, 'twelve');
    const ran = (Date.parse(c.finishedAt) - Date.parse(c.startedAt)) / 1000;
    expect(ran).toBeGreaterThan(11);
    expect(ran).toBeLessThan(14);
    const rows = await intervalsOf(c.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ meter: 'container.s2', tenant_id: a.id, min_seconds: 10 });
    // The interval is exactly the host's start and stop, as the container shows them.
    expect(rows[0]!.started_at.toISOString()).toBe(c.startedAt);
    expect(rows[0]!.ended_at!.toISOString()).toBe(c.finishedAt);

    const usage = await a.http.get('/v1/usage?groupBy=container');
    expect(usage.status).toBe(200);
    const line = usage.body.lines.find((l: { key: string }) => l.key === c.id);
    expect(line).toMatchObject({ label: 'twelve', resourceType: 'container', gbSeconds: 0 });
    expect(Math.abs(line.seconds - ran)).toBeLessThanOrEqual(1);
    expect(line.seconds).toBe(Math.ceil(ran));
    expect(line.amountNanoUsd).toBe(line.seconds * 800);
    expect(line.amountUsd).toBe(((line.seconds * 800) / 1e9).toFixed(9));
  });

  it('bills a 3-second run as 10 seconds', async () => {
    const c = await runFor(a.http, 's1', 3_000, 'short');
    const usage = await a.http.get('/v1/usage?groupBy=container');
    const line = usage.body.lines.find((l: { key: string }) => l.key === c.id);
    expect(line.seconds).toBe(10);
    expect(line.amountNanoUsd).toBe(10 * 400);
  });

  it('makes one interval of a report delivered twice', async () => {
    const res = await a.http.post('/v1/containers', { image: 'busybox', size: 's1', name: 'twice' });
    await a.http.get(`/v1/operations/${res.body.operation.id}?wait=30`);
    const c = (await a.http.get(`/v1/containers/${res.body.data.id}`)).body;
    const identity = JSON.parse(readFileSync(path.join(host.stateDir, 'host.json'), 'utf8')) as {
      token: string;
    };
    const agent = new TestHttpClient(stack.apiUrl, identity.token);
    const report = { event: 'agent.running', at: c.startedAt, generation: c.generation };
    for (let i = 0; i < 2; i++) {
      const r = await agent.post(`/v1/agent/containers/${c.id}/events`, report);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ applied: false, state: 'running' });
    }
    const rows = await intervalsOf(c.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ended_at).toBeNull();
    const stop = await a.http.post(`/v1/containers/${c.id}/stop`);
    await a.http.get(`/v1/operations/${stop.body.operation.id}?wait=30`);
    // A late duplicate of the stop changes nothing either.
    const stopped = (await a.http.get(`/v1/containers/${c.id}`)).body;
    const again = await agent.post(`/v1/agent/containers/${c.id}/events`, {
      event: 'agent.stopped',
      at: stopped.finishedAt,
      generation: stopped.generation,
      exitCode: 0,
    });
    expect(again.body.applied).toBe(false);
    const after = await intervalsOf(c.id);
    expect(after).toHaveLength(1);
    expect(after[0]!.ended_at!.toISOString()).toBe(stopped.finishedAt);
  });

  it('shows what accrues now, second by second', async () => {
    const res = await b.http.post('/v1/containers', { image: 'busybox', size: 'm1', name: 'live-one' });
    await b.http.get(`/v1/operations/${res.body.operation.id}?wait=30`);
    const first = (await b.http.get('/v1/usage/live')).body;
    const item = first.items.find((i: { resourceId: string }) => i.resourceId === res.body.data.id);
    expect(item).toMatchObject({
      name: 'live-one',
      size: 'm1',
      ratePerSecondNanoUsd: 6000,
      resourceType: 'container',
    });
    expect(first.ratePerSecondNanoUsd).toBeGreaterThanOrEqual(6000);
    await sleep(12_000);
    const second = (await b.http.get('/v1/usage/live')).body;
    expect(second.accruedNanoUsd).toBeGreaterThan(first.accruedNanoUsd);
    const stop = await b.http.post(`/v1/containers/${res.body.data.id}/stop`);
    await b.http.get(`/v1/operations/${stop.body.operation.id}?wait=30`);
  });

  it('closes the interval of a container whose host died at the host’s last heartbeat', async () => {
    const doomed = await stack.startAgent({ name: 'doomed-host' });
    // Make the doomed host the only ready one, so the container lands there.
    await host.process.stop();
    await waitFor('bill-host to be lost', async () => {
      const hosts = (await stack.operator.get('/v1/admin/hosts')).body.data as {
        name: string;
        state: string;
      }[];
      return hosts.find((h) => h.name === 'bill-host')?.state === 'lost';
    });
    const res = await a.http.post('/v1/containers', { image: 'busybox', size: 's1', name: 'doomed' });
    await a.http.get(`/v1/operations/${res.body.operation.id}?wait=30`);
    expect((await a.http.get(`/v1/containers/${res.body.data.id}`)).body.state).toBe('running');
    host = await stack.startAgent({ name: 'bill-host' });
    await sleep(2_000);
    await doomed.process.kill();
    await waitFor('the container to be lost', async () => {
      return (await a.http.get(`/v1/containers/${res.body.data.id}`)).body.state === 'lost';
    });
    const [hostRow] = await stack.sql<{ last_heartbeat_host_at: Date }>(
      `SELECT last_heartbeat_host_at FROM hosts WHERE name = 'doomed-host'`,
    );
    const rows = await intervalsOf(res.body.data.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ended_at!.toISOString()).toBe(hostRow!.last_heartbeat_host_at.toISOString());
  });

  it('meters floating IPs from allocation to release', async () => {
    const fip = await b.http.post('/v1/fips', {});
    expect(fip.status).toBe(201);
    await sleep(1_200);
    expect((await b.http.delete(`/v1/fips/${fip.body.id}`)).status).toBe(200);
    const rows = await intervalsOf(fip.body.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ meter: 'fip', tenant_id: b.id });
    expect(rows[0]!.ended_at).not.toBeNull();
  });

  it('loses nothing while Stripe is down, and once it is back every event arrives exactly once', async () => {
    stripe.setDown('503');
    const down = await runFor(a.http, 's1', 1_000, 'during-outage-1');
    stripe.setDown('reset');
    const down2 = await runFor(b.http, 's3', 1_000, 'during-outage-2');
    await sleep(2_000);
    const failedCalls = stripe.calls.filter((c) => c.status !== 200).length;
    expect(failedCalls).toBeGreaterThan(0);
    for (const id of [down.id, down2.id]) expect((await intervalsOf(id))[0]!.stripe_sent_at).toBeNull();
    stripe.setDown(false);

    await waitFor(
      'every closed interval to reach Stripe',
      async () => {
        const unsent = await stack.sql(
          `SELECT id FROM usage_intervals WHERE ended_at IS NOT NULL AND stripe_sent_at IS NULL`,
        );
        return unsent.length === 0;
      },
      60_000,
    );
    const closed = await stack.sql<IntervalRow>(`SELECT * FROM usage_intervals WHERE ended_at IS NOT NULL`);
    const events = stripe.meterEvents();
    const accepted = events.map((e) => e.identifier);
    // Exactly once: every closed interval once, nothing else, no identifier twice.
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(accepted.sort()).toEqual(closed.map((r) => r.id).sort());
    for (const r of closed) {
      const e = events.find((x) => x.identifier === r.id)!;
      expect(e.value).toBe(Number(r.stripe_value));
    }
  });

  it("keeps two tenants' usage apart, in the API and at Stripe", async () => {
    const usageA = (await a.http.get('/v1/usage?groupBy=container')).body.lines.map(
      (l: { key: string }) => l.key,
    );
    const usageB = (await b.http.get('/v1/usage?groupBy=container')).body.lines.map(
      (l: { key: string }) => l.key,
    );
    expect(usageA.length).toBeGreaterThan(0);
    expect(usageB.length).toBeGreaterThan(0);
    expect(usageA.filter((k: string) => usageB.includes(k))).toEqual([]);
    const owners = await stack.sql<{ resource_id: string; tenant_id: string }>(
      `SELECT resource_id, tenant_id FROM usage_intervals`,
    );
    for (const k of usageA)
      expect(owners.filter((o) => o.resource_id === k).every((o) => o.tenant_id === a.id)).toBe(true);

    const customers = await stack.sql<{ id: string; stripe_customer_id: string }>(
      `SELECT id, stripe_customer_id FROM tenants WHERE id = ANY($1)`,
      [[a.id, b.id]],
    );
    const customerOf = new Map(customers.map((c) => [c.id, c.stripe_customer_id]));
    expect(customerOf.get(a.id)).not.toBe(customerOf.get(b.id));
    const byId = new Map(
      (await stack.sql<{ id: string; tenant_id: string }>(`SELECT id, tenant_id FROM usage_intervals`)).map(
        (r) => [r.id, r.tenant_id],
      ),
    );
    for (const e of stripe.meterEvents()) expect(e.customer).toBe(customerOf.get(byId.get(e.identifier)!));
    for (const c of stripe.customers()) expect([a.id, b.id]).toContain(c.metadata.berth_tenant_id);
  });

  it("subscribes each tenant with usage to berth's metered prices, one per meter, so that Stripe invoices it", async () => {
    const rows = await waitFor('both tenants to be subscribed', async () => {
      const r = await stack.sql<{
        id: string;
        stripe_customer_id: string;
        stripe_subscription_id: string | null;
      }>(`SELECT id, stripe_customer_id, stripe_subscription_id FROM tenants WHERE id = ANY($1)`, [
        [a.id, b.id],
      ]);
      return r.length === 2 && r.every((t) => t.stripe_subscription_id) ? r : undefined;
    });
    const prices = new Set(stripe.prices().map((p) => p.id));
    for (const t of rows) {
      const sub = stripe.subscriptions().find((s) => s.id === t.stripe_subscription_id);
      expect(sub).toMatchObject({ customer: t.stripe_customer_id, status: 'active' });
      expect(new Set(sub!.prices)).toEqual(prices);
    }
    // Each price is metered and tied to one of the meters the events go to.
    const meters = new Set(stripe.meters().map((m) => m.id));
    for (const p of stripe.prices()) expect(meters.has(p.recurring!.meter!)).toBe(true);
  });

  it('reconciles: an event Stripe never counted is shown to the operator as drift, never sent again', async () => {
    // The worker is stopped so that it cannot send the interval the ordinary way first.
    await stack.billing?.stop();
    const c = await runFor(b.http, 's1', 500, 'lost-at-stripe');
    await waitFor('the interval to be closed', async () => (await intervalsOf(c.id))[0]?.ended_at != null);
    // As if Stripe had acknowledged an event ten minutes ago and then lost it: Postgres says sent,
    // Stripe has nothing. (Dated back so that it is inside the minute-aligned window, and settled.)
    await stack.sql(
      `UPDATE usage_intervals
          SET started_at = started_at - interval '10 minutes', ended_at = ended_at - interval '10 minutes',
              stripe_first_attempt_at = now() - interval '10 minutes',
              stripe_sent_at = now() - interval '10 minutes', stripe_value = 10
        WHERE resource_id = $1 AND stripe_sent_at IS NULL`,
      [c.id],
    );
    const [row] = await intervalsOf(c.id);
    await stack.startBilling({ stripe });
    const drift = await waitFor('a reconciliation to record the deficit', async () => {
      const passes = await stack.sql<{
        drift: { tenantId: string; meter: string; postgres: number; stripe: number }[];
      }>(`SELECT drift FROM billing_reconciliations ORDER BY id DESC LIMIT 1`);
      return passes[0]?.drift.find((d) => d.tenantId === b.id && d.meter === 'container.s1');
    });
    expect(drift.postgres - drift.stripe).toBe(10);
    // Never "fixed" by sending it again: Stripe never got an event with its identifier.
    expect(stripe.meterEvents().some((e) => e.identifier === row!.id)).toBe(false);
    expect(stripe.rejectedDuplicates()).not.toContain(row!.id);
    const resent = await stack.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM billing_reconciliations WHERE resent > 0`,
    );
    expect(resent[0]?.n).toBe(0);
  });

  it('follows payments: a failed invoice stops new containers for that tenant only, a paid one lifts it', async () => {
    // The billing worker makes A's Stripe customer once A has usage to send (earlier tests gave it some).
    const customer = await waitFor('tenant A to have a Stripe customer', async () => {
      const [row] = await stack.sql<{ stripe_customer_id: string | null }>(
        `SELECT stripe_customer_id FROM tenants WHERE id = $1`,
        [a.id],
      );
      return row?.stripe_customer_id ?? undefined;
    });
    const send = (e: { body: string; signature: string }) =>
      stack.anonymous().request('POST', '/v1/webhooks/stripe', e.body, { 'stripe-signature': e.signature });
    const failed = stripe.signedEvent('invoice.payment_failed', { object: 'invoice', id: 'in_1', customer });
    const deliver = (type: string) =>
      send(stripe.signedEvent(type, { object: 'invoice', id: `in_${type}`, customer }));
    // A forged delivery is refused.
    const forged = await stack
      .anonymous()
      .request(
        'POST',
        '/v1/webhooks/stripe',
        { id: 'evt_forged', type: 'invoice.payment_failed', data: { object: { customer } } },
        { 'stripe-signature': 't=1,v1=deadbeef' },
      );
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('webhook/invalid_signature');

    expect((await send(failed)).status).toBe(200);
    const refused = await a.http.post('/v1/containers', { image: 'busybox', size: 's1' });
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe('billing/past_due');
    expect((await a.http.get('/v1/invoices')).body.billingStatus).toBe('past_due');
    const other = await b.http.post('/v1/containers', { image: 'busybox', size: 's1' });
    expect(other.status).toBe(202);

    await sleep(1_100); // Stripe's event times are whole seconds; a later event must be later.
    expect((await deliver('invoice.paid')).status).toBe(200);
    const allowed = await a.http.post('/v1/containers', { image: 'busybox', size: 's1' });
    expect(allowed.status).toBe(202);

    // Stripe delivers at least once and in any order: a repeat of the failure, or a failure older than the
    // payment, changes nothing.
    expect((await send(failed)).status).toBe(200);
    const older = stripe.signedEvent(
      'invoice.payment_failed',
      { object: 'invoice', id: 'in_0', customer },
      { created: Math.floor(Date.now() / 1000) - 3600 },
    );
    expect((await send(older)).status).toBe(200);
    expect((await a.http.get('/v1/invoices')).body.billingStatus).toBe('active');
    expect((await a.http.post('/v1/containers', { image: 'busybox', size: 's1' })).status).toBe(202);
  });

  it('answers invoices and usage queries, and refuses bad ones in words', async () => {
    const list = (await a.http.get('/v1/invoices')).body;
    const draft = list.data[0];
    expect(draft).toMatchObject({ status: 'draft', currency: 'usd' });
    expect(draft.id).toMatch(/^\d{4}-\d{2}$/);
    expect(draft.lines.length).toBeGreaterThan(0);
    const sum = draft.lines.reduce((n: number, l: { amountNanoUsd: number }) => n + l.amountNanoUsd, 0);
    expect(draft.totalNanoUsd).toBe(sum);
    const one = await a.http.get(`/v1/invoices/${draft.id}`);
    expect(one.body.id).toBe(draft.id);
    // The invoice and the usage report agree.
    const usage = (await a.http.get(`/v1/usage?period=${draft.id}&groupBy=meter`)).body;
    expect(usage.total.amountNanoUsd).toBeGreaterThan(0);

    expect((await a.http.get('/v1/invoices/2026-13')).body.error.code).toBe('invoice/not_found');
    expect((await a.http.get('/v1/invoices/2999-01')).status).toBe(404);
    for (const q of [
      'period=2026-1',
      'groupBy=host',
      'from=yesterday',
      'from=2026-11-10&to=2026-11-01',
      'period=2026-11&from=2026-11-01',
    ]) {
      const bad = await a.http.get(`/v1/usage?${q}`);
      expect({ q, status: bad.status, code: bad.body.error?.code }).toEqual({
        q,
        status: 400,
        code: 'request/invalid',
      });
    }
  });
});
