import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { inTransaction, StripeEventRepository, TenantRepository } from '@berth/db';
import { DomainError } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';

/** The webhook events berth acts on; Stripe may send others, which are acknowledged and ignored. */
const STANDING_OF: Readonly<Record<string, 'active' | 'past_due'>> = {
  'invoice.paid': 'active',
  'invoice.payment_failed': 'past_due',
};

/**
 * Follows payments through Stripe's webhooks: a failed invoice makes its tenant past due (no new
 * containers), a paid one lifts that. The signature is checked against the raw body; deliveries are
 * applied once (Stripe delivers at least once) and an older event never overrides a newer one.
 */
@Injectable()
export class StripeWebhookService {
  private readonly log = new Logger(StripeWebhookService.name);

  constructor(
    private readonly ds: DataSource,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async handle(rawBody: string | undefined, signature: string | undefined): Promise<{ received: true }> {
    const secret = this.config.stripeWebhookSecret;
    // Without Stripe the endpoint does not exist: a 5xx would invite Stripe to retry for days.
    if (!secret) throw new DomainError('route/not_found', 'this berth is not connected to Stripe');
    if (!rawBody || !signature) {
      throw new DomainError(
        'webhook/invalid_signature',
        'a Stripe webhook needs its JSON body and a Stripe-Signature header',
      );
    }
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(rawBody, signature, secret);
    } catch {
      throw new DomainError('webhook/invalid_signature', 'the Stripe-Signature does not match this body');
    }
    const standing = STANDING_OF[event.type];
    const customer = customerOf(event);
    await inTransaction(this.ds, async (em) => {
      const isNew = await new StripeEventRepository(em).recordNew(event, customer);
      if (!isNew || !standing || !customer) return;
      const at = new Date(event.created * 1000);
      const changed = await new TenantRepository(em).setBillingStatusOfCustomer(customer, standing, at);
      for (const t of changed) this.log.log(`tenant ${t} is ${standing} (${event.type} ${event.id})`);
    });
    return { received: true };
  }
}

function customerOf(event: Stripe.Event): string | null {
  const object = event.data.object as { customer?: unknown };
  const c = object.customer;
  if (typeof c === 'string') return c;
  if (c && typeof c === 'object' && typeof (c as { id?: unknown }).id === 'string')
    return (c as { id: string }).id;
  return null;
}
