import type { EntityManager } from 'typeorm';
import { TenantRepository, type LockedTenantUsage } from '@berth/db';
import { DomainError, type TenantId } from '@berth/domain';

/**
 * Refuses new compute to a tenant whose last payment failed (Stripe's invoice.payment_failed), as
 * Hyper.sh did: running containers keep running; the tenant pays, and invoice.paid lifts it.
 */
export async function assertInGoodStanding(em: EntityManager, tenantId: TenantId): Promise<void> {
  refuseIfPastDue(await new TenantRepository(em).billingStatusOf(tenantId));
}

/** The rule itself, for callers that read the tenant's standing with other things (quota-guard). */
export function refuseIfPastDue(status: LockedTenantUsage['billingStatus'] | null): void {
  if (status === 'past_due') {
    throw new DomainError(
      'billing/past_due',
      'your account is past due: the last invoice could not be charged. Pay it (or update your payment method) to start containers again; running ones keep running',
    );
  }
}
