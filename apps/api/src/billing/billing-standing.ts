import type { EntityManager } from 'typeorm';
import { DomainError, type TenantId } from '@berth/domain';

/**
 * Refuses new compute to a tenant whose last payment failed (Stripe's invoice.payment_failed), as
 * Hyper.sh did: running containers keep running; the tenant pays, and invoice.paid lifts it.
 */
export async function assertInGoodStanding(em: EntityManager, tenantId: TenantId): Promise<void> {
  const rows: { billing_status: string }[] = await em.query(
    `SELECT billing_status FROM tenants WHERE id = $1`,
    [tenantId],
  );
  if (rows[0]?.billing_status === 'past_due') {
    throw new DomainError(
      'billing/past_due',
      'your account is past due: the last invoice could not be charged. Pay it (or update your payment method) to start containers again; running ones keep running',
    );
  }
}
