import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  BillingDeadLetterView,
  BillingDriftView,
  BillingReconciliationView,
  Page,
} from '@berth/contracts';
import {
  BillingDeadLetterRepository,
  BillingReconciliationRepository,
  DEFAULT_PAGE_LIMIT,
  decodeCursor,
  pageOf,
  type BillingDeadLetter,
  type RecordedReconciliation,
} from '@berth/db';

/**
 * What the operator reads of berth's side of Stripe: the usage the billing worker gave up on (dead
 * letters) and its reconciliation passes with the drift they found. Read-only: the worker writes both,
 * and nothing here sends anything to Stripe.
 */
@Injectable()
export class BillingAdminService {
  constructor(private readonly ds: DataSource) {}

  async deadLetters(limit = DEFAULT_PAGE_LIMIT, cursor?: string): Promise<Page<BillingDeadLetterView>> {
    const after = decodeCursor(cursor);
    const page = await new BillingDeadLetterRepository(this.ds.manager).page({
      limit,
      ...(after ? { after } : {}),
    });
    return pageOf(page, deadLetterView, (d) => d.id);
  }

  /** The latest passes, newest first; with `withDrift`, only the passes that found drift. */
  async reconciliations(limit: number, withDrift: boolean): Promise<{ data: BillingReconciliationView[] }> {
    const passes = await new BillingReconciliationRepository(this.ds.manager).latest(limit, withDrift);
    return { data: passes.map(reconciliationView) };
  }
}

function deadLetterView(d: BillingDeadLetter): BillingDeadLetterView {
  return {
    id: d.id,
    intervalId: d.intervalId,
    tenantId: d.tenantId,
    meter: d.meter,
    value: d.value,
    eventTimestamp: d.eventTimestamp.toISOString(),
    reason: d.reason,
    stripeStatus: d.stripeStatus,
    stripeCode: d.stripeCode,
    message: d.message,
    createdAt: d.createdAt.toISOString(),
  };
}

function reconciliationView(r: RecordedReconciliation): BillingReconciliationView {
  return {
    id: r.id,
    ranAt: r.ranAt.toISOString(),
    windowStart: r.from.toISOString(),
    windowEnd: r.to.toISOString(),
    checked: r.checked,
    unsettled: r.unsettled,
    drift: r.drift as BillingDriftView[],
  };
}
