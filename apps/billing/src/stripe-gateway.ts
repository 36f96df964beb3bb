import Stripe from 'stripe';
import { CURRENCY, sizeOfMeter, stripeUnitAmountDecimal, USAGE_METERS, type UsageMeter } from '@berth/domain';
import type { BillingConfig } from '@berth/config';

/** A meter's name in Stripe's ids: container.s1 -> container_s1; volume.gib -> volume_gb; fip -> fip. */
function stripeMeterSlug(meter: UsageMeter): string {
  return meter.replace('.gib', '_gb').replace('.', '_');
}

/** Stripe's event name for each berth meter; one Stripe billing meter per metered resource. */
export function stripeEventName(meter: UsageMeter): string {
  // container.s1 -> berth_container_s1_seconds; volume.gib -> berth_volume_gb_seconds; fip -> berth_fip_seconds
  return `berth_${stripeMeterSlug(meter)}_seconds`;
}

/** The id berth gives each meter's Stripe Product: berth_container_s1, berth_volume_gb, berth_fip. */
export function stripeProductId(meter: UsageMeter): string {
  return `berth_${stripeMeterSlug(meter)}`;
}

function displayName(meter: UsageMeter): string {
  const size = sizeOfMeter(meter);
  if (size) return `Container ${size.toUpperCase()} seconds`;
  if (meter === 'volume.gib') return 'Volume GB-seconds';
  if (meter === 'snapshot.gib') return 'Snapshot GB-seconds';
  return 'Floating IP seconds';
}

/**
 * What Stripe did with a meter event: took it, already had its identifier, or refused it for a lasting
 * reason (the same request would be refused again: a 4xx other than a duplicate, a rate limit or a
 * refused key). Failures that may pass (5xx, timeouts, 429, a refused key) are thrown instead.
 */
/** The lookup key of a meter's price at an amount: a new amount is a new key, so a new Price. */
export function priceLookupKey(meter: UsageMeter, unitAmountDecimal: string): string {
  return `berth_${meter}_${unitAmountDecimal}`;
}

export type SendOutcome =
  | 'sent'
  | 'duplicate'
  | {
      readonly refused: {
        readonly status: number | null;
        readonly code: string | null;
        readonly message: string;
      };
    };

/**
 * Stripe keeps a meter event's identifier unique "within a rolling period of at least 24 hours"; after
 * that a second event with it is a second charge. berth sends an interval again only within this much
 * of its first attempt (an hour of margin under Stripe's 24), and gives the rest to the operator.
 */
export const IDENTIFIER_RESEND_LIMIT_MS = 23 * 3_600_000;

export interface MeterEventToSend {
  /** The usage interval's id: Stripe refuses a second event with it. */
  readonly identifier: string;
  readonly meter: UsageMeter;
  readonly customer: string;
  readonly value: number;
  /** Seconds since the epoch: when the interval ended. */
  readonly timestamp: number;
}

/**
 * berth's side of Stripe: customers, billing meters, meter events and their summaries. Only this file
 * knows the Stripe SDK; the worker speaks in intervals and tenants.
 */
export class StripeGateway {
  private readonly stripe: Stripe;
  private meterIds: Map<UsageMeter, string> | null = null;
  private priceIds: Map<UsageMeter, string> | null = null;

  constructor(config: NonNullable<BillingConfig['stripe']>) {
    this.stripe = new Stripe(config.secretKey, {
      ...(config.host ? { host: config.host } : {}),
      ...(config.port ? { port: config.port } : {}),
      ...(config.protocol ? { protocol: config.protocol } : {}),
      // The worker retries whole batches with its own backoff; a hidden retry would only delay that.
      maxNetworkRetries: 0,
      timeout: 10_000,
      telemetry: false,
    });
  }

  /** Makes the billing meters that do not exist yet (by event name), once per process. */
  async ensureMeters(): Promise<Map<UsageMeter, string>> {
    if (this.meterIds) return this.meterIds;
    const existing = new Map<string, string>();
    for await (const m of this.stripe.billing.meters.list({ limit: 100 })) existing.set(m.event_name, m.id);
    const ids = new Map<UsageMeter, string>();
    for (const meter of USAGE_METERS) {
      const eventName = stripeEventName(meter);
      let id = existing.get(eventName);
      if (!id) {
        const created = await this.stripe.billing.meters.create(
          {
            display_name: displayName(meter),
            event_name: eventName,
            default_aggregation: { formula: 'sum' },
            customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
            value_settings: { event_payload_key: 'value' },
          },
          { idempotencyKey: `berth-meter-${eventName}` },
        );
        id = created.id;
      }
      ids.set(meter, id);
    }
    this.meterIds = ids;
    return ids;
  }

  /**
   * Per meter a Product (its id berth's: `berth_container_s1`, made once) and a metered monthly Price
   * tied to the meter, at berth's price from libs/domain (stripeUnitAmountDecimal). A price is found by
   * its lookup key, which holds the amount: a change of price in libs/domain makes a new Price (the
   * old one stays, with its history), never an edit. Once per process.
   */
  async ensurePrices(): Promise<Map<UsageMeter, string>> {
    if (this.priceIds) return this.priceIds;
    const meterIds = await this.ensureMeters();
    const ids = new Map<UsageMeter, string>();
    for (const meter of USAGE_METERS) {
      const productId = stripeProductId(meter);
      await this.ensureProduct(productId, displayName(meter));
      const { decimal } = stripeUnitAmountDecimal(meter);
      const lookupKey = priceLookupKey(meter, decimal);
      const [found] = (await this.stripe.prices.list({ lookup_keys: [lookupKey], limit: 1 })).data;
      const price =
        found ??
        (await this.stripe.prices.create(
          {
            product: productId,
            currency: CURRENCY,
            unit_amount_decimal: Stripe.Decimal.from(decimal),
            recurring: { interval: 'month', usage_type: 'metered', meter: meterIds.get(meter) ?? '' },
            lookup_key: lookupKey,
            nickname: `${displayName(meter)} at ${decimal} cents`,
          },
          { idempotencyKey: `berth-price-${lookupKey}` },
        ));
      ids.set(meter, price.id);
    }
    this.priceIds = ids;
    return ids;
  }

  private async ensureProduct(id: string, name: string): Promise<void> {
    try {
      await this.stripe.products.create({ id, name }, { idempotencyKey: `berth-product-${id}` });
    } catch (err) {
      // Made before (by this worker or another): the id is berth's, so it is the same product.
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_already_exists')
        return;
      throw err;
    }
  }

  /**
   * The tenant's live subscription to every current price, made or repaired: `known` (the one berth
   * recorded) is kept when it is still active, with an item moved to the current price where the price
   * changed and an item added for a meter it lacks; a canceled or missing one is replaced by a new one.
   * Answers the subscription's id (new or the same).
   */
  async ensureSubscription(tenant: { id: string; customer: string; known: string | null }): Promise<string> {
    const prices = await this.ensurePrices();
    const current = await this.liveSubscription(tenant.known);
    if (!current) {
      const created = await this.stripe.subscriptions.create(
        {
          customer: tenant.customer,
          items: [...prices.values()].map((price) => ({ price })),
          metadata: { berth_tenant_id: tenant.id },
        },
        // One per tenant and replaced subscription: a retried create returns the same one.
        { idempotencyKey: `berth-subscription-${tenant.id}-${tenant.known ?? 'first'}` },
      );
      return created.id;
    }
    const meterIds = await this.ensureMeters();
    for (const [meter, priceId] of prices) {
      const meterId = meterIds.get(meter);
      const item = current.items.data.find((i) => i.price.recurring?.meter === meterId);
      if (!item) await this.stripe.subscriptionItems.create({ subscription: current.id, price: priceId });
      else if (item.price.id !== priceId)
        await this.stripe.subscriptionItems.update(item.id, { price: priceId });
    }
    return current.id;
  }

  private async liveSubscription(id: string | null): Promise<Stripe.Subscription | null> {
    if (!id) return null;
    try {
      const sub = await this.stripe.subscriptions.retrieve(id);
      return sub.status === 'canceled' || sub.status === 'incomplete_expired' ? null : sub;
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing')
        return null;
      throw err;
    }
  }

  /** The tenant's Stripe customer; the idempotency key makes a retried create return the same one. */
  async createCustomer(tenant: { id: string; name: string }): Promise<string> {
    const c = await this.stripe.customers.create(
      { name: tenant.name, metadata: { berth_tenant_id: tenant.id } },
      { idempotencyKey: `berth-customer-${tenant.id}` },
    );
    return c.id;
  }

  async sendMeterEvent(e: MeterEventToSend): Promise<SendOutcome> {
    try {
      await this.stripe.billing.meterEvents.create({
        event_name: stripeEventName(e.meter),
        identifier: e.identifier,
        timestamp: e.timestamp,
        payload: { stripe_customer_id: e.customer, value: String(e.value) },
      });
      return 'sent';
    } catch (err) {
      // Stripe refuses an identifier it has seen: the event is there already (an earlier attempt got
      // through, its acknowledgement did not). That is success, exactly once.
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_already_exists') {
        return 'duplicate';
      }
      // A 400 or 404 on this event (a timestamp outside Stripe's window, a customer that is gone, a
      // value refused): sending it again would be refused again.
      if (err instanceof Stripe.errors.StripeInvalidRequestError) {
        return {
          refused: { status: err.statusCode ?? null, code: err.code ?? null, message: err.message },
        };
      }
      throw err;
    }
  }

  /** What Stripe has summed for a customer on a meter, over [from, to). */
  async summed(meter: UsageMeter, customer: string, from: Date, to: Date): Promise<number> {
    const ids = await this.ensureMeters();
    const id = ids.get(meter);
    if (!id) return 0;
    let total = 0;
    for await (const s of this.stripe.billing.meters.listEventSummaries(id, {
      customer,
      start_time: Math.floor(from.getTime() / 1000),
      end_time: Math.floor(to.getTime() / 1000),
      limit: 100,
    })) {
      total += s.aggregated_value;
    }
    return total;
  }
}
