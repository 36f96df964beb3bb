import type { EntityManager } from 'typeorm';

/** The Stripe events berth has received (stripe_events): each is acted on once, however often it comes. */
export class StripeEventRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Records the event with the tenant its customer names (if any); says whether it is new. A repeat
   * delivery finds its id taken and changes nothing.
   */
  async recordNew(event: { id: string; type: string }, customer: string | null): Promise<boolean> {
    const seen: unknown[] = await this.em.query(
      `INSERT INTO stripe_events (id, type, tenant_id, received_at)
       VALUES ($1, $2, (SELECT id FROM tenants WHERE stripe_customer_id = $3), now())
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [event.id, event.type, customer],
    );
    return seen.length > 0;
  }
}

/** One pass of the billing worker's reconciliation against Stripe, as it is recorded. */
export interface BillingReconciliation {
  readonly from: Date;
  readonly to: Date;
  readonly checked: number;
  readonly resent: number;
  readonly drift: readonly unknown[];
}

/** The billing worker's reconciliation passes (billing_reconciliations), kept for operators. */
export class BillingReconciliationRepository {
  constructor(private readonly em: EntityManager) {}

  async record(r: BillingReconciliation): Promise<void> {
    await this.em.query(
      `INSERT INTO billing_reconciliations (ran_at, window_start, window_end, checked, resent, drift)
       VALUES (now(), $1, $2, $3, $4, $5)`,
      [r.from, r.to, r.checked, r.resent, JSON.stringify(r.drift)],
    );
  }
}
