import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import {
  BillingReconciliationRepository,
  inTransaction,
  TenantRepository,
  UsageIntervalRepository,
  type UnsentUsageInterval,
} from '@berth/db';
import { isUsageMeter, monthOf, newId, planUsageCut, totalUnits } from '@berth/domain';
import { IDENTIFIER_RESEND_LIMIT_MS, type StripeGateway } from './stripe-gateway';

export interface PassResult {
  readonly sent: number;
  readonly duplicates: number;
  /** Given up to the operator (billing_dead_letters): refused for good, or past the identifier window. */
  readonly deadLettered: number;
  /** Set when Stripe failed: the rest waits for the next pass. */
  readonly error: string | null;
}

export interface ReconcileResult {
  readonly checked: number;
  /** Pairs not compared this pass: Stripe may not have summed their latest events yet. */
  readonly unsettled: number;
  readonly unsent: number;
  readonly drift: { tenantId: string; meter: string; postgres: number; stripe: number }[];
}

export interface BillingWorkerOptions {
  /** Meter events per batch. */
  readonly batch: number;
  /**
   * How long after berth saw an event acknowledged Stripe's summaries may still leave it out (Stripe:
   * "seconds to minutes"): pairs with events that recent are not compared.
   */
  readonly summarySettleMs: number;
}

const SEND_CONCURRENCY = 8;
/** Tenants read at a time when subscribing them. */
const SUBSCRIPTION_PAGE = 100;

/**
 * Moves usage from Postgres to Stripe, never twice and never blocked:
 *
 * - every closed interval becomes one meter event whose identifier is the interval's id. Its first
 *   attempt is recorded (committed) before it is sent; then batches of rows locked with SKIP LOCKED
 *   (several workers never send the same row) are sent and marked sent in that transaction. A crash
 *   between Stripe's answer and the commit means a resend, which Stripe refuses as a duplicate
 *   identifier, and that refusal counts as sent; but Stripe keeps identifiers for 24 hours only, so an
 *   interval is sent again only within IDENTIFIER_RESEND_LIMIT_MS of its first attempt, and past it
 *   goes to the operator (billing_dead_letters), never out blindly;
 * - an event Stripe refuses for a lasting reason goes to the same dead letters with Stripe's reason,
 *   and the batch goes on; a failure that may pass (Stripe down, a rate limit) stops the batch;
 * - open intervals are cut at each hour boundary, so long-running work reaches Stripe hourly and
 *   every invoice period ends on a cut;
 * - a periodic reconciliation compares, on minute-aligned windows (Stripe's rule for summaries), what
 *   Stripe acknowledged with what it summed, leaving out pairs whose latest events Stripe may not have
 *   summed yet, and records any surplus or deficit for the operator. It sends nothing: what Stripe
 *   acknowledged is never sent again.
 */
export class BillingWorker {
  constructor(
    private readonly ds: DataSource,
    private readonly stripe: StripeGateway | null,
    private readonly log: Logger,
    private readonly options: BillingWorkerOptions,
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

  /**
   * Subscribes tenants with a Stripe customer to berth's prices (StripeGateway.ensureSubscription):
   * those without a subscription, or with `repair` every one (a canceled or missing subscription is
   * replaced, an item moved to a changed price). Returns how many subscriptions it made.
   */
  async ensureSubscriptions(repair = false): Promise<number> {
    const stripe = this.stripe;
    if (!stripe) return 0;
    const tenants = new TenantRepository(this.ds.manager);
    let made = 0;
    let after: string | undefined;
    for (;;) {
      const page = await tenants.withCustomer({
        withoutSubscription: !repair,
        limit: SUBSCRIPTION_PAGE,
        ...(after ? { after } : {}),
      });
      for (const t of page) {
        const id = await stripe.ensureSubscription({ id: t.id, customer: t.customer, known: t.subscription });
        if (id === t.subscription) continue;
        await tenants.setSubscription(t.id, id, t.subscription);
        made++;
        this.log.info(
          { tenantId: t.id, subscription: id, replaced: t.subscription },
          'stripe subscription made',
        );
      }
      if (page.length < SUBSCRIPTION_PAGE) return made;
      after = page[page.length - 1]!.id;
    }
  }

  /**
   * Sends one batch of closed, unsent intervals: first attempts recorded first (committed), then the
   * batch locked, sent and marked. Stops at the first failure that may pass; what Stripe refuses for
   * good, and what is past the identifier window, is dead-lettered and the batch goes on.
   */
  async sendBatch(): Promise<PassResult> {
    const stripe = this.stripe;
    if (!stripe) return { sent: 0, duplicates: 0, deadLettered: 0, error: null };
    try {
      await stripe.ensureMeters();
    } catch (err) {
      return { sent: 0, duplicates: 0, deadLettered: 0, error: messageOf(err) };
    }
    // Outside the sending transaction, so that the attempt is on record whatever happens to it.
    await new UsageIntervalRepository(this.ds.manager).stampFirstAttempts(this.options.batch);
    return inTransaction(this.ds, async (em) => {
      const rows = await new UsageIntervalRepository(em).lockUnsent(
        this.options.batch,
        IDENTIFIER_RESEND_LIMIT_MS,
      );
      const counts = { sent: 0, duplicates: 0, deadLettered: 0 };
      for (let i = 0; i < rows.length; i += SEND_CONCURRENCY) {
        const chunk = rows.slice(i, i + SEND_CONCURRENCY);
        const results = await Promise.allSettled(chunk.map((r) => this.sendOne(em, r)));
        let failure: unknown = null;
        for (const res of results) {
          if (res.status === 'rejected') failure ??= res.reason;
          else if (res.value === 'sent') counts.sent++;
          else if (res.value === 'duplicate') counts.duplicates++;
          else counts.deadLettered++;
        }
        if (failure !== null) {
          // What went through is marked in this transaction; the rest stays for the next pass.
          return { ...counts, error: messageOf(failure) };
        }
      }
      return { ...counts, error: null };
    });
  }

  private async sendOne(
    em: EntityManager,
    r: UnsentUsageInterval,
  ): Promise<'sent' | 'duplicate' | 'dead-lettered'> {
    const meter = r.meter;
    const usage = new UsageIntervalRepository(em);
    if (!this.stripe || !isUsageMeter(meter)) return 'duplicate';
    const value = totalUnits({ ...r, meter });
    if (r.pastResendLimit) {
      // Tried before and never acknowledged, longer ago than Stripe remembers identifiers: it may be
      // there already. The operator decides (Stripe's dashboard shows the customer's events).
      await usage.deadLetter(newId('bdl'), r, value, 'identifier_window_passed', {
        status: null,
        code: null,
        message: `first sent more than ${IDENTIFIER_RESEND_LIMIT_MS / 3_600_000} hours ago and never acknowledged: Stripe may hold it and would no longer refuse it as a duplicate`,
      });
      this.log.warn({ interval: r.id, tenantId: r.tenantId }, 'usage interval past the identifier window');
      return 'dead-lettered';
    }
    const outcome = await this.stripe.sendMeterEvent({
      identifier: r.id,
      meter,
      customer: r.customer,
      value,
      timestamp: Math.floor(r.endedAt.getTime() / 1000),
    });
    if (typeof outcome === 'object') {
      await usage.deadLetter(newId('bdl'), r, value, 'refused', outcome.refused);
      this.log.warn({ interval: r.id, tenantId: r.tenantId, ...outcome.refused }, 'meter event refused');
      return 'dead-lettered';
    }
    await usage.markSent(r.id, value);
    return outcome;
  }

  /**
   * Compares, per tenant and meter, what Stripe acknowledged with what it summed over the current month
   * (by event time) up to a minute boundary, and records the pass with any surplus or deficit. Pairs
   * with events acknowledged within `summarySettleMs`, or being sent, are left for a later pass. Nothing
   * is sent from here: a deficit is not "fixed" by sending again (that would bill twice what Stripe
   * counted but summed late), it is shown to the operator.
   */
  async reconcile(now = new Date()): Promise<ReconcileResult> {
    const stripe = this.stripe;
    const from = monthOf(now).from;
    // Summaries take minute-aligned windows; the last minute is left out, its events may be in flight.
    const to = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 60_000);
    const usage = new UsageIntervalRepository(this.ds.manager);
    const unsent = await usage.countUnsent();
    if (!stripe || to <= from) return { checked: 0, unsettled: 0, unsent, drift: [] };
    const pairs = await usage.acknowledgedTotals(from, to, this.options.summarySettleMs);
    const drift: ReconcileResult['drift'] = [];
    let checked = 0;
    let unsettled = 0;
    for (const p of pairs) {
      if (!isUsageMeter(p.meter)) continue;
      if (p.unsettled) {
        unsettled++;
        continue;
      }
      checked++;
      const atStripe = await stripe.summed(p.meter, p.customer, from, to);
      if (atStripe !== p.total)
        drift.push({ tenantId: p.tenantId, meter: p.meter, postgres: p.total, stripe: atStripe });
    }
    await new BillingReconciliationRepository(this.ds.manager).record({
      from,
      to,
      checked,
      unsettled,
      drift,
    });
    if (drift.length > 0) this.log.warn({ drift, unsent }, 'billing drift between Postgres and Stripe');
    return { checked, unsettled, unsent, drift };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : JSON.stringify(err);
}
