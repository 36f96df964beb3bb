import type { EntityManager } from 'typeorm';
import {
  isUsageMeter,
  type BillingDeadLetterId,
  type TenantId,
  type UsageCut,
  type UsageEffect,
  type UsageHistory,
  type UsageIntervalRecord,
  type UsageMeter,
  type UsageResourceType,
  type UsageWindow,
} from '@berth/domain';
import { usageIntervalId } from '../usage-interval-id';

/** The resource a usage effect is written for. */
export interface UsageResource {
  readonly tenantId: TenantId | string;
  readonly resourceType: UsageResourceType;
  readonly resourceId: string;
}

/** An open interval as the billing worker's cut reads it. */
export interface OpenUsageInterval extends UsageResource {
  readonly id: string;
  readonly meter: string;
  readonly quantity: number;
  readonly startedAt: Date;
  readonly minSeconds: number;
}

/** A closed interval not yet sent to Stripe, with its tenant's Stripe customer. */
export interface UnsentUsageInterval extends OpenUsageInterval {
  readonly endedAt: Date;
  readonly customer: string;
  /**
   * Its first attempt was longer ago than the resend limit given to lockUnsent (by the database's
   * clock): Stripe may hold it already and no longer refuse its identifier, so it is not sent again.
   */
  readonly pastResendLimit: boolean;
}

/** Per tenant and meter, what berth saw Stripe acknowledge for intervals that ended in a window. */
export interface AcknowledgedTotal {
  readonly tenantId: string;
  readonly customer: string;
  readonly meter: string;
  readonly total: number;
  /** Some of it was acknowledged so recently that Stripe's summaries may not count it yet. */
  readonly unsettled: boolean;
}

/** Why an interval was given up on (billing_dead_letters.reason). */
export type DeadLetterReason = 'refused' | 'identifier_window_passed';

/** What Stripe said when it refused an event for good (null fields: it said nothing of the kind). */
export interface StripeRefusal {
  readonly status: number | null;
  readonly code: string | null;
  readonly message: string;
}

/**
 * An interval (alias `u`) the billing worker still owes Stripe: closed, neither acknowledged nor given
 * up on (dead-lettered). The partial index usage_intervals_unsent_idx has the same predicate.
 */
const AWAITING_STRIPE =
  'u.ended_at IS NOT NULL AND u.stripe_sent_at IS NULL AND u.stripe_dead_lettered_at IS NULL';

/**
 * The one writer of `usage_intervals`, for the API and the billing worker alike. The API writes the
 * effects its planners dated (datedUsage in @berth/domain) inside the transaction that changes the
 * resource, so a resource's state and its usage never disagree; the worker cuts, sends and reconciles.
 * Idempotent: an interval's id is derived from resource, meter and start, so writing the same interval
 * twice (a report delivered twice, a retried cut) is one row, and only an open interval is closed.
 */
export class UsageIntervalRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The resource's usage so far, for its planner. Its open interval stays locked until the transaction
   * ends, so the billing worker's hourly cut (which skips locked intervals) cannot move it between this
   * read and the plan's write.
   */
  async lockHistory(resourceId: string): Promise<UsageHistory> {
    // One statement: the open intervals locked (the CTE is read whole by max(), so every row is locked),
    // and the last end beside them.
    const [row]: { open_since: Date | null; last: Date | null }[] = await this.em.query(
      `WITH open AS (
         SELECT started_at FROM usage_intervals WHERE resource_id = $1 AND ended_at IS NULL FOR UPDATE
       )
       SELECT (SELECT max(started_at) FROM open) AS open_since,
              (SELECT max(ended_at) FROM usage_intervals WHERE resource_id = $1) AS last`,
      [resourceId],
    );
    return { openSince: row?.open_since ?? null, lastEndedAt: row?.last ?? null };
  }

  /** Writes a planned, dated effect. */
  async apply(resource: UsageResource, effect: UsageEffect): Promise<void> {
    switch (effect.kind) {
      case 'none':
        return;
      case 'close':
        return this.closeOpen(resource.resourceId, effect.at);
      case 'open':
        if (effect.closeOpenAt) await this.closeOpen(resource.resourceId, effect.closeOpenAt);
        return this.open({ ...resource, ...effect });
    }
  }

  /**
   * Cuts an open interval (locked by lockOpenBefore) as planUsageCut decided: it ends at the cut and
   * bills only its own seconds; its continuation opens with what remains of its minimum.
   */
  async cut(interval: OpenUsageInterval & { meter: UsageMeter }, cut: UsageCut): Promise<void> {
    await this.em.query(`UPDATE usage_intervals SET ended_at = $2, min_seconds = 0 WHERE id = $1`, [
      interval.id,
      cut.endAt,
    ]);
    await this.open({
      ...interval,
      at: cut.continueAt,
      minSeconds: cut.continuationMinSeconds,
    });
  }

  /** Open intervals that started before `boundary`, oldest first, locked; ones locked elsewhere are skipped. */
  async lockOpenBefore(boundary: Date, limit: number): Promise<OpenUsageInterval[]> {
    const rows: RawInterval[] = await this.em.query(
      `SELECT ${COLUMNS} FROM usage_intervals u WHERE u.ended_at IS NULL AND u.started_at < $1
        ORDER BY u.started_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [boundary, limit],
    );
    return rows.map(toInterval);
  }

  /**
   * Records a first attempt on up to `limit` closed intervals never tried (oldest first, of tenants
   * with a Stripe customer), committed before anything is sent: the identifier window is counted from
   * it (lockUnsent). Rows another worker holds are skipped. Run it outside the sending transaction.
   */
  async stampFirstAttempts(limit: number): Promise<number> {
    const rows: unknown[] = await this.em.query(
      `UPDATE usage_intervals SET stripe_first_attempt_at = now()
        WHERE id IN (
          SELECT u.id FROM usage_intervals u JOIN tenants t ON t.id = u.tenant_id
           WHERE ${AWAITING_STRIPE} AND u.stripe_first_attempt_at IS NULL AND t.stripe_customer_id IS NOT NULL
           ORDER BY u.ended_at, u.id LIMIT $1
           FOR UPDATE OF u SKIP LOCKED)
        RETURNING id`,
      [limit],
    );
    return rows.length;
  }

  /**
   * Closed intervals with a first attempt recorded, neither acknowledged nor given up on, of tenants
   * that have a Stripe customer, locked (ones locked elsewhere are skipped); each says whether its
   * first attempt is older than `resendLimitMs`.
   */
  async lockUnsent(limit: number, resendLimitMs: number): Promise<UnsentUsageInterval[]> {
    const rows: (RawInterval & { ended_at: Date; customer: string; past_limit: boolean })[] =
      await this.em.query(
        `SELECT ${COLUMNS}, u.ended_at, t.stripe_customer_id AS customer,
                u.stripe_first_attempt_at < now() - $2::bigint * interval '1 millisecond' AS past_limit
           FROM usage_intervals u JOIN tenants t ON t.id = u.tenant_id
          WHERE ${AWAITING_STRIPE} AND u.stripe_first_attempt_at IS NOT NULL AND t.stripe_customer_id IS NOT NULL
          ORDER BY u.ended_at, u.id
          LIMIT $1
          FOR UPDATE OF u SKIP LOCKED`,
        [limit, resendLimitMs],
      );
    return rows.map((r) => ({
      ...toInterval(r),
      endedAt: r.ended_at,
      customer: r.customer,
      pastResendLimit: r.past_limit,
    }));
  }

  async markSent(id: string, value: number): Promise<void> {
    await this.em.query(
      `UPDATE usage_intervals SET stripe_sent_at = now(), stripe_value = $2 WHERE id = $1`,
      [id, value],
    );
  }

  /**
   * Gives the interval up to the operator (billing_dead_letters) with why, in one statement: it is
   * never sent again by the worker, and later batches go on without it.
   */
  async deadLetter(
    id: BillingDeadLetterId,
    r: UnsentUsageInterval,
    value: number,
    reason: DeadLetterReason,
    refusal: StripeRefusal,
  ): Promise<void> {
    await this.em.query(
      `WITH given_up AS (
         UPDATE usage_intervals SET stripe_dead_lettered_at = now()
          WHERE id = $1 AND stripe_sent_at IS NULL AND stripe_dead_lettered_at IS NULL
          RETURNING id, tenant_id, meter)
       INSERT INTO billing_dead_letters
         (id, interval_id, tenant_id, meter, value, event_timestamp, reason, stripe_status, stripe_code, message)
       SELECT $8, id, tenant_id, meter, $2, $3, $4, $5, $6, $7 FROM given_up`,
      [r.id, value, r.endedAt, reason, refusal.status, refusal.code, refusal.message, id],
    );
  }

  /** Closed intervals not yet acknowledged by Stripe nor given up on. */
  async countUnsent(): Promise<number> {
    const rows: { n: string }[] = await this.em.query(
      `SELECT count(*) AS n FROM usage_intervals u WHERE ${AWAITING_STRIPE}`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Per tenant (with a Stripe customer) and meter, what Stripe acknowledged for intervals that ended in
   * [from, to); `unsettled` when any of it was acknowledged less than `settleMs` ago (by the database's
   * clock, which dated the acknowledgements), or is being sent (tried, not yet acknowledged: Stripe may
   * count it already).
   */
  async acknowledgedTotals(from: Date, to: Date, settleMs: number): Promise<AcknowledgedTotal[]> {
    const rows: { tenant_id: string; customer: string; meter: string; total: string; unsettled: boolean }[] =
      await this.em.query(
        `SELECT u.tenant_id, t.stripe_customer_id AS customer, u.meter,
                COALESCE(SUM(u.stripe_value) FILTER (WHERE u.stripe_sent_at IS NOT NULL), 0) AS total,
                bool_or(u.stripe_sent_at > now() - $3::bigint * interval '1 millisecond'
                        OR u.stripe_sent_at IS NULL) AS unsettled
           FROM usage_intervals u JOIN tenants t ON t.id = u.tenant_id
          WHERE u.ended_at >= $1 AND u.ended_at < $2 AND t.stripe_customer_id IS NOT NULL
            AND (u.stripe_sent_at IS NOT NULL
                 OR (u.stripe_first_attempt_at IS NOT NULL AND u.stripe_dead_lettered_at IS NULL))
          GROUP BY u.tenant_id, t.stripe_customer_id, u.meter ORDER BY u.tenant_id, u.meter`,
        [from, to, settleMs],
      );
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      customer: r.customer,
      meter: r.meter,
      total: Number(r.total),
      unsettled: r.unsettled,
    }));
  }

  /**
   * quantity x whole seconds (rounded up per interval) accrued by each resource up to `now`: GB-seconds
   * for the storage meters.
   */
  async accruedBy(resourceIds: readonly string[], now: Date = new Date()): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (resourceIds.length === 0) return out;
    const rows: { resource_id: string; total: string }[] = await this.em.query(
      `SELECT resource_id,
              SUM(quantity * CEIL(GREATEST(EXTRACT(EPOCH FROM (COALESCE(ended_at, $2::timestamptz) - started_at)), 0)))::bigint AS total
         FROM usage_intervals
        WHERE resource_id = ANY($1)
        GROUP BY resource_id`,
      [resourceIds, now],
    );
    for (const r of rows) out.set(r.resource_id, Number(r.total));
    return out;
  }

  /** When the tenant's first interval started, or null when it has none. */
  async firstStartOf(tenantId: TenantId): Promise<Date | null> {
    const rows: { first: Date | null }[] = await this.em.query(
      `SELECT min(started_at) AS first FROM usage_intervals WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows[0]?.first ?? null;
  }

  /**
   * The tenant's intervals that overlap the window, in the order they started, as rating reads them
   * (rows on a meter this build does not know are left out).
   */
  async ofTenantIn(tenantId: TenantId, window: UsageWindow): Promise<UsageIntervalRecord[]> {
    const rows: {
      id: string;
      resource_type: UsageResourceType;
      resource_id: string;
      meter: string;
      quantity: number;
      started_at: Date;
      ended_at: Date | null;
      min_seconds: number;
    }[] = await this.em.query(
      `SELECT id, resource_type, resource_id, meter, quantity, started_at, ended_at, min_seconds
         FROM usage_intervals
        WHERE tenant_id = $1 AND started_at < $3 AND (ended_at IS NULL OR ended_at >= $2)
        ORDER BY started_at, id`,
      [tenantId, window.from, window.to],
    );
    return rows
      .filter((r) => isUsageMeter(r.meter))
      .map((r) => ({
        id: r.id,
        resourceType: r.resource_type,
        resourceId: r.resource_id,
        meter: r.meter as UsageMeter,
        quantity: r.quantity,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        minSeconds: r.min_seconds,
      }));
  }

  /**
   * The names usage lines show for metered resources, by id: a container's, volume's or snapshot's
   * name, a floating IP's name or else its address.
   */
  async resourceNames(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    const rows: { id: string; name: string }[] = await this.em.query(
      `SELECT id, name FROM containers WHERE id = ANY($1)
       UNION ALL SELECT id, name FROM volumes WHERE id = ANY($1)
       UNION ALL SELECT id, name FROM snapshots WHERE id = ANY($1)
       UNION ALL SELECT id, COALESCE(name, address) FROM floating_ips WHERE id = ANY($1)`,
      [ids],
    );
    for (const r of rows) out.set(r.id, r.name);
    return out;
  }

  /**
   * Opens the interval, or finds it open already (the same effect applied twice: its id is derived from
   * resource, meter and start). Anything else fails loudly (issue 16: an insert either opens the
   * interval or fails): another open interval of the resource and meter is the unique index's error,
   * and an interval of that id that is closed already is an error here, never a silent skip.
   */
  private async open(
    u: UsageResource & { meter: UsageMeter; quantity: number; at: Date; minSeconds: number },
  ): Promise<void> {
    const id = usageIntervalId(u.resourceId, u.meter, u.at);
    const inserted: unknown[] = await this.em.query(
      `INSERT INTO usage_intervals (id, tenant_id, resource_type, resource_id, meter, quantity, started_at, ended_at, min_seconds, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, now())
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [id, u.tenantId, u.resourceType, u.resourceId, u.meter, u.quantity, u.at, u.minSeconds],
    );
    if (inserted.length === 1) return;
    const [existing] = await this.em.query<{ ended_at: Date | null }[]>(
      `SELECT ended_at FROM usage_intervals WHERE id = $1`,
      [id],
    );
    if (existing && existing.ended_at === null) return;
    throw new Error(
      `usage interval ${id} (${u.resourceId}, ${u.meter} from ${u.at.toISOString()}) was not opened: ` +
        (existing
          ? `it was closed at ${existing.ended_at?.toISOString() ?? '?'} already`
          : 'its insert did nothing'),
    );
  }

  /** Ends every open interval of the resource at `at` (never before it started). */
  private async closeOpen(resourceId: string, at: Date): Promise<void> {
    await this.em.query(
      `UPDATE usage_intervals SET ended_at = GREATEST($2::timestamptz, started_at)
        WHERE resource_id = $1 AND ended_at IS NULL`,
      [resourceId, at],
    );
  }
}

const COLUMNS =
  'u.id, u.tenant_id, u.resource_type, u.resource_id, u.meter, u.quantity, u.started_at, u.min_seconds';

interface RawInterval {
  id: string;
  tenant_id: string;
  resource_type: UsageResourceType;
  resource_id: string;
  meter: string;
  quantity: number;
  started_at: Date;
  min_seconds: number;
}

function toInterval(r: RawInterval): OpenUsageInterval {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    meter: r.meter,
    quantity: r.quantity,
    startedAt: r.started_at,
    minSeconds: r.min_seconds,
  };
}
