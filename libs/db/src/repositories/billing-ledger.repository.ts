import type { EntityManager } from 'typeorm';
import type { PageRequest, PageResult } from '../pagination';
import type { DeadLetterReason } from './usage-interval.repository';

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

/** A recorded reconciliation pass, as the operator reads it. */
export interface RecordedReconciliation extends BillingReconciliation {
  readonly id: string;
  readonly ranAt: Date;
}

/** The billing worker's reconciliation passes (billing_reconciliations), kept for operators. */
export class BillingReconciliationRepository {
  constructor(private readonly em: EntityManager) {}

  /** The latest `limit` passes, newest first; with `withDrift`, only those that found drift. */
  async latest(limit: number, withDrift: boolean): Promise<RecordedReconciliation[]> {
    const rows: {
      id: string;
      ran_at: Date;
      window_start: Date;
      window_end: Date;
      checked: number;
      unsettled: number;
      drift: unknown[];
    }[] = await this.em.query(
      `SELECT id, ran_at, window_start, window_end, checked, unsettled, drift FROM billing_reconciliations
        WHERE NOT $2::boolean OR jsonb_array_length(drift) > 0
        ORDER BY id DESC LIMIT $1`,
      [limit, withDrift],
    );
    return rows.map((r) => ({
      id: String(r.id),
      ranAt: r.ran_at,
      from: r.window_start,
      to: r.window_end,
      checked: r.checked,
      unsettled: r.unsettled,
      drift: r.drift,
    }));
  }

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
  readonly reason: DeadLetterReason;
  readonly stripeStatus: number | null;
  readonly stripeCode: string | null;
  readonly message: string;
  readonly createdAt: Date;
}

/** billing_dead_letters, for the operator (written by UsageIntervalRepository.deadLetter). */
export class BillingDeadLetterRepository {
  constructor(private readonly em: EntityManager) {}

  /** A page, newest first (ids sort by creation), after the id `after` when given. */
  async page(page: PageRequest): Promise<PageResult<BillingDeadLetter>> {
    const rows: {
      id: string;
      interval_id: string;
      tenant_id: string;
      meter: string;
      value: string;
      event_timestamp: Date;
      reason: DeadLetterReason;
      stripe_status: number | null;
      stripe_code: string | null;
      message: string;
      created_at: Date;
    }[] = await this.em.query(
      `SELECT id, interval_id, tenant_id, meter, value, event_timestamp, reason, stripe_status, stripe_code,
              message, created_at
         FROM billing_dead_letters
        WHERE $2::text IS NULL OR id < $2::text
        ORDER BY id DESC LIMIT $1`,
      [page.limit + 1, page.after ?? null],
    );
    const items = rows.slice(0, page.limit).map((r) => ({
      id: r.id,
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
    return { items, more: rows.length > page.limit };
  }
}
