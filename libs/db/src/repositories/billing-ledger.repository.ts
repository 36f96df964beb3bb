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
  /** Pairs not compared: Stripe may not have summed their latest events yet. */
  readonly unsettled: number;
  readonly drift: readonly unknown[];
}

/** The billing worker's reconciliation passes (billing_reconciliations), kept for operators. */
export class BillingReconciliationRepository {
  constructor(private readonly em: EntityManager) {}

  async record(r: BillingReconciliation): Promise<void> {
    await this.em.query(
      `INSERT INTO billing_reconciliations (ran_at, window_start, window_end, checked, resent, unsettled, drift)
       VALUES (now(), $1, $2, $3, 0, $4, $5)`,
      [r.from, r.to, r.checked, r.unsettled, JSON.stringify(r.drift)],
    );
  }
}

/** An interval the billing worker gave up on, as the operator reads it. */
export interface BillingDeadLetter {
  readonly id: string;
  readonly intervalId: string;
  readonly tenantId: string;
  readonly meter: string;
  readonly value: number;
  readonly eventTimestamp: Date;
  readonly reason: string;
  readonly stripeStatus: number | null;
  readonly stripeCode: string | null;
  readonly message: string;
  readonly createdAt: Date;
}

/** billing_dead_letters, for the operator (written by UsageIntervalRepository.deadLetter). */
export class BillingDeadLetterRepository {
  constructor(private readonly em: EntityManager) {}

  /** Newest first, `limit` of them, after the one with id `before` when given (a page's cursor). */
  async page(limit: number, before?: string): Promise<BillingDeadLetter[]> {
    const rows: {
      id: string;
      interval_id: string;
      tenant_id: string;
      meter: string;
      value: string;
      event_timestamp: Date;
      reason: string;
      stripe_status: number | null;
      stripe_code: string | null;
      message: string;
      created_at: Date;
    }[] = await this.em.query(
      `SELECT id, interval_id, tenant_id, meter, value, event_timestamp, reason, stripe_status, stripe_code,
              message, created_at
         FROM billing_dead_letters
        WHERE $2::bigint IS NULL OR id < $2::bigint
        ORDER BY id DESC LIMIT $1`,
      [limit, before ?? null],
    );
    return rows.map((r) => ({
      id: String(r.id),
      intervalId: r.interval_id,
      tenantId: r.tenant_id,
      meter: r.meter,
      value: Number(r.value),
      eventTimestamp: r.event_timestamp,
      reason: r.reason,
      stripeStatus: r.stripe_status,
      stripeCode: r.stripe_code,
      message: r.message,
      createdAt: r.created_at,
    }));
  }
}
