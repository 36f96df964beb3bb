import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction, openUsage } from '@berth/db';
import {
  billableSeconds,
  isUsageMeter,
  monthOf,
  totalUnits,
  type UsageMeter,
  type UsageResourceType,
} from '@berth/domain';
import type { StripeGateway } from './stripe-gateway';

interface UnsentRow {
  id: string;
  tenant_id: string;
  meter: string;
  resource_type: UsageResourceType;
  resource_id: string;
  quantity: number;
  started_at: Date;
  ended_at: Date;
  min_seconds: number;
  customer: string;
}

export interface PassResult {
  readonly sent: number;
  readonly duplicates: number;
  /** Set when Stripe failed: the rest waits for the next pass. */
  readonly error: string | null;
}

export interface ReconcileResult {
  readonly checked: number;
  readonly resent: number;
  readonly unsent: number;
  readonly drift: { tenantId: string; meter: string; postgres: number; stripe: number }[];
}

const SEND_CONCURRENCY = 8;

/**
 * Moves usage from Postgres to Stripe, exactly once:
 *
 * - every closed interval becomes one meter event whose identifier is the interval's id, sent in
 *   batches of rows locked with SKIP LOCKED (several workers never send the same row), and marked
 *   sent in the same transaction; a crash between Stripe's answer and the commit means a resend,
 *   which Stripe refuses as a duplicate identifier — and that refusal counts as sent;
 * - open intervals are cut at each hour boundary, so long-running work reaches Stripe hourly and
 *   every invoice period ends on a cut;
 * - a periodic reconciliation compares what Postgres marked sent with what Stripe summed, sends again
 *   whatever is missing (duplicates are refused), and records any drift.
 */
export class BillingWorker {
  constructor(
    private readonly ds: DataSource,
    private readonly stripe: StripeGateway | null,
    private readonly log: Logger,
    private readonly batch: number,
  ) {}

  /**
   * Cuts open intervals at the last hour boundary. The part before the cut bills its own seconds; the
   * part after keeps whatever remains of the start's minimum, so a start still bills at least its
   * minimum in total. Returns how many intervals were cut.
   */
  async roll(now = new Date()): Promise<number> {
    const boundary = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
    let cut = 0;
    for (;;) {
      const n = await inTransaction(this.ds, async (em) => {
        const rows: UnsentRow[] = await em.query(
          `SELECT id, tenant_id, meter, resource_type, resource_id, quantity, started_at, ended_at, min_seconds
             FROM usage_intervals WHERE ended_at IS NULL AND started_at < $1
            ORDER BY started_at LIMIT 200 FOR UPDATE SKIP LOCKED`,
          [boundary],
        );
        for (const r of rows) {
          // The meter column only holds known meters (a CHECK since migration CheckUsageMeters); the test
          // narrows the type.
          if (!isUsageMeter(r.meter)) continue;
          await em.query(`UPDATE usage_intervals SET ended_at = $2, min_seconds = 0 WHERE id = $1`, [
            r.id,
            boundary,
          ]);
          await openUsage(em, {
            tenantId: r.tenant_id,
            resourceType: r.resource_type,
            resourceId: r.resource_id,
            meter: r.meter,
            quantity: r.quantity,
            at: boundary,
            minSeconds: Math.max(0, r.min_seconds - billableSeconds(r.started_at, boundary)),
          });
        }
        return rows.length;
      });
      cut += n;
      if (n === 0) return cut;
    }
  }

  /** Gives every tenant with usage to send a Stripe customer (idempotently). */
  async ensureCustomers(): Promise<number> {
    if (!this.stripe) return 0;
    const tenants: { id: string; name: string }[] = await this.ds.query(
      `SELECT t.id, t.name FROM tenants t
        WHERE t.stripe_customer_id IS NULL
          AND EXISTS (SELECT 1 FROM usage_intervals u WHERE u.tenant_id = t.id AND u.ended_at IS NOT NULL AND u.stripe_sent_at IS NULL)
        ORDER BY t.id LIMIT 100`,
    );
    for (const t of tenants) {
      const customer = await this.stripe.createCustomer(t);
      await this.ds.query(
        `UPDATE tenants SET stripe_customer_id = $2 WHERE id = $1 AND stripe_customer_id IS NULL`,
        [t.id, customer],
      );
      this.log.info({ tenantId: t.id, customer }, 'stripe customer created');
    }
    return tenants.length;
  }

  /** Sends one batch of closed, unsent intervals. Stops at the first Stripe failure. */
  async sendBatch(): Promise<PassResult> {
    const stripe = this.stripe;
    if (!stripe) return { sent: 0, duplicates: 0, error: null };
    try {
      await stripe.ensureMeters();
    } catch (err) {
      return { sent: 0, duplicates: 0, error: messageOf(err) };
    }
    return inTransaction(this.ds, async (em) => {
      const rows: UnsentRow[] = await em.query(
        `SELECT u.id, u.tenant_id, u.meter, u.resource_type, u.resource_id, u.quantity, u.started_at, u.ended_at,
                u.min_seconds, t.stripe_customer_id AS customer
           FROM usage_intervals u JOIN tenants t ON t.id = u.tenant_id
          WHERE u.ended_at IS NOT NULL AND u.stripe_sent_at IS NULL AND t.stripe_customer_id IS NOT NULL
          ORDER BY u.ended_at, u.id
          LIMIT $1
          FOR UPDATE OF u SKIP LOCKED`,
        [this.batch],
      );
      let sent = 0;
      let duplicates = 0;
      for (let i = 0; i < rows.length; i += SEND_CONCURRENCY) {
        const chunk = rows.slice(i, i + SEND_CONCURRENCY);
        const results = await Promise.allSettled(chunk.map((r) => this.sendOne(em, r)));
        let failure: unknown = null;
        for (const res of results) {
          if (res.status === 'rejected') failure ??= res.reason;
          else if (res.value === 'sent') sent++;
          else duplicates++;
        }
        if (failure !== null) {
          // What went through is marked in this transaction; the rest stays for the next pass.
          return { sent, duplicates, error: messageOf(failure) };
        }
      }
      return { sent, duplicates, error: null };
    });
  }

  private async sendOne(em: EntityManager, r: UnsentRow): Promise<'sent' | 'duplicate'> {
    if (!this.stripe || !isUsageMeter(r.meter)) return 'duplicate';
    const value = totalUnits({
      id: r.id,
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      meter: r.meter,
      quantity: r.quantity,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      minSeconds: r.min_seconds,
    });
    const outcome = await this.stripe.sendMeterEvent({
      identifier: r.id,
      meter: r.meter,
      customer: r.customer,
      value,
      timestamp: Math.floor(r.ended_at.getTime() / 1000),
    });
    await em.query(`UPDATE usage_intervals SET stripe_sent_at = now(), stripe_value = $2 WHERE id = $1`, [
      r.id,
      value,
    ]);
    return outcome;
  }

  /**
   * Compares, per tenant and meter, what Postgres marked sent with what Stripe summed over the current
   * month (by event time), sends every interval of a short pair again (Stripe refuses the ones it has),
   * and records the pass. A surplus at Stripe cannot be taken back from here: it is recorded as drift.
   */
  async reconcile(now = new Date()): Promise<ReconcileResult> {
    const stripe = this.stripe;
    const from = monthOf(now).from;
    // Whole seconds (Stripe's event times), a little behind now: events still in flight are not drift.
    const to = new Date(Math.floor((now.getTime() - 2_000) / 1000) * 1000);
    const unsentRows: { n: string }[] = await this.ds.query(
      `SELECT count(*) AS n FROM usage_intervals WHERE ended_at IS NOT NULL AND stripe_sent_at IS NULL`,
    );
    const unsent = Number(unsentRows[0]?.n ?? 0);
    if (!stripe || to <= from) return { checked: 0, resent: 0, unsent, drift: [] };
    const pairs: { tenant_id: string; customer: string; meter: string; total: string }[] =
      await this.ds.query(
        `SELECT u.tenant_id, t.stripe_customer_id AS customer, u.meter, SUM(u.stripe_value) AS total
         FROM usage_intervals u JOIN tenants t ON t.id = u.tenant_id
        WHERE u.stripe_sent_at IS NOT NULL AND u.ended_at >= $1 AND u.ended_at < $2 AND t.stripe_customer_id IS NOT NULL
        GROUP BY u.tenant_id, t.stripe_customer_id, u.meter ORDER BY u.tenant_id, u.meter`,
        [from, to],
      );
    const drift: ReconcileResult['drift'] = [];
    let resent = 0;
    for (const p of pairs) {
      if (!isUsageMeter(p.meter)) continue;
      const postgres = Number(p.total);
      const atStripe = await stripe.summed(p.meter, p.customer, from, to);
      if (atStripe === postgres) continue;
      drift.push({ tenantId: p.tenant_id, meter: p.meter, postgres, stripe: atStripe });
      if (atStripe < postgres) resent += await this.resend(p.tenant_id, p.customer, p.meter, from, to);
    }
    await this.ds.query(
      `INSERT INTO billing_reconciliations (ran_at, window_start, window_end, checked, resent, drift)
       VALUES (now(), $1, $2, $3, $4, $5)`,
      [from, to, pairs.length, resent, JSON.stringify(drift)],
    );
    if (drift.length > 0)
      this.log.warn({ drift, resent, unsent }, 'billing drift between Postgres and Stripe');
    return { checked: pairs.length, resent, unsent, drift };
  }

  private async resend(
    tenantId: string,
    customer: string,
    meter: UsageMeter,
    from: Date,
    to: Date,
  ): Promise<number> {
    const stripe = this.stripe;
    if (!stripe) return 0;
    const rows: { id: string; stripe_value: string; ended_at: Date }[] = await this.ds.query(
      `SELECT id, stripe_value, ended_at FROM usage_intervals
        WHERE tenant_id = $1 AND meter = $2 AND stripe_sent_at IS NOT NULL AND ended_at >= $3 AND ended_at < $4
        ORDER BY ended_at, id`,
      [tenantId, meter, from, to],
    );
    let landed = 0;
    for (const r of rows) {
      const outcome = await stripe.sendMeterEvent({
        identifier: r.id,
        meter,
        customer,
        value: Number(r.stripe_value),
        timestamp: Math.floor(r.ended_at.getTime() / 1000),
      });
      if (outcome === 'sent') landed++;
    }
    return landed;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : JSON.stringify(err);
}
