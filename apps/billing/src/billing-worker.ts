import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import {
  BillingReconciliationRepository,
  inTransaction,
  TenantRepository,
  UsageIntervalRepository,
  type UnsentUsageInterval,
} from '@berth/db';
import { isUsageMeter, monthOf, planUsageCut, totalUnits, type UsageMeter } from '@berth/domain';
import type { StripeGateway } from './stripe-gateway';

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
   * Cuts open intervals at the last hour boundary, as planUsageCut (@berth/domain) decides. Returns how
   * many intervals were cut.
   */
  async roll(now = new Date()): Promise<number> {
    const boundary = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
    let cut = 0;
    for (;;) {
      const n = await inTransaction(this.ds, async (em) => {
        const usage = new UsageIntervalRepository(em);
        const open = await usage.lockOpenBefore(boundary, 200);
        for (const interval of open) {
          const meter = interval.meter;
          // The meter column only holds known meters (a CHECK since migration CheckUsageMeters); the test
          // narrows the type.
          if (!isUsageMeter(meter)) continue;
          await usage.cut({ ...interval, meter }, planUsageCut(interval, boundary));
        }
        return open.length;
      });
      cut += n;
      if (n === 0) return cut;
    }
  }

  /** Gives every tenant with usage to send a Stripe customer (idempotently). */
  async ensureCustomers(): Promise<number> {
    if (!this.stripe) return 0;
    const tenantRows = new TenantRepository(this.ds.manager);
    const tenants = await tenantRows.needingCustomer();
    for (const t of tenants) {
      const customer = await this.stripe.createCustomer(t);
      await tenantRows.setCustomerOnce(t.id, customer);
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
      const rows = await new UsageIntervalRepository(em).lockUnsent(this.batch);
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

  private async sendOne(em: EntityManager, r: UnsentUsageInterval): Promise<'sent' | 'duplicate'> {
    const meter = r.meter;
    if (!this.stripe || !isUsageMeter(meter)) return 'duplicate';
    const value = totalUnits({ ...r, meter });
    const outcome = await this.stripe.sendMeterEvent({
      identifier: r.id,
      meter,
      customer: r.customer,
      value,
      timestamp: Math.floor(r.endedAt.getTime() / 1000),
    });
    await new UsageIntervalRepository(em).markSent(r.id, value);
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
    const usage = new UsageIntervalRepository(this.ds.manager);
    const unsent = await usage.countUnsent();
    if (!stripe || to <= from) return { checked: 0, resent: 0, unsent, drift: [] };
    const pairs = await usage.sentTotals(from, to);
    const drift: ReconcileResult['drift'] = [];
    let resent = 0;
    for (const p of pairs) {
      if (!isUsageMeter(p.meter)) continue;
      const postgres = p.total;
      const atStripe = await stripe.summed(p.meter, p.customer, from, to);
      if (atStripe === postgres) continue;
      drift.push({ tenantId: p.tenantId, meter: p.meter, postgres, stripe: atStripe });
      if (atStripe < postgres) resent += await this.resend(p.tenantId, p.customer, p.meter, from, to);
    }
    await new BillingReconciliationRepository(this.ds.manager).record({
      from,
      to,
      checked: pairs.length,
      resent,
      drift,
    });
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
    const rows = await new UsageIntervalRepository(this.ds.manager).sentOf(tenantId, meter, from, to);
    let landed = 0;
    for (const r of rows) {
      const outcome = await stripe.sendMeterEvent({
        identifier: r.id,
        meter,
        customer,
        value: r.stripeValue,
        timestamp: Math.floor(r.endedAt.getTime() / 1000),
      });
      if (outcome === 'sent') landed++;
    }
    return landed;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : JSON.stringify(err);
}
