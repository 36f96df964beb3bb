import Stripe from 'stripe';
import { startFakeStripe, type FakeStripe } from './fake-stripe';

// Proves the fake Stripe server against the OFFICIAL `stripe` package: if the library can talk to
// it (encoding, auth, idempotency keys, error mapping, retries, webhook signatures) then berth's
// billing code, which uses the same library, exercises its real code path in tests.

describe('fake Stripe server, driven by the official stripe package', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  const client = (key: string, maxNetworkRetries = 0): Stripe =>
    new Stripe(key, {
      host: fake.host,
      port: fake.port,
      protocol: 'http',
      maxNetworkRetries,
      telemetry: false,
    });

  /** The error a promise rejects with (fails the test if it resolves). */
  async function rejection(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(Stripe.errors.StripeError);
      return err as Stripe.errors.StripeError;
    }
    throw new Error('expected the call to fail');
  }

  /** The fake's clock: ten minutes after the events these tests send (at 1,800,000,000 s and on). */
  const CLOCK_START = (1_800_000_000 + 600) * 1000;
  let clock = CLOCK_START;

  beforeEach(async () => {
    clock = CLOCK_START;
    fake = await startFakeStripe({ now: () => clock });
    stripe = client(fake.secretKey);
  });

  afterEach(async () => {
    await fake.stop();
  });

  /** A customer and a summing `vcpu_seconds` meter on the current fake. */
  async function customerAndMeter(): Promise<{ customer: string; meterId: string }> {
    const customer = (await stripe.customers.create({ name: 'tenant' })).id;
    const meter = await stripe.billing.meters.create({
      display_name: 'vCPU seconds',
      event_name: 'vcpu_seconds',
      default_aggregation: { formula: 'sum' },
    });
    return { customer, meterId: meter.id };
  }

  it('creates and retrieves customers, and replays an Idempotency-Key', async () => {
    const created = await stripe.customers.create(
      { name: 'Ada', email: 'ada@example.com', metadata: { tenant: 't-1' } },
      { idempotencyKey: 'tenant-t-1' },
    );
    expect(created.id).toMatch(/^cus_/);
    expect(created).toMatchObject({ object: 'customer', name: 'Ada', email: 'ada@example.com' });
    expect(created.metadata).toEqual({ tenant: 't-1' });
    expect(created.lastResponse.requestId).toMatch(/^req_/);

    const replay = await stripe.customers.create(
      { name: 'Ada', email: 'ada@example.com', metadata: { tenant: 't-1' } },
      { idempotencyKey: 'tenant-t-1' },
    );
    expect(replay.id).toBe(created.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(fake.customers()).toEqual([
      { id: created.id, name: 'Ada', email: 'ada@example.com', metadata: { tenant: 't-1' } },
    ]);

    // the same key with other parameters is Stripe's idempotency error
    const conflict = await rejection(
      stripe.customers.create({ name: 'Bob' }, { idempotencyKey: 'tenant-t-1' }),
    );
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);

    const got = await stripe.customers.retrieve(created.id);
    expect(got).toMatchObject({ id: created.id, name: 'Ada' });

    const listed = await stripe.customers.list({ limit: 10 });
    expect(listed.data.map((c) => c.id)).toEqual([created.id]);
    expect(listed.has_more).toBe(false);

    const unknown = await rejection(stripe.customers.retrieve('cus_nope'));
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.code).toBe('resource_missing');

    const posts = fake.calls.filter((c) => c.method === 'POST' && c.path === '/v1/customers');
    expect(posts.map((c) => [c.idempotencyKey, c.status])).toEqual([
      ['tenant-t-1', 200],
      ['tenant-t-1', 200],
      ['tenant-t-1', 400],
    ]);
    expect(posts[0]?.params).toEqual({ name: 'Ada', email: 'ada@example.com', metadata: { tenant: 't-1' } });
  });

  it('creates and lists meters; an event_name can be used once', async () => {
    const meter = await stripe.billing.meters.create({
      display_name: 'vCPU seconds',
      event_name: 'berth_vcpu_seconds',
      default_aggregation: { formula: 'sum' },
      customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
      value_settings: { event_payload_key: 'value' },
    });
    expect(meter).toMatchObject({
      object: 'billing.meter',
      event_name: 'berth_vcpu_seconds',
      display_name: 'vCPU seconds',
      status: 'active',
      default_aggregation: { formula: 'sum' },
      customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
      value_settings: { event_payload_key: 'value' },
    });
    expect(meter.id).toMatch(/^mtr_/);

    const listed = await stripe.billing.meters.list({ status: 'active' });
    expect(listed.data.map((m) => m.id)).toEqual([meter.id]);
    expect((await stripe.billing.meters.list({ status: 'inactive' })).data).toEqual([]);
    expect(fake.meters()).toEqual([
      { id: meter.id, event_name: 'berth_vcpu_seconds', display_name: 'vCPU seconds' },
    ]);

    const again = await rejection(
      stripe.billing.meters.create({
        display_name: 'again',
        event_name: 'berth_vcpu_seconds',
        default_aggregation: { formula: 'sum' },
      }),
    );
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again.statusCode).toBe(400);
    expect(again.param).toBe('event_name');
  });

  describe('meter events', () => {
    let customer: string;
    let meterId: string;

    beforeEach(async () => {
      ({ customer, meterId } = await customerAndMeter());
    });

    const send = (identifier: string, value: string, timestamp: number) =>
      stripe.billing.meterEvents.create({
        event_name: 'vcpu_seconds',
        identifier,
        timestamp,
        payload: { stripe_customer_id: customer, value },
      });

    it('accepts events with identifiers and sums them in event_summaries over [start, end)', async () => {
      const t0 = 1_800_000_000 - (1_800_000_000 % 60);
      const ev = await send('run-1:0', '12', t0);
      expect(ev).toMatchObject({
        object: 'billing.meter_event',
        event_name: 'vcpu_seconds',
        identifier: 'run-1:0',
        timestamp: t0,
        livemode: false,
        payload: { stripe_customer_id: customer, value: '12' },
      });
      await send('run-1:1', '30', t0 + 59);
      await send('run-1:2', '1000', t0 + 60); // at end_time: outside [t0, t0+60)

      expect(fake.meterEvents()).toEqual([
        { identifier: 'run-1:0', event_name: 'vcpu_seconds', customer, value: 12, timestamp: t0 },
        { identifier: 'run-1:1', event_name: 'vcpu_seconds', customer, value: 30, timestamp: t0 + 59 },
        { identifier: 'run-1:2', event_name: 'vcpu_seconds', customer, value: 1000, timestamp: t0 + 60 },
      ]);

      const summaries = await stripe.billing.meters.listEventSummaries(meterId, {
        customer,
        start_time: t0,
        end_time: t0 + 60,
      });
      expect(summaries.data).toHaveLength(1);
      expect(summaries.data[0]).toMatchObject({
        object: 'billing.meter_event_summary',
        aggregated_value: 42,
        start_time: t0,
        end_time: t0 + 60,
        meter: meterId,
      });
      const whole = await stripe.billing.meters.listEventSummaries(meterId, {
        customer,
        start_time: t0,
        end_time: t0 + 120,
      });
      expect(whole.data[0]?.aggregated_value).toBe(1042);

      // the wire format is Stripe's bracket notation, parsed back into objects
      const post = fake.calls.find((c) => c.path === '/v1/billing/meter_events');
      expect(post?.params).toEqual({
        event_name: 'vcpu_seconds',
        identifier: 'run-1:0',
        timestamp: String(t0),
        payload: { stripe_customer_id: customer, value: '12' },
      });
      expect(post?.idempotencyKey).toMatch(/^stripe-node-retry-/);
    });

    it('refuses a reused identifier with resource_already_exists and lists it', async () => {
      const ts = 1_800_000_000;
      await send('run-9:0', '5', ts);
      const dup = await rejection(send('run-9:0', '5', ts));
      expect(dup).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(dup.statusCode).toBe(400);
      expect(dup.code).toBe('resource_already_exists');
      expect(dup.message).toBe('A meter event with identifier run-9:0 already exists.');
      expect(dup.requestId).toMatch(/^req_/);
      expect(fake.rejectedDuplicates()).toEqual(['run-9:0']);
      expect(fake.meterEvents()).toHaveLength(1);
    });

    it('keeps an identifier for 24 hours only: a day later the same identifier is a second event', async () => {
      const ts = 1_800_000_000;
      await send('run-8:0', '5', ts);
      clock += 24 * 3_600_000 - 1000;
      expect((await rejection(send('run-8:0', '5', ts))).code).toBe('resource_already_exists');
      clock += 1000;
      // Stripe promises "at least 24 hours"; the fake gives exactly that, never more.
      await send('run-8:0', '5', ts + 86_400);
      expect(fake.meterEvents().map((e) => e.identifier)).toEqual(['run-8:0', 'run-8:0']);
    });

    it('refuses timestamps more than 35 days old or more than 5 minutes ahead', async () => {
      const now = Math.floor(clock / 1000);
      await send('edge-past', '1', now - 35 * 86_400);
      await send('edge-future', '1', now + 300);
      for (const [id, ts] of [
        ['too-old', now - 35 * 86_400 - 1],
        ['too-new', now + 301],
      ] as const) {
        const err = await rejection(send(id, '1', ts));
        expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(err.statusCode).toBe(400);
        expect(err.param).toBe('timestamp');
      }
      expect(fake.meterEvents().map((e) => e.identifier)).toEqual(['edge-past', 'edge-future']);
    });

    it('sums only on minute-aligned windows', async () => {
      const err = await rejection(
        stripe.billing.meters.listEventSummaries(meterId, {
          customer,
          start_time: 1_800_000_000 - (1_800_000_000 % 60) + 1,
          end_time: 1_800_000_000 - (1_800_000_000 % 60) + 120,
        }),
      );
      expect(err.statusCode).toBe(400);
      expect(err.param).toBe('start_time');
    });

    it('lags its summaries behind accepted events by summaryLagMs', async () => {
      await fake.stop();
      fake = await startFakeStripe({ now: () => clock, summaryLagMs: 30_000 });
      stripe = client(fake.secretKey);
      ({ customer, meterId } = await customerAndMeter());
      const t0 = 1_800_000_000 - (1_800_000_000 % 60);
      await send('lag-1', '7', t0);
      const summed = async () =>
        (
          await stripe.billing.meters.listEventSummaries(meterId, {
            customer,
            start_time: t0,
            end_time: t0 + 60,
          })
        ).data[0]?.aggregated_value;
      expect(await summed()).toBe(0);
      clock += 30_000;
      expect(await summed()).toBe(7);
    });

    it('replays a repeated Idempotency-Key instead of calling it a duplicate', async () => {
      const params = {
        event_name: 'vcpu_seconds',
        identifier: 'run-7:0',
        timestamp: 1_800_000_000,
        payload: { stripe_customer_id: customer, value: '3' },
      };
      const first = await stripe.billing.meterEvents.create(params, { idempotencyKey: 'k-7' });
      const second = await stripe.billing.meterEvents.create(params, { idempotencyKey: 'k-7' });
      expect(second).toEqual(first);
      expect(fake.rejectedDuplicates()).toEqual([]);
      expect(fake.meterEvents()).toHaveLength(1);
    });

    it('validates the meter, the customer and the value', async () => {
      const ts = 1_800_000_000;
      const noMeter = await rejection(
        stripe.billing.meterEvents.create({
          event_name: 'nope',
          identifier: 'a',
          payload: { stripe_customer_id: customer, value: '1' },
        }),
      );
      expect(noMeter).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      const noCustomer = await rejection(
        stripe.billing.meterEvents.create({
          event_name: 'vcpu_seconds',
          identifier: 'b',
          timestamp: ts,
          payload: { stripe_customer_id: 'cus_ghost', value: '1' },
        }),
      );
      expect(noCustomer.statusCode).toBe(400);
      for (const bad of ['1.5', '-1', 'ten', '']) {
        const err = await rejection(send(`bad-${bad}`, bad, ts));
        expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(err.statusCode).toBe(400);
      }
      const unknownParam = await rejection(
        stripe.rawRequest('POST', '/v1/billing/meter_events', {
          event_name: 'vcpu_seconds',
          payload: { stripe_customer_id: customer, value: '1' },
          quantity: 1,
        }),
      );
      expect(unknownParam.code).toBe('parameter_unknown');
      expect(fake.meterEvents()).toEqual([]);
      expect(fake.rejectedDuplicates()).toEqual([]);
    });
  });

  describe('products, prices and subscriptions', () => {
    let customer: string;
    let meterId: string;

    beforeEach(async () => {
      ({ customer, meterId } = await customerAndMeter());
      await stripe.products.create({ id: 'berth_vcpu', name: 'vCPU seconds' });
    });

    const metered = (decimal: string, extra: Partial<Stripe.PriceCreateParams> = {}) =>
      stripe.prices.create({
        product: 'berth_vcpu',
        currency: 'usd',
        unit_amount_decimal: Stripe.Decimal.from(decimal),
        recurring: { interval: 'month', usage_type: 'metered', meter: meterId },
        ...extra,
      });

    it('makes a product with its own id once', async () => {
      const again = await rejection(stripe.products.create({ id: 'berth_vcpu', name: 'x' }));
      expect(again.code).toBe('resource_already_exists');
      expect((await stripe.products.retrieve('berth_vcpu')).name).toBe('vCPU seconds');
    });

    it('keeps prices to Stripe’s rules: a meter for metered, 12 decimal places, one holder per lookup key', async () => {
      const p = await metered('0.00004', { lookup_key: 'vcpu_0.00004' });
      // The library hands decimals back as its Decimal; the wire carries the string.
      expect(String(p.unit_amount_decimal)).toBe('0.00004');
      expect(p.recurring).toMatchObject({ meter: meterId, usage_type: 'metered' });
      const noMeter = await rejection(
        stripe.prices.create({
          product: 'berth_vcpu',
          currency: 'usd',
          unit_amount_decimal: Stripe.Decimal.from('1'),
          recurring: { interval: 'month', usage_type: 'metered' },
        }),
      );
      expect(noMeter.param).toBe('recurring[meter]');
      expect((await rejection(metered('0.0000000000001'))).param).toBe('unit_amount_decimal');
      expect((await rejection(metered('0.00005', { lookup_key: 'vcpu_0.00004' }))).param).toBe('lookup_key');
      const listed = await stripe.prices.list({ lookup_keys: ['vcpu_0.00004'] });
      expect(listed.data.map((x) => x.id)).toEqual([p.id]);
    });

    it('subscribes a customer to recurring prices, each once; a canceled subscription takes no changes', async () => {
      const a = await metered('0.00004');
      const b = await metered('0.00008');
      const dup = await rejection(
        stripe.subscriptions.create({ customer, items: [{ price: a.id }, { price: a.id }] }),
      );
      expect(dup.statusCode).toBe(400);
      const sub = await stripe.subscriptions.create({ customer, items: [{ price: a.id }] });
      expect(sub).toMatchObject({ status: 'active', customer });
      const item = sub.items.data[0]!;
      await stripe.subscriptionItems.update(item.id, { price: b.id });
      expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]!.price.id).toBe(b.id);
      expect((await stripe.subscriptions.list({ customer })).data.map((x) => x.id)).toEqual([sub.id]);
      await stripe.subscriptions.cancel(sub.id);
      expect((await stripe.subscriptions.list({ customer })).data).toEqual([]);
      expect((await rejection(stripe.subscriptionItems.update(item.id, { price: a.id }))).statusCode).toBe(
        400,
      );
      const ghost = await rejection(
        stripe.subscriptions.create({ customer: 'cus_ghost', items: [{ price: a.id }] }),
      );
      expect(ghost.statusCode).toBe(404);
    });
  });

  it('answers a wrong key with 401 (StripeAuthenticationError)', async () => {
    const err = await rejection(client('sk_test_wrong_key_0000').customers.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.statusCode).toBe(401);
    expect(fake.calls.at(-1)).toMatchObject({ method: 'GET', path: '/v1/customers', status: 401 });
  });

  it("setDown('503') fails calls with an API error until setDown(false)", async () => {
    fake.setDown('503');
    const err = await rejection(stripe.customers.create({ name: 'x' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err.statusCode).toBe(503);
    expect(fake.customers()).toEqual([]);

    // with retries, the library tries again with the same Idempotency-Key
    const before = fake.calls.length;
    await rejection(client(fake.secretKey, 1).customers.create({ name: 'y' }));
    const attempts = fake.calls.slice(before);
    expect(attempts.map((c) => c.status)).toEqual([503, 503]);
    expect(attempts[0]?.idempotencyKey).toBeTruthy();
    expect(attempts[1]?.idempotencyKey).toBe(attempts[0]?.idempotencyKey);

    fake.setDown(false);
    const ok = await stripe.customers.create({ name: 'x' });
    expect(ok.id).toMatch(/^cus_/);
  });

  it("setDown('reset') fails calls with a connection error", async () => {
    fake.setDown('reset');
    const err = await rejection(stripe.customers.create({ name: 'x' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    // stripe retries a closed connection once even with maxNetworkRetries 0
    expect(fake.calls.map((c) => c.status)).toEqual([0, 0]);
    fake.setDown(false);
    await expect(stripe.customers.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('signs webhook events the way stripe.webhooks.constructEvent verifies', () => {
    const { body, signature, id } = fake.signedEvent('invoice.paid', { id: 'in_123', object: 'invoice' });
    const event = stripe.webhooks.constructEvent(body, signature, fake.webhookSecret);
    expect(event.id).toBe(id);
    expect(event.type).toBe('invoice.paid');
    expect(event.data.object).toEqual({ id: 'in_123', object: 'invoice' });

    const tampered = body.replace('in_123', 'in_999');
    expect(() => stripe.webhooks.constructEvent(tampered, signature, fake.webhookSecret)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => stripe.webhooks.constructEvent(body, signature, 'whsec_other')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('answers unknown paths 404 with a request-id and JSON', async () => {
    const res = await fetch(`http://${fake.host}:${fake.port}/v1/charges`, {
      headers: { Authorization: `Bearer ${fake.secretKey}` },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('/v1/charges');
  });
});
